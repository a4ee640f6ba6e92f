// Copyright 2026 The leakprof Authors.

#include "common/goprof/profile_builder.h"

#include <algorithm>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "common/goprof/classify.h"
#include "common/goprof/stack_id.h"

namespace leakprof {
namespace goprof {
namespace internal {
namespace {

uint64_t HashFrames(absl::Span<const FrameRef> frames) {
  size_t h = frames.size();
  for (const FrameRef& f : frames) {
    h = absl::HashOf(h, f.function, f.file, f.line);
  }
  return h;
}

bool SameFrames(absl::Span<const FrameRef> refs,
                const std::vector<Frame>& frames) {
  if (refs.size() != frames.size()) return false;
  for (size_t i = 0; i < refs.size(); ++i) {
    if (refs[i].line != frames[i].line ||
        refs[i].function != frames[i].function ||
        refs[i].file != frames[i].file) {
      return false;
    }
  }
  return true;
}

}  // namespace

ProfileBuilder::ProfileBuilder(const ParseOptions& options, Profile* profile)
    : options_(options), profile_(profile) {}

absl::Status ProfileBuilder::CheckString(absl::string_view s,
                                         absl::string_view what) const {
  if (static_cast<int64_t>(s.size()) > options_.max_string_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what, " is ", s.size(), " bytes, over the bound of ",
                     options_.max_string_bytes));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ProfileBuilder::Intern(absl::Span<const FrameRef> frames) {
  const uint64_t h = HashFrames(frames);
  auto [it, inserted] =
      first_by_hash_.try_emplace(h, static_cast<int>(profile_->stacks.size()));
  if (!inserted) {
    for (int i = it->second; i >= 0; i = next_same_hash_[i]) {
      if (SameFrames(frames, profile_->stacks[i].frames)) {
        last_was_new_ = false;
        return i;
      }
    }
  }
  // A new stack.
  if (static_cast<int64_t>(frames.size()) > options_.max_frames_per_stack) {
    if (inserted) first_by_hash_.erase(it);
    return absl::ResourceExhaustedError(
        absl::StrCat("stack has ", frames.size(), " frames, over the bound of ",
                     options_.max_frames_per_stack));
  }
  if (static_cast<int64_t>(profile_->stacks.size()) >= options_.max_stacks) {
    if (inserted) first_by_hash_.erase(it);
    return absl::ResourceExhaustedError(absl::StrCat(
        "more than ", options_.max_stacks, " distinct stacks (the bound)"));
  }
  for (const FrameRef& f : frames) {
    absl::Status s = CheckString(f.function, "function name");
    if (s.ok()) s = CheckString(f.file, "file name");
    if (!s.ok()) {
      if (inserted) first_by_hash_.erase(it);
      return s;
    }
  }
  const int index = static_cast<int>(profile_->stacks.size());
  Stack& stack = profile_->stacks.emplace_back();
  stack.frames.reserve(frames.size());
  for (const FrameRef& f : frames) {
    stack.frames.push_back(
        Frame{std::string(f.function), std::string(f.file), f.line});
  }
  // Chain behind the existing stacks with the same hash (rare).
  next_same_hash_.push_back(-1);
  if (!inserted) {
    int i = it->second;
    while (next_same_hash_[i] >= 0) i = next_same_hash_[i];
    next_same_hash_[i] = index;
  }
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
  for (Stack& s : profile_->stacks) {
    s.id = StackId(s.frames);
    s.block_class = s.wait_reason.empty()
                        ? ClassifyFrames(s.frames, runtime_frames_shown)
                        : ClassifyWaitReason(s.wait_reason, s.frames);
    s.site_frame = FindSiteFrame(s.frames);
    total += s.count;
  }
  profile_->total_goroutines = total;
}

}  // namespace internal
}  // namespace goprof
}  // namespace leakprof
