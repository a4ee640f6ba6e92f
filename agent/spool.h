// Copyright 2026 The leakprof Authors.
//
// Spool: a bounded on-disk FIFO of encoded snapshots, so nothing is lost
// while the collector is down, slow or refusing, nor across an agent
// restart.
//
// Layout: one file per entry in `dir`, named by a 20-digit position that
// only grows ("00000000000000000042.snap"), written to a temporary name and
// renamed, so a crash leaves either the whole entry or none. Open() picks up
// what a previous process left. When an Append would exceed `max_bytes` the
// oldest entries are deleted first and counted in dropped().
//
// The same directory keeps each target's next snapshot sequence
// (NextSequence), one small file per target.
//
// Thread safety: all methods are thread-safe.

#ifndef LEAKPROF_AGENT_SPOOL_H_
#define LEAKPROF_AGENT_SPOOL_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace leakprof {
namespace agent {

struct SpoolOptions {
  // Directory of the entries; created (one level) when missing.
  std::string dir;
  // Most bytes of entries kept; the oldest go first.
  int64_t max_bytes = int64_t{64} << 20;
};

class Spool {
 public:
  // Opens `options.dir`, reading the entries already there in order.
  // kInvalidArgument for an empty dir or max_bytes <= 0; kUnavailable when
  // the directory cannot be created or read.
  static absl::StatusOr<std::unique_ptr<Spool>> Open(SpoolOptions options);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Appends one entry at the back. kResourceExhausted when the entry alone is
  // larger than max_bytes (nothing is dropped then); kUnavailable when the
  // file cannot be written.
  absl::Status Append(absl::string_view bytes) ABSL_LOCKS_EXCLUDED(mu_);

  struct Entry {
    uint64_t position;  // identifies the entry for Remove
    std::string bytes;
  };

  // The oldest entry; nullopt when empty. kUnavailable (and the entry is
  // removed) when it cannot be read.
  absl::StatusOr<std::optional<Entry>> Front() ABSL_LOCKS_EXCLUDED(mu_);

  // Removes the entry at `position` if it is still the oldest (an Append may
  // have dropped it for room meanwhile; then nothing happens).
  void Remove(uint64_t position) ABSL_LOCKS_EXCLUDED(mu_);

  int64_t entries() const ABSL_LOCKS_EXCLUDED(mu_);
  int64_t bytes() const ABSL_LOCKS_EXCLUDED(mu_);
  // Entries dropped for room since Open().
  int64_t dropped() const ABSL_LOCKS_EXCLUDED(mu_);

  // The sequence to use for the next snapshot of the target named `key`
  // (e.g. "service/instance"). Starts at 1 and goes up by 1, also across a
  // clean restart (the destructor stores the next one). On disk it is
  // reserved 1,000 at a time, one write per block rather than per snapshot
  // (a write costs ~30 us of CPU): after a crash the next process starts
  // past the block, skipping at most 1,000.
  absl::StatusOr<uint64_t> NextSequence(absl::string_view key)
      ABSL_LOCKS_EXCLUDED(mu_);

  const std::string& dir() const { return options_.dir; }

 private:
  struct Slot {
    uint64_t position;
    int64_t size;
  };
  explicit Spool(SpoolOptions options) : options_(std::move(options)) {}
  std::string PathOf(uint64_t position) const;
  void PopFrontLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SpoolOptions options_;
  mutable absl::Mutex mu_;
  std::deque<Slot> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t next_position_ ABSL_GUARDED_BY(mu_) = 1;
  int64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  // Sequences are reserved kSequenceBlock at a time on disk.
  static constexpr uint64_t kSequenceBlock = 1000;
  struct SequenceFile {
    uint64_t next;      // handed out next
    uint64_t reserved;  // the file's value: no sequence >= it handed out
    int fd;
  };
  static absl::Status WriteSequence(int fd, uint64_t value,
                                    absl::string_view key);
  absl::flat_hash_map<std::string, SequenceFile> sequences_
      ABSL_GUARDED_BY(mu_);
};

// Writes `bytes` to `path` through a temporary file and rename.
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view bytes);
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

}  // namespace agent
}  // namespace leakprof

#endif  // LEAKPROF_AGENT_SPOOL_H_
