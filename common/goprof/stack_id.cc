// Copyright 2026 The leakprof Authors.

#include "common/goprof/stack_id.h"

#include <xxhash.h>

#include <cstring>
#include <string>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ids hash uint64 arrays as little-endian bytes; add byte swapping"
#endif

#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace leakprof {
namespace goprof {

RuntimeKind RuntimeKindOf(absl::string_view function) {
  if (!absl::StartsWith(function, "runtime.")) return RuntimeKind::kNotRuntime;
  // Go's isExportedRuntime: the byte after "runtime." is 'A'..'Z'.
  return function.size() > 8 && absl::ascii_isupper(function[8])
             ? RuntimeKind::kExported
             : RuntimeKind::kUnexported;
}

uint64_t FrameHash(absl::string_view function, absl::string_view file,
                   int64_t line) {
  const absl::AlphaNum digits(line);
  absl::InlinedVector<char, 384> buf(function.size() + file.size() + 2 +
                                     digits.size());
  // memcpy from an empty string_view's null data() is undefined: skip it.
  char* p = buf.data();
  if (!function.empty()) std::memcpy(p, function.data(), function.size());
  p += function.size();
  *p++ = '\0';
  if (!file.empty()) std::memcpy(p, file.data(), file.size());
  p += file.size();
  *p++ = '\0';
  std::memcpy(p, digits.data(), digits.size());
  return XXH3_64bits(buf.data(), buf.size());
}

uint64_t FrameHash(const Frame& f) {
  return FrameHash(f.function, f.file, f.line);
}

uint64_t StackIdOfHashes(absl::Span<const uint64_t> counted_frame_hashes) {
  // Little-endian (checked above): the array's bytes are the encoding.
  return XXH3_64bits(counted_frame_hashes.data(),
                     counted_frame_hashes.size() * sizeof(uint64_t));
}

uint64_t StackId(const std::vector<Frame>& frames) {
  std::vector<uint64_t> hashes;
  ForEachCountedFrame(
      frames.size(),
      [&](size_t i) { return RuntimeKindOf(frames[i].function); },
      [&](size_t i) { hashes.push_back(FrameHash(frames[i])); });
  return StackIdOfHashes(hashes);
}

uint64_t SiteId(BlockClass c, const Frame* frame) {
  std::string buf(BlockClassName(c));
  buf.push_back('\n');
  if (frame != nullptr) {
    const uint64_t h = FrameHash(*frame);
    buf.append(reinterpret_cast<const char*>(&h), sizeof(h));
  }
  return XXH3_64bits(buf.data(), buf.size());
}

std::string FormatId(uint64_t id) { return absl::StrFormat("%016x", id); }

}  // namespace goprof
}  // namespace leakprof
