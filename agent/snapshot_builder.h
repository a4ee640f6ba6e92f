// Copyright 2026 The leakprof Authors.
//
// Builds the points of a snapshot (proto/snapshot.proto) from a parsed
// goroutine profile, and records every stack's definition in a
// DefinitionStore so the pusher can send it when the collector needs it.
//
// The snapshot returned carries no definitions and no strings: those are
// added per push (definitions.h, pusher.h).
//
// Thread safety: BuildSnapshot is safe to call from several threads (the
// store is thread-safe).

#ifndef LEAKPROF_AGENT_SNAPSHOT_BUILDER_H_
#define LEAKPROF_AGENT_SNAPSHOT_BUILDER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "agent/definitions.h"
#include "common/goprof/profile.h"
#include "proto/snapshot.pb.h"

namespace leakprof {
namespace agent {

// What the agent knows of the target apart from the profile.
struct SnapshotMeta {
  std::string service;
  std::string instance;
  // Sorted by name, names unique (as the config produces them).
  std::vector<std::pair<std::string, std::string>> labels;
  int64_t timestamp_unix_nanos = 0;
  int64_t process_start_unix_nanos = 0;  // 0: unknown
  std::string go_version;                // "": unknown
  uint64_t sequence = 0;
  std::string agent_version;
};

// The collector's bounds (docs/protocol.md): points per snapshot, frames per
// definition.
inline constexpr int kMaxPoints = 20000;
inline constexpr int kMaxDefinitionFrames = 512;

// Points (stack_ids/counts), extras (stacks with leaked goroutines, wait
// ages from debug=2, or a class differing from the stored definition) and
// the metadata. Adds the definition of every stack `store` lacks.
//
// Stacks with equal ids (frames differing only in runtime frames the id
// leaves out) are one point: counts, leaked and wait ages added. Over
// `max_points` points (0 = no bound), only the `max_points` largest are
// kept. Definitions keep at most kMaxDefinitionFrames innermost frames.
v1::Snapshot BuildSnapshot(const goprof::Profile& profile,
                           const SnapshotMeta& meta, DefinitionStore* store,
                           int max_points = kMaxPoints);

}  // namespace agent
}  // namespace leakprof

#endif  // LEAKPROF_AGENT_SNAPSHOT_BUILDER_H_
