// Copyright 2026 The leakprof Authors.
//
// A Go test program (//tests/scenarios:service and alike) as a child
// process: started with arguments, its "listening on HOST:PORT" and "ready"
// lines read from stdout, killed with SIGKILL on destruction (and when the
// test process dies, through PR_SET_PDEATHSIG).
//
// Not thread-safe: one owner.

#ifndef LEAKPROF_TESTS_SCENARIOS_GO_PROCESS_H_
#define LEAKPROF_TESTS_SCENARIOS_GO_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace leakprof {
namespace scenarios {

class GoProcess {
 public:
  GoProcess() = default;
  GoProcess(const GoProcess&) = delete;
  GoProcess& operator=(const GoProcess&) = delete;
  ~GoProcess() { Kill(); }

  // Starts `path` with `args` and waits (up to `timeout` per line) for
  // "listening on HOST:PORT" and "ready".
  absl::Status Start(const std::string& path,
                     const std::vector<std::string>& args,
                     absl::Duration timeout = absl::Seconds(30));
  void Kill();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // "http://127.0.0.1:PORT"
  std::string BaseUrl() const;

 private:
  absl::StatusOr<std::string> ReadLine(absl::Duration timeout);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int port_ = 0;
  std::string buffer_;
};

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

// Waits until `path` exists and returns its content.
absl::StatusOr<std::string> WaitForFile(const std::string& path,
                                        absl::Duration timeout);

}  // namespace scenarios
}  // namespace leakprof

#endif  // LEAKPROF_TESTS_SCENARIOS_GO_PROCESS_H_
