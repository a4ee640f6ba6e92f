// Copyright 2026 The leakprof Authors.

#include "tests/util/go_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace leakprof {
namespace testutil {

std::string Runfile(const std::string& relative) {
  if (absl::StartsWith(relative, "/")) return relative;
  char cwd[4096];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) return relative;
  return absl::StrCat(cwd, "/", relative);
}

absl::Status GoProcess::Start(const std::string& path,
                              const std::vector<std::string>& args,
                              absl::Duration timeout) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
  }
  std::vector<std::string> all = {path};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(fds[1], STDOUT_FILENO);
    execv(path.c_str(), argv.data());
    _exit(127);
  }
  pid_ = pid;
  close(fds[1]);
  out_fd_ = fds[0];
  absl::StatusOr<std::string> line = ReadLine(timeout);
  if (!line.ok()) return line.status();
  absl::string_view rest = *line;
  int port = 0;
  if (!absl::ConsumePrefix(&rest, "listening on ") ||
      !absl::SimpleAtoi(rest.substr(rest.rfind(':') + 1), &port)) {
    return absl::InternalError(
        absl::StrCat("unexpected first line \"", *line, "\""));
  }
  port_ = port;
  line = ReadLine(timeout);
  if (!line.ok()) return line.status();
  if (*line != "ready") {
    return absl::InternalError(
        absl::StrCat("expected \"ready\", got \"", *line, "\""));
  }
  return absl::OkStatus();
}

void GoProcess::Kill() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  if (out_fd_ >= 0) {
    close(out_fd_);
    out_fd_ = -1;
  }
}

std::string GoProcess::BaseUrl() const {
  return absl::StrCat("http://127.0.0.1:", port_);
}

std::string GoProcess::PprofRoot() const {
  return absl::StrCat("http://127.0.0.1:", port_, "/debug/pprof/");
}

absl::StatusOr<std::string> GoProcess::ReadLine(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    const size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          absl::StrCat("no line from the program; got \"", buffer_, "\""));
    }
    pollfd p = {out_fd_, POLLIN, 0};
    const int r =
        poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left) + 1));
    if (r < 0 && errno != EINTR) {
      return absl::InternalError(absl::StrCat("poll: ", strerror(errno)));
    }
    if (r <= 0) continue;
    char buf[256];
    const ssize_t n = read(out_fd_, buf, sizeof(buf));
    if (n == 0) {
      return absl::UnavailableError(
          absl::StrCat("program exited; got \"", buffer_, "\""));
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(absl::StrCat("read: ", strerror(errno)));
    }
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace testutil
}  // namespace leakprof
