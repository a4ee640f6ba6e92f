// Copyright 2026 The leakprof Authors.

#include "common/goprof/profile_builder.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/goprof/classify.h"
#include "common/goprof/stack_id.h"

namespace leakprof {
namespace goprof {
namespace internal {

ProfileBuilder::ProfileBuilder(const ParseOptions& options, Profile* profile)
    : options_(options), profile_(profile) {}

void ProfileBuilder::Reserve(size_t frames, size_t stacks) {
  frames_.reserve(frames);
  profile_->frames.reserve(frames);
  stacks_.reserve(stacks);
  profile_->stacks.reserve(stacks);
}

absl::Status ProfileBuilder::CheckString(absl::string_view s,
                                         absl::string_view what) const {
  if (static_cast<int64_t>(s.size()) > options_.max_string_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what, " is ", s.size(), " bytes, over the bound of ",
                     options_.max_string_bytes));
  }
  return absl::OkStatus();
}

absl::StatusOr<int32_t> ProfileBuilder::InternFrame(const FrameRef& frame) {
  const FrameKey key{frame, FrameHash(frame.function, frame.file, frame.line)};
  auto it = frames_.find(key);
  if (it != frames_.end()) return it->second;
  absl::Status s = CheckString(frame.function, "function name");
  if (s.ok()) s = CheckString(frame.file, "file name");
  if (!s.ok()) return s;
  const int32_t index = static_cast<int32_t>(profile_->frames.size());
  Frame& f = profile_->frames.emplace_back(
      Frame{std::string(frame.function), std::string(frame.file), frame.line});
  frame_info_.push_back(
      FrameInfo{key.hash, RuntimeKindOf(f.function), TraitsOf(f.function)});
  frames_.emplace(key, index);
  return index;
}

absl::StatusOr<int> ProfileBuilder::InternStack(
    absl::Span<const int32_t> frame_indices) {
  const StackKey key{frame_indices, HashFrames(frame_indices)};
  auto it = stacks_.find(key);
  if (it != stacks_.end()) {
    last_was_new_ = false;
    return it->second;
  }
  if (static_cast<int64_t>(frame_indices.size()) >
      options_.max_frames_per_stack) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "stack has ", frame_indices.size(), " frames, over the bound of ",
        options_.max_frames_per_stack));
  }
  if (static_cast<int64_t>(profile_->stacks.size()) >= options_.max_stacks) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "more than ", options_.max_stacks, " distinct stacks (the bound)"));
  }
  const int index = static_cast<int>(profile_->stacks.size());
  Stack& stack = profile_->stacks.emplace_back();
  stack.frame_indices.assign(frame_indices.begin(), frame_indices.end());
  stacks_.emplace(StackKey{stack.frame_indices, key.hash}, index);
  last_was_new_ = true;
  return index;
}

void ProfileBuilder::AddLabels(int i, Labels labels, int64_t count) {
  if (labels.empty()) return;
  std::sort(labels.begin(), labels.end());
  std::vector<LabelSet>& sets = profile_->stacks[i].label_sets;
  for (LabelSet& set : sets) {
    if (set.labels == labels) {
      set.count += count;
      return;
    }
  }
  sets.push_back(LabelSet{std::move(labels), count});
}

void ProfileBuilder::Finish(bool runtime_frames_shown) {
  int64_t total = 0;
  std::vector<uint64_t> hashes;  // of one stack's counted frames
  for (Stack& s : profile_->stacks) {
    const int32_t* frames = s.frame_indices.data();
    const size_t n = s.frame_indices.size();
    hashes.clear();
    ForEachCountedFrame(
        n, [&](size_t i) { return frame_info_[frames[i]].runtime_kind; },
        [&](size_t i) { hashes.push_back(frame_info_[frames[i]].hash); });
    s.id = StackIdOfHashes(hashes);
    auto at = [&](size_t i) -> const FrameTraits& {
      return frame_info_[frames[i]].traits;
    };
    s.block_class = s.wait_reason.empty()
                        ? ClassifyFrameTraits(n, at, runtime_frames_shown)
                        : ClassifyWaitReasonTraits(s.wait_reason, n, at);
    s.site_frame = FindSiteFrameTraits(n, at);
    total += s.count;
  }
  profile_->total_goroutines = total;
}

}  // namespace internal
}  // namespace goprof
}  // namespace leakprof
