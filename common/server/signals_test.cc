#include "common/server/signals.h"

#include <signal.h>

#include "gtest/gtest.h"

namespace leakprof {
namespace {

TEST(SignalsTest, ReturnsPendingSignalOrTimesOut) {
  BlockTerminationSignals();
  EXPECT_EQ(WaitForTerminationSignal(absl::Milliseconds(10)), 0);
  ASSERT_EQ(raise(SIGTERM), 0);  // blocked: stays pending, does not kill us
  EXPECT_EQ(WaitForTerminationSignal(absl::Seconds(5)), SIGTERM);
  ASSERT_EQ(kill(getpid(), SIGINT), 0);
  EXPECT_EQ(WaitForTerminationSignal(), SIGINT);
}

}  // namespace
}  // namespace leakprof
