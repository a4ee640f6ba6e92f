// Copyright 2026 The leakprof Authors.
//
// Best-effort facts about the Go process behind a local target: its start
// time and its Go version. Neither is in the goroutine profile, and
// net/http/pprof serves no build info, so the agent looks on the machine:
//
//   1. the process: the socket listening on the target's TCP port is found
//      in /proc/net/tcp and /proc/net/tcp6 (state LISTEN), and its inode in
//      the /proc/<pid>/fd links of the processes this agent may read (same
//      host, or a pod with shareProcessNamespace and the same user or
//      CAP_SYS_PTRACE);
//   2. start time: field 22 of /proc/<pid>/stat (clock ticks after boot)
//      plus btime from /proc/stat;
//   3. Go version: the build-info blob of /proc/<pid>/exe, the 32-byte
//      header "\xff Go buildinf:" that Go's debug/buildinfo reads, followed
//      (Go >= 1.18, flag bit 2) by a varint-length-prefixed version string.
//
// Whatever cannot be found stays 0 / "". Only loopback targets (127.0.0.1,
// localhost, ::1) are looked up.
//
// Thread safety: pure functions of the file system.

#ifndef LEAKPROF_AGENT_PROCESS_INFO_H_
#define LEAKPROF_AGENT_PROCESS_INFO_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace leakprof {
namespace agent {

struct ProcessInfo {
  pid_t pid = 0;                 // 0: not found
  int64_t start_unix_nanos = 0;  // 0: unknown
  std::string go_version;        // "go1.19.8"; "": unknown
};

// The pid of the local process listening on TCP `port`; nullopt if none is
// visible.
std::optional<pid_t> FindListeningPid(int port);

// Start time of `pid` in Unix nanoseconds; 0 when unreadable.
int64_t ProcessStartUnixNanos(pid_t pid);

// The Go version recorded in the executable's build info ("" if none).
// Reads at most the first 64 MiB of the file.
std::string GoVersionOfExecutable(const std::string& path);

// The Go version in an in-memory executable image (exposed for tests).
std::string GoVersionFromImage(absl::string_view image);

// All of the above for the target at `url` (host and port taken from it);
// a default ProcessInfo when the host is not loopback or nothing is found.
ProcessInfo LookUpProcess(absl::string_view url);

}  // namespace agent
}  // namespace leakprof

#endif  // LEAKPROF_AGENT_PROCESS_INFO_H_
