#include "common/server/signals.h"

#include <errno.h>
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <cstdint>

#include "absl/time/clock.h"

namespace leakprof {
namespace {

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForTerminationSignal(absl::Duration timeout) {
  sigset_t set = TerminationSignals();
  const absl::Time deadline = timeout == absl::InfiniteDuration()
                                  ? absl::InfiniteFuture()
                                  : absl::Now() + timeout;
  while (true) {
    // Wake up at least once a minute so an infinite wait never overflows.
    absl::Duration left =
        std::min(deadline - absl::Now(), absl::Duration(absl::Minutes(1)));
    if (left <= absl::ZeroDuration()) return 0;
    timespec ts = absl::ToTimespec(left);
    int sig = sigtimedwait(&set, nullptr, &ts);
    if (sig > 0) return sig;
    if (errno != EAGAIN && errno != EINTR) return 0;
  }
}

}  // namespace leakprof
