// Copyright 2026 The leakprof Authors.

#include "common/goprof/stack_id.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace leakprof {
namespace goprof {
namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

uint64_t Fnv(uint64_t h, absl::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

uint64_t FnvFrame(uint64_t h, const Frame& f) {
  h = Fnv(h, f.function);
  h = Fnv(h, absl::string_view("\0", 1));
  h = Fnv(h, f.file);
  h = Fnv(h, absl::string_view("\0", 1));
  h = Fnv(h, absl::AlphaNum(f.line).Piece());
  return Fnv(h, "\n");
}

}  // namespace

bool IsHiddenRuntimeFrame(absl::string_view function) {
  if (!absl::StartsWith(function, "runtime.")) return false;
  function.remove_prefix(8);
  // Methods print as runtime.(*T).m: hidden unless T is exported.
  if (absl::StartsWith(function, "(*")) function.remove_prefix(2);
  if (absl::StartsWith(function, "(")) function.remove_prefix(1);
  return function.empty() || !absl::ascii_isupper(function[0]);
}

uint64_t StackId(const std::vector<Frame>& frames) {
  uint64_t h = kFnvOffset;
  for (const Frame& f : frames) {
    if (!IsHiddenRuntimeFrame(f.function)) h = FnvFrame(h, f);
  }
  return h;
}

uint64_t SiteId(BlockClass c, const Frame* frame) {
  uint64_t h = Fnv(kFnvOffset, BlockClassName(c));
  h = Fnv(h, "\n");
  if (frame != nullptr) h = FnvFrame(h, *frame);
  return h;
}

std::string FormatId(uint64_t id) { return absl::StrFormat("%016x", id); }

}  // namespace goprof
}  // namespace leakprof
