// Copyright 2026 The leakprof Authors.
//
// Internal to the parser: collects stacks while a body is read, interning
// identical frame lists into one Stack without allocating per goroutine, then
// fills in ids, classes and sites. Not thread-safe.

#ifndef LEAKPROF_COMMON_GOPROF_PROFILE_BUILDER_H_
#define LEAKPROF_COMMON_GOPROF_PROFILE_BUILDER_H_

#include <xxhash.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/goprof/classify.h"
#include "common/goprof/parser.h"
#include "common/goprof/profile.h"
#include "common/goprof/stack_id.h"

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
  // `profile` must outlive the builder; its frames and stacks are appended
  // to. The strings behind every FrameRef passed in must outlive the builder
  // too (they are the body being parsed).
  ProfileBuilder(const ParseOptions& options, Profile* profile);

  ProfileBuilder(const ProfileBuilder&) = delete;
  ProfileBuilder& operator=(const ProfileBuilder&) = delete;

  // Sizes the tables for about this many frames and stacks.
  void Reserve(size_t frames, size_t stacks);

  // Index into profile->frames of `frame`, stored when new. Errors
  // (kResourceExhausted) when a string is over the bound; messages have no
  // location: the caller prefixes one.
  absl::StatusOr<int32_t> InternFrame(const FrameRef& frame);

  // Index into profile->stacks of the stack with exactly these frames
  // (indices from InternFrame), created with count 0 when new. Errors
  // (kResourceExhausted) when a bound is exceeded.
  absl::StatusOr<int> InternStack(absl::Span<const int32_t> frame_indices);

  // Whether the last InternStack() created the stack.
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
  // A frame with its FrameHash, which doubles as the table's hash.
  struct FrameKey {
    FrameRef frame;
    uint64_t hash;
  };
  struct FrameKeyHash {
    size_t operator()(const FrameKey& k) const { return absl::HashOf(k.hash); }
  };
  struct FrameKeyEq {
    bool operator()(const FrameKey& a, const FrameKey& b) const {
      return a.hash == b.hash && a.frame.line == b.frame.line &&
             a.frame.function == b.frame.function &&
             a.frame.file == b.frame.file;
    }
  };

  // A stack's frame indices with their hash, computed once per lookup. The
  // hash is in-process only (ids use StackId).
  struct StackKey {
    absl::Span<const int32_t> frames;
    size_t hash;
  };
  struct StackKeyHash {
    size_t operator()(const StackKey& k) const { return k.hash; }
  };
  struct StackKeyEq {
    bool operator()(const StackKey& a, const StackKey& b) const {
      return a.frames == b.frames;
    }
  };
  static size_t HashFrames(absl::Span<const int32_t> s) {
    // XXH3 over the bytes: a serial multiply chain per index was a tenth of
    // a debug=0 parse.
    return XXH3_64bits(s.data(), s.size() * sizeof(int32_t));
  }

  // What Finish needs of each distinct frame, computed once in InternFrame.
  struct FrameInfo {
    uint64_t hash;             // FrameHash
    RuntimeKind runtime_kind;  // which frames StackId counts
    FrameTraits traits;        // for the class and site
  };

  const ParseOptions& options_;
  Profile* profile_;
  // Keys point into the body, not into profile_->frames (which moves).
  absl::flat_hash_map<FrameKey, int32_t, FrameKeyHash, FrameKeyEq> frames_;
  // Parallel to profile_->frames.
  std::vector<FrameInfo> frame_info_;
  // Keys point into profile_->stacks[i].frame_indices, whose heap buffers do
  // not move when the stacks vector grows.
  absl::flat_hash_map<StackKey, int, StackKeyHash, StackKeyEq> stacks_;
  bool last_was_new_ = false;
};

}  // namespace internal
}  // namespace goprof
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_GOPROF_PROFILE_BUILDER_H_
