// Copyright 2026 The leakprof Authors.

#include "tests/scenarios/go_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace leakprof {
namespace scenarios {

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
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(fds[1], STDOUT_FILENO);
    execv(argv[0], argv.data());
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
          absl::StrCat("no line within ", absl::FormatDuration(timeout),
                       "; got \"", buffer_, "\""));
    }
    pollfd p = {out_fd_, POLLIN, 0};
    const int r = poll(&p, 1,
                       static_cast<int>(absl::ToInt64Milliseconds(
                           left + absl::Milliseconds(1))));
    if (r < 0 && errno != EINTR) {
      return absl::InternalError(absl::StrCat("poll: ", strerror(errno)));
    }
    if (r <= 0) continue;
    char buf[256];
    const ssize_t n = read(out_fd_, buf, sizeof(buf));
    if (n == 0) {
      return absl::UnavailableError(absl::StrCat(
          "program exited (stdout closed); got \"", buffer_, "\""));
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(absl::StrCat("read: ", strerror(errno)));
    }
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

absl::Status Child::Start(const std::string& path,
                          const std::vector<std::string>& args,
                          const std::string& log_path) {
  std::vector<std::string> all = {path};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (log < 0) {
    return absl::InternalError(
        absl::StrCat("open ", log_path, ": ", strerror(errno)));
  }
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(log);
    return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(log);
  pid_ = pid;
  return absl::OkStatus();
}

int Child::Stop(absl::Duration grace) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + grace;
  int status = 0;
  while (true) {
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (r < 0 && errno != EINTR) break;
    if (absl::Now() > deadline) {
      kill(pid_, SIGKILL);
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  pid_ = -1;
  return status;
}

absl::StatusOr<std::string> WaitForFile(const std::string& path,
                                        absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    const int fd = open(path.c_str(), O_RDONLY);
    if (fd >= 0) {
      std::string content;
      char buf[256];
      ssize_t n;
      while ((n = read(fd, buf, sizeof(buf))) > 0) content.append(buf, n);
      close(fd);
      return content;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat(
      path, " did not appear within ", absl::FormatDuration(timeout)));
}

}  // namespace scenarios
}  // namespace leakprof
