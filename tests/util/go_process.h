// Copyright 2026 The leakprof Authors.
//
// GoProcess: a real Go target program (tests/goprof:blocker,
// tests/agent:spawner, tests/scenarios:service) run as a child process by a
// test. The program prints "listening on HOST:PORT" and then "ready" on stdout;
// the child is killed with SIGKILL on destruction (and by the kernel if the
// test dies).
//
// Thread safety: thread-compatible.

#ifndef LEAKPROF_TESTS_UTIL_GO_PROCESS_H_
#define LEAKPROF_TESTS_UTIL_GO_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace leakprof {
namespace testutil {

class GoProcess {
 public:
  GoProcess() = default;
  GoProcess(const GoProcess&) = delete;
  GoProcess& operator=(const GoProcess&) = delete;
  ~GoProcess() { Kill(); }

  // Starts `path` with `args` and waits (up to `timeout`) for "ready".
  absl::Status Start(const std::string& path,
                     const std::vector<std::string>& args = {},
                     absl::Duration timeout = absl::Seconds(60));
  void Kill();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // "http://127.0.0.1:PORT"
  std::string BaseUrl() const;
  // "http://127.0.0.1:PORT/debug/pprof/"
  std::string PprofRoot() const;

 private:
  absl::StatusOr<std::string> ReadLine(absl::Duration timeout);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int port_ = 0;
  std::string buffer_;
};

// Path of a runfile given relative to the runfiles root (the test's working
// directory), made absolute.
std::string Runfile(const std::string& relative);

}  // namespace testutil
}  // namespace leakprof

#endif  // LEAKPROF_TESTS_UTIL_GO_PROCESS_H_
