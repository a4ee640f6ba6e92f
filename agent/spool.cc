// Copyright 2026 The leakprof Authors.

#include "agent/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "agent/log.h"

namespace leakprof {
namespace agent {
namespace {

constexpr absl::string_view kSuffix = ".snap";

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

}  // namespace

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view bytes) {
  const std::string tmp = absl::StrCat(path, ".tmp");
  const int fd =
      open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create", tmp);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      absl::Status s = Errno("cannot write", tmp);
      close(fd);
      unlink(tmp.c_str());
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (close(fd) != 0) {
    absl::Status s = Errno("cannot close", tmp);
    unlink(tmp.c_str());
    return s;
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    absl::Status s = Errno("cannot rename to", path);
    unlink(tmp.c_str());
    return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat("no file ", path));
    }
    return Errno("cannot open", path);
  }
  std::string out;
  char buf[65536];
  while (true) {
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      absl::Status s = Errno("cannot read", path);
      close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

absl::StatusOr<std::unique_ptr<Spool>> Spool::Open(SpoolOptions options) {
  if (options.dir.empty()) {
    return absl::InvalidArgumentError("spool directory is empty");
  }
  if (options.max_bytes <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("spool max bytes must be > 0, got ", options.max_bytes));
  }
  if (mkdir(options.dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Errno("cannot create spool directory", options.dir);
  }
  DIR* d = opendir(options.dir.c_str());
  if (d == nullptr) return Errno("cannot read spool directory", options.dir);
  std::unique_ptr<Spool> spool(new Spool(std::move(options)));
  std::vector<Slot> found;
  while (dirent* e = readdir(d)) {
    absl::string_view name = e->d_name;
    if (!absl::ConsumeSuffix(&name, kSuffix)) continue;
    uint64_t position = 0;
    if (name.size() != 20 || !absl::SimpleAtoi(name, &position)) continue;
    struct stat st;
    const std::string path = spool->PathOf(position);
    if (stat(path.c_str(), &st) != 0) continue;
    found.push_back({position, static_cast<int64_t>(st.st_size)});
  }
  closedir(d);
  std::sort(found.begin(), found.end(), [](const Slot& a, const Slot& b) {
    return a.position < b.position;
  });
  absl::MutexLock lock(&spool->mu_);
  for (const Slot& e : found) {
    spool->entries_.push_back(e);
    spool->bytes_ += e.size;
    spool->next_position_ = e.position + 1;
  }
  // A smaller bound than the last run's: drop the oldest now.
  while (spool->bytes_ > spool->options_.max_bytes &&
         !spool->entries_.empty()) {
    spool->PopFrontLocked();
    ++spool->dropped_;
  }
  return spool;
}

std::string Spool::PathOf(uint64_t position) const {
  return absl::StrFormat("%s/%020u%s", options_.dir, position, kSuffix);
}

absl::Status Spool::Append(absl::string_view bytes) {
  const int64_t size = static_cast<int64_t>(bytes.size());
  if (size > options_.max_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("snapshot of ", size, " bytes exceeds the spool bound of ",
                     options_.max_bytes, " bytes"));
  }
  absl::MutexLock lock(&mu_);
  while (bytes_ + size > options_.max_bytes && !entries_.empty()) {
    PopFrontLocked();
    ++dropped_;
  }
  const uint64_t position = next_position_;
  absl::Status written = WriteFileAtomically(PathOf(position), bytes);
  if (!written.ok()) return written;
  ++next_position_;
  entries_.push_back({position, size});
  bytes_ += size;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Spool::Entry>> Spool::Front() {
  absl::MutexLock lock(&mu_);
  if (entries_.empty()) return std::optional<Entry>();
  const uint64_t position = entries_.front().position;
  absl::StatusOr<std::string> bytes =
      ReadWholeFile(PathOf(entries_.front().position));
  if (!bytes.ok()) {
    PopFrontLocked();
    return absl::UnavailableError(
        absl::StrCat("spool entry lost: ", bytes.status().message()));
  }
  return std::optional<Entry>(Entry{position, std::move(*bytes)});
}

void Spool::Remove(uint64_t position) {
  absl::MutexLock lock(&mu_);
  if (!entries_.empty() && entries_.front().position == position) {
    PopFrontLocked();
  }
}

void Spool::PopFrontLocked() {
  const Slot e = entries_.front();
  entries_.pop_front();
  bytes_ -= e.size;
  unlink(PathOf(e.position).c_str());
}

int64_t Spool::entries() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(entries_.size());
}

int64_t Spool::bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

int64_t Spool::dropped() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

absl::StatusOr<uint64_t> Spool::NextSequence(absl::string_view key) {
  absl::MutexLock lock(&mu_);
  auto it = sequences_.find(key);
  if (it == sequences_.end()) {
    const std::string path = absl::StrFormat(
        "%s/sequence-%016x", options_.dir, XXH3_64bits(key.data(), key.size()));
    uint64_t next = 1;
    absl::StatusOr<std::string> old = ReadWholeFile(path);
    if (old.ok()) {
      uint64_t v = 0;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(*old), &v) && v > 0) {
        next = v;
      }
    } else if (old.status().code() != absl::StatusCode::kNotFound) {
      return old.status();
    }
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return Errno("cannot open", path);
    it = sequences_.emplace(std::string(key), SequenceFile{next, next, fd})
             .first;
  }
  SequenceFile& f = it->second;
  if (f.next >= f.reserved) {
    // The file says where a process that crashes now would start: past
    // every sequence handed out. One write per block, not per snapshot.
    if (absl::Status s = WriteSequence(f.fd, f.next + kSequenceBlock, key);
        !s.ok()) {
      return s;
    }
    f.reserved = f.next + kSequenceBlock;
  }
  return f.next++;
}

absl::Status Spool::WriteSequence(int fd, uint64_t value,
                                  absl::string_view key) {
  // Fixed width, written in place: never a shorter file.
  const std::string text = absl::StrFormat("%020u\n", value);
  if (pwrite(fd, text.data(), text.size(), 0) !=
      static_cast<ssize_t>(text.size())) {
    return absl::UnavailableError(absl::StrCat(
        "cannot write the sequence of ", key, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

Spool::~Spool() {
  // Stopped cleanly: the next process continues exactly where this one
  // ended, leaving no gap.
  for (auto& [key, f] : sequences_) {
    if (f.next != f.reserved) {
      if (absl::Status s = WriteSequence(f.fd, f.next, key); !s.ok()) {
        Log(s.ToString());
      }
    }
    close(f.fd);
  }
}

}  // namespace agent
}  // namespace leakprof
