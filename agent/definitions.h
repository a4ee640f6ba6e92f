// Copyright 2026 The leakprof Authors.
//
// The stack dictionary on the agent's side: every stack definition the agent
// may have to send (DefinitionStore), and turning a snapshot of points into
// the wire snapshot that carries some definitions with an interned string
// table (WithDefinitions).
//
// Thread safety: DefinitionStore is thread-safe (scrape threads add, the
// sender thread reads). The free functions are pure.

#ifndef LEAKPROF_AGENT_DEFINITIONS_H_
#define LEAKPROF_AGENT_DEFINITIONS_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "common/goprof/profile.h"
#include "proto/snapshot.pb.h"

namespace leakprof {
namespace agent {

// One stack's definition, self-contained (owns its strings).
struct StackDefinition {
  uint64_t site_id = 0;
  goprof::BlockClass block_class = goprof::BlockClass::kOther;
  std::vector<goprof::Frame> frames;  // innermost first
  int site_frame = -1;
  std::optional<goprof::Frame> created_by;
};

// The wire value of a class: goprof value + 1 (proto/snapshot.proto).
v1::BlockClass ToProtoClass(goprof::BlockClass c);
// Inverse; nullopt for UNSPECIFIED or an unknown number.
std::optional<goprof::BlockClass> FromProtoClass(int c);

struct DefinitionStoreOptions {
  // Most definitions kept. When a new one would exceed it, the store is
  // emptied first (the next scrape re-adds the stacks still alive; spooled
  // snapshots carry their own definitions).
  size_t max_definitions = 100000;
};

// Stack id -> definition. Entries are never changed once added.
class DefinitionStore {
 public:
  explicit DefinitionStore(
      DefinitionStoreOptions options = DefinitionStoreOptions())
      : options_(options) {}

  bool Contains(uint64_t id) const ABSL_LOCKS_EXCLUDED(mu_);
  // The ids of `ids` not in the store, in order; one lock for all of them.
  std::vector<uint64_t> Missing(absl::Span<const uint64_t> ids) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // Adds `def` under `id` unless `id` is there already.
  void Add(uint64_t id, StackDefinition def) ABSL_LOCKS_EXCLUDED(mu_);
  std::optional<StackDefinition> Get(uint64_t id) const
      ABSL_LOCKS_EXCLUDED(mu_);
  size_t size() const ABSL_LOCKS_EXCLUDED(mu_);

  // Adds every definition `snapshot` carries (decoding its string table).
  // Definitions with out-of-range string indices are skipped.
  void AddFrom(const v1::Snapshot& snapshot) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // Definitions are kept with their strings interned: a service's stacks
  // share most function and file names, and a frame of two std::strings
  // costs ~70 bytes before its text (1.5 MiB for 300 deep stacks, a tenth
  // of the agent's RSS budget).
  struct CompactFrame {
    uint32_t function = 0;  // index into strings_
    uint32_t file = 0;
    int64_t line = 0;
  };
  struct Compact {
    uint64_t site_id = 0;
    goprof::BlockClass block_class = goprof::BlockClass::kOther;
    int site_frame = -1;
    std::vector<CompactFrame> frames;
    std::optional<CompactFrame> created_by;
  };
  CompactFrame InternLocked(const goprof::Frame& f)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  goprof::Frame ExpandLocked(const CompactFrame& f) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint32_t StringLocked(const std::string& s)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const DefinitionStoreOptions options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, Compact> defs_ ABSL_GUARDED_BY(mu_);
  // The string pool: strings_[i] is interned as i; emptied with defs_.
  std::deque<std::string> strings_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<absl::string_view, uint32_t> string_index_
      ABSL_GUARDED_BY(mu_);
};

// `points` (a snapshot without definitions and strings) plus the
// definitions of `ids` found in `store`, their strings interned into
// `strings` (index 0 = ""). Ids the store does not know are left out; ids
// are defined once each.
v1::Snapshot WithDefinitions(const v1::Snapshot& points,
                             absl::Span<const uint64_t> ids,
                             const DefinitionStore& store);

// `snapshot` without its definitions and strings.
v1::Snapshot WithoutDefinitions(const v1::Snapshot& snapshot);

}  // namespace agent
}  // namespace leakprof

#endif  // LEAKPROF_AGENT_DEFINITIONS_H_
