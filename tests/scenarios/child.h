// Copyright 2026 The leakprof Authors.
//
// The scenario suite's other child processes (agents, a collector, an
// analyzer, Alertmanager) and a wait for a file they write. The Go services
// themselves run as tests/util/go_process.h GoProcess.
//
// Not thread-safe: one owner.

#ifndef LEAKPROF_TESTS_SCENARIOS_CHILD_H_
#define LEAKPROF_TESTS_SCENARIOS_CHILD_H_

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace leakprof {
namespace scenarios {

// Any other child process (the agent, the collector, the analyzer): started
// with arguments, stdout and stderr appended to `log_path`; SIGTERM then
// SIGKILL on Stop() and on destruction.
class Child {
 public:
  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() { Stop(); }

  absl::Status Start(const std::string& path,
                     const std::vector<std::string>& args,
                     const std::string& log_path);
  // SIGTERM, waits up to `grace`, then SIGKILL. Returns the exit status
  // (as waitpid gives it), or -1 when not running.
  int Stop(absl::Duration grace = absl::Seconds(10));
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Sets each `*out` to the value of the argument "<prefix><value>" among
// argv[1..] (e.g. {"--agent=", &g_agent}), for the paths BUILD passes to a
// test's main(); arguments without a known prefix are left alone.
void TakeFlags(int argc, char** argv,
               const std::vector<std::pair<std::string, std::string*>>& flags);

// Waits until `path` exists and returns its content.
absl::StatusOr<std::string> WaitForFile(const std::string& path,
                                        absl::Duration timeout);

}  // namespace scenarios
}  // namespace leakprof

#endif  // LEAKPROF_TESTS_SCENARIOS_CHILD_H_
