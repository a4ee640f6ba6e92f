// Copyright 2026 The leakprof Authors.

#include "agent/process_info.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "agent/spool.h"

namespace leakprof {
namespace agent {
namespace {

// Inodes of sockets listening on `port` in one /proc/net/tcp* file.
void ListeningInodes(const std::string& path, int port,
                     std::vector<std::string>* out) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return;
  bool header = true;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    if (header) {
      header = false;
      continue;
    }
    std::vector<absl::string_view> f =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    if (f.size() < 10 || f[3] != "0A") continue;  // 0A = LISTEN
    const size_t colon = f[1].rfind(':');
    if (colon == absl::string_view::npos) continue;
    uint32_t p = 0;
    if (!absl::SimpleHexAtoi(f[1].substr(colon + 1), &p)) continue;
    if (static_cast<int>(p) == port) out->emplace_back(f[9]);
  }
}

}  // namespace

std::optional<pid_t> FindListeningPid(int port) {
  std::vector<std::string> inodes;
  ListeningInodes("/proc/net/tcp", port, &inodes);
  ListeningInodes("/proc/net/tcp6", port, &inodes);
  if (inodes.empty()) return std::nullopt;
  std::vector<std::string> wanted;
  for (const std::string& i : inodes) {
    wanted.push_back(absl::StrCat("socket:[", i, "]"));
  }
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return std::nullopt;
  std::optional<pid_t> found;
  while (dirent* e = readdir(proc)) {
    int pid = 0;
    if (!absl::SimpleAtoi(e->d_name, &pid)) continue;
    const std::string fd_dir = absl::StrCat("/proc/", pid, "/fd");
    DIR* fds = opendir(fd_dir.c_str());
    if (fds == nullptr) continue;
    while (dirent* f = readdir(fds)) {
      if (f->d_name[0] == '.') continue;
      char buf[128];
      const std::string link = absl::StrCat(fd_dir, "/", f->d_name);
      const ssize_t n = readlink(link.c_str(), buf, sizeof(buf) - 1);
      if (n <= 0) continue;
      const absl::string_view target(buf, static_cast<size_t>(n));
      for (const std::string& w : wanted) {
        if (target == w) found = pid;
      }
      if (found.has_value()) break;
    }
    closedir(fds);
    if (found.has_value()) break;
  }
  closedir(proc);
  return found;
}

int64_t ProcessStartUnixNanos(pid_t pid) {
  absl::StatusOr<std::string> stat =
      ReadWholeFile(absl::StrCat("/proc/", pid, "/stat"));
  if (!stat.ok()) return 0;
  // The command name (field 2) may hold spaces: fields after the last ')'.
  const size_t paren = stat->rfind(')');
  if (paren == std::string::npos) return 0;
  std::vector<absl::string_view> f = absl::StrSplit(
      absl::string_view(*stat).substr(paren + 1), ' ', absl::SkipEmpty());
  // f[0] is field 3 (state); starttime is field 22 -> f[19].
  int64_t ticks = 0;
  if (f.size() < 20 || !absl::SimpleAtoi(f[19], &ticks)) return 0;
  absl::StatusOr<std::string> sys = ReadWholeFile("/proc/stat");
  if (!sys.ok()) return 0;
  int64_t btime = 0;
  for (absl::string_view line : absl::StrSplit(*sys, '\n')) {
    if (absl::ConsumePrefix(&line, "btime ")) {
      if (!absl::SimpleAtoi(line, &btime)) return 0;
    }
  }
  const long hz = sysconf(_SC_CLK_TCK);
  if (btime <= 0 || hz <= 0) return 0;
  return btime * 1000000000 + ticks * (1000000000 / hz);
}

std::string GoVersionFromImage(absl::string_view image) {
  static constexpr absl::string_view kMagic("\xff Go buildinf:", 14);
  // The header is 16-byte aligned in the file.
  size_t pos = 0;
  while ((pos = image.find(kMagic, pos)) != absl::string_view::npos) {
    if (pos % 16 != 0 || pos + 32 > image.size()) {
      ++pos;
      continue;
    }
    const uint8_t flags = static_cast<uint8_t>(image[pos + 15]);
    if ((flags & 2) == 0) return "";  // pre-1.18 pointer format: unsupported
    size_t p = pos + 32;
    uint64_t len = 0;
    int shift = 0;
    while (p < image.size() && shift < 63) {
      const uint8_t b = static_cast<uint8_t>(image[p++]);
      len |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) break;
      shift += 7;
    }
    if (len == 0 || len > 128 || p + len > image.size()) return "";
    std::string v(image.substr(p, len));
    if (!absl::StartsWith(v, "go") && !absl::StartsWith(v, "devel")) return "";
    return v;
  }
  return "";
}

std::string GoVersionOfExecutable(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  // Read in 1 MiB windows that overlap by 256 bytes (header + version), so
  // memory stays small whatever the executable's size; stop at 64 MiB.
  constexpr size_t kWindow = 1 << 20;
  constexpr size_t kOverlap = 256;
  constexpr off_t kMax = off_t{64} << 20;
  std::string buf(kWindow + kOverlap, '\0');
  std::string version;
  off_t offset = 0;  // file offset of buf[0]; a multiple of 16
  size_t have = 0;
  while (offset < kMax) {
    const ssize_t n = pread(fd, buf.data() + have, buf.size() - have,
                            offset + static_cast<off_t>(have));
    if (n <= 0) break;
    have += static_cast<size_t>(n);
    version = GoVersionFromImage(absl::string_view(buf.data(), have));
    if (!version.empty() || have < buf.size()) break;
    // Keep the last kOverlap bytes (kOverlap is a multiple of 16).
    std::memmove(buf.data(), buf.data() + have - kOverlap, kOverlap);
    offset += static_cast<off_t>(have - kOverlap);
    have = kOverlap;
  }
  close(fd);
  return version;
}

ProcessInfo LookUpProcess(absl::string_view url) {
  ProcessInfo info;
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "http://") &&
      !absl::ConsumePrefix(&rest, "https://")) {
    return info;
  }
  rest = rest.substr(0, rest.find('/'));
  std::string host;
  int port = 0;
  const size_t colon = rest.rfind(':');
  if (colon == absl::string_view::npos ||
      !absl::SimpleAtoi(rest.substr(colon + 1), &port)) {
    return info;
  }
  host = std::string(rest.substr(0, colon));
  if (host != "127.0.0.1" && host != "localhost" && host != "[::1]") {
    return info;
  }
  std::optional<pid_t> pid = FindListeningPid(port);
  if (!pid.has_value()) return info;
  info.pid = *pid;
  info.start_unix_nanos = ProcessStartUnixNanos(*pid);
  info.go_version = GoVersionOfExecutable(absl::StrCat("/proc/", *pid, "/exe"));
  return info;
}

}  // namespace agent
}  // namespace leakprof
