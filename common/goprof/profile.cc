// Copyright 2026 The leakprof Authors.

#include "common/goprof/profile.h"

#include <algorithm>

namespace leakprof {
namespace goprof {
namespace {

constexpr absl::string_view kClassNames[kNumBlockClasses] = {
    "chan_send",     "chan_receive",     "select",     "select_no_cases",
    "nil_chan_send", "nil_chan_receive", "mutex",      "rwmutex",
    "cond_wait",     "waitgroup",        "semacquire", "io_wait",
    "sleep",         "running",          "runtime",    "other",
};

}  // namespace

absl::string_view BlockClassName(BlockClass c) {
  const int i = static_cast<int>(c);
  return i < kNumBlockClasses ? kClassNames[i] : "other";
}

std::optional<BlockClass> BlockClassFromName(absl::string_view name) {
  for (int i = 0; i < kNumBlockClasses; ++i) {
    if (kClassNames[i] == name) return static_cast<BlockClass>(i);
  }
  return std::nullopt;
}

absl::string_view FormatName(Format f) {
  switch (f) {
    case Format::kDebug0:
      return "debug0";
    case Format::kDebug1:
      return "debug1";
    case Format::kDebug2:
      return "debug2";
  }
  return "unknown";
}

absl::string_view ProfileKindName(ProfileKind k) {
  return k == ProfileKind::kGoroutineLeak ? "goroutineleak" : "goroutine";
}

void WaitAges::Add(int64_t minutes, int64_t count) {
  size_t b = 0;
  while (b < kBoundsMinutes.size() && minutes >= kBoundsMinutes[b]) ++b;
  buckets[b] += count;
  max_minutes = std::max(max_minutes, minutes);
}

int64_t WaitAges::Total() const {
  int64_t total = 0;
  for (int64_t n : buckets) total += n;
  return total;
}

}  // namespace goprof
}  // namespace leakprof
