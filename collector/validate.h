// Validation of a pushed snapshot before anything is looked up or stored.
//
// ValidatePush() checks every size, index and value of a PushRequest against
// PushLimits and answers kInvalidArgument with a message that names the
// field and its index, e.g. "snapshot.counts[3]: negative (-1)". It reads
// only its arguments: thread-safe, no allocation beyond a small id set.
#ifndef LEAKPROF_COLLECTOR_VALIDATE_H_
#define LEAKPROF_COLLECTOR_VALIDATE_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "proto/snapshot.pb.h"

namespace leakprof::collector {

struct PushLimits {
  // Points (stack_ids / counts entries) in one snapshot.
  int max_stacks = 20000;
  // Definitions in one snapshot.
  int max_definitions = 20000;
  // Entries of Snapshot.strings, and bytes of one of them.
  int max_strings = 200000;
  int max_string_bytes = 4096;
  // Frames of one stack definition.
  int max_frames = 512;
  // Labels of a snapshot; bytes of a label name and of a value.
  int max_labels = 64;
  int max_label_name_bytes = 128;
  int max_label_value_bytes = 1024;
  // Bytes of the service, instance, go_version and agent_version fields.
  int max_name_bytes = 256;
  // Timestamps before this are refused (and the process start, when set).
  absl::Time min_time = absl::FromUnixSeconds(946684800);  // 2000-01-01
  // How far ahead of the collector's clock a timestamp may be.
  absl::Duration max_future = absl::Minutes(10);
};

// OK, or kInvalidArgument naming the first offending field. `now` is the
// collector's clock, for the future bound.
absl::Status ValidatePush(const leakprof::v1::PushRequest& request,
                          const PushLimits& limits, absl::Time now);

}  // namespace leakprof::collector

#endif  // LEAKPROF_COLLECTOR_VALIDATE_H_
