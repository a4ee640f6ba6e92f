// Copyright 2026 The leakprof Authors.
//
// Process facts of a real Go program (tests/goprof:blocker) found through
// /proc, and the build-info reader on hand-made images.
//
// Flags (BUILD): --blocker=PATH of the Go program.

#include "agent/process_info.h"

#include <unistd.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/util/go_process.h"

namespace leakprof {
namespace agent {
namespace {

std::string g_blocker = "tests/goprof/blocker_/blocker";

TEST(ProcessInfoTest, RealGoProgram) {
  testutil::GoProcess p;
  ASSERT_TRUE(p.Start(testutil::Runfile(g_blocker)).ok());
  const ProcessInfo info = LookUpProcess(p.PprofRoot());
  EXPECT_EQ(info.pid, p.pid());
  EXPECT_TRUE(absl::StartsWith(info.go_version, "go1.19")) << info.go_version;
  const int64_t now = absl::GetCurrentTimeNanos();
  EXPECT_GT(info.start_unix_nanos, now - int64_t{120} * 1000000000);
  EXPECT_LE(info.start_unix_nanos, now + int64_t{2} * 1000000000);
  // The executable on disk says the same.
  EXPECT_EQ(GoVersionOfExecutable(testutil::Runfile(g_blocker)),
            info.go_version);
}

TEST(ProcessInfoTest, NotLoopbackOrNotFound) {
  EXPECT_EQ(LookUpProcess("http://10.0.0.1:6060/debug/pprof/").pid, 0);
  EXPECT_EQ(LookUpProcess("http://127.0.0.1:1/debug/pprof/").pid, 0);
  EXPECT_EQ(LookUpProcess("garbage").pid, 0);
}

TEST(ProcessInfoTest, BuildInfoImages) {
  std::string image(64, 'x');
  std::string header("\xff Go buildinf:", 14);
  header += '\x08';  // pointer size
  header += '\x02';  // inline strings (Go >= 1.18)
  header.resize(32, '\0');
  image += header;
  image += '\x08';
  image += "go1.21.3";
  image += std::string(40, '\0');
  EXPECT_EQ(GoVersionFromImage(image), "go1.21.3");
  // Misaligned or truncated headers are not taken.
  EXPECT_EQ(GoVersionFromImage(image.substr(1)), "");
  EXPECT_EQ(GoVersionFromImage(image.substr(0, 64 + 33)), "");
  EXPECT_EQ(GoVersionFromImage("no header here"), "");
  std::string old = image;
  old[64 + 15] = '\0';  // pre-1.18 pointer form
  EXPECT_EQ(GoVersionFromImage(old), "");
}

}  // namespace
}  // namespace agent
}  // namespace leakprof

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--blocker=")) {
      leakprof::agent::g_blocker = std::string(arg);
    }
  }
  return RUN_ALL_TESTS();
}
