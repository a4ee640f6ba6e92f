// Copyright 2026 The leakprof Authors.
//
// Internal to the parser: collects stacks while a body is read, interning
// identical frame lists into one Stack without allocating per goroutine, then
// fills in ids, classes and sites. Not thread-safe.

#ifndef LEAKPROF_COMMON_GOPROF_PROFILE_BUILDER_H_
#define LEAKPROF_COMMON_GOPROF_PROFILE_BUILDER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/goprof/parser.h"
#include "common/goprof/profile.h"

namespace leakprof {
namespace goprof {
namespace internal {

// A frame whose strings point into the body being parsed.
struct FrameRef {
  absl::string_view function;
  absl::string_view file;
  int64_t line = 0;
};

using Labels = std::vector<std::pair<std::string, std::string>>;

class ProfileBuilder {
 public:
  // `profile` must outlive the builder; its stacks are appended to.
  ProfileBuilder(const ParseOptions& options, Profile* profile);

  ProfileBuilder(const ProfileBuilder&) = delete;
  ProfileBuilder& operator=(const ProfileBuilder&) = delete;

  // Index into profile->stacks of the stack with exactly `frames`, created
  // (count 0) when new. Errors (kResourceExhausted) when a bound is exceeded;
  // the message has no location: the caller prefixes one.
  absl::StatusOr<int> Intern(absl::Span<const FrameRef> frames);

  // Whether the last Intern() created the stack.
  bool last_was_new() const { return last_was_new_; }

  Stack& stack(int i) { return profile_->stacks[i]; }

  // Adds `count` goroutines with `labels` (sorted here) to stack `i`'s label
  // sets. No-op for empty labels.
  void AddLabels(int i, Labels labels, int64_t count);

  // Checks a string against max_string_bytes.
  absl::Status CheckString(absl::string_view s, absl::string_view what) const;

  // Sets ids, classes, site frames and the total. `runtime_frames_shown`:
  // see ClassifyFrames.
  void Finish(bool runtime_frames_shown);

 private:
  const ParseOptions& options_;
  Profile* profile_;
  // In-process hash of a frame list -> first stack index with that hash;
  // further stacks with the same hash chain through next_same_hash_.
  absl::flat_hash_map<uint64_t, int> first_by_hash_;
  std::vector<int> next_same_hash_;
  bool last_was_new_ = false;
};

}  // namespace internal
}  // namespace goprof
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_GOPROF_PROFILE_BUILDER_H_
