// Copyright 2026 The leakprof Authors.
//
// Internal to the parser: helpers shared by the text formats.

#ifndef LEAKPROF_COMMON_GOPROF_TEXT_UTIL_H_
#define LEAKPROF_COMMON_GOPROF_TEXT_UTIL_H_

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/goprof/profile_builder.h"

namespace leakprof {
namespace goprof {
namespace internal {

// Reads a body line by line (without the '\n', a trailing '\r' kept),
// counting lines from `first_line` (1 for a whole body). Not thread-safe.
class LineReader {
 public:
  explicit LineReader(absl::string_view body, int64_t first_line = 1)
      : rest_(body), line_number_(first_line - 1) {}

  // False at the end of the body.
  bool Next(absl::string_view* line) {
    if (rest_.empty()) return false;
    const void* nl = std::memchr(rest_.data(), '\n', rest_.size());
    size_t len = nl == nullptr ? rest_.size()
                               : static_cast<const char*>(nl) - rest_.data();
    *line = rest_.substr(0, len);
    last_had_newline_ = nl != nullptr;
    rest_.remove_prefix(nl == nullptr ? len : len + 1);
    ++line_number_;
    return true;
  }

  int64_t line_number() const { return line_number_; }
  // Whether the line last returned ended with '\n' (false: body cut mid-line).
  bool last_had_newline() const { return last_had_newline_; }

 private:
  absl::string_view rest_;
  int64_t line_number_;
  bool last_had_newline_ = true;
};

// The text body without its leading ASCII whitespace (which DetectFormat
// skips too), and in `*first_line` the body's line number on which what is
// left starts. Go writes no leading whitespace; a proxy or an editor may.
absl::string_view SkipLeadingWhitespace(absl::string_view body,
                                        int64_t* first_line);

// Parses a non-negative decimal integer filling all of `s`; nullopt if `s` is
// empty, has other characters or is over INT64_MAX (never wraps around).
std::optional<int64_t> ParseDecimal(absl::string_view s);

// True when `s` is one or more ASCII digits.
bool IsDecimal(absl::string_view s);

// Parses a goroutine count (a debug=1 header total or record count): a
// decimal of at most kMaxGoroutines. Errors (kInvalidArgument) name `what`
// and quote `s`, with no location: the caller prefixes one.
absl::StatusOr<int64_t> ParseCount(absl::string_view s, absl::string_view what);

// Adds `count` (0 <= count <= kMaxGoroutines) to `*total`, refusing
// (kInvalidArgument, no location) a total over kMaxGoroutines. With every
// count and the running total so bounded, no sum of counts can overflow.
absl::Status AddToTotal(int64_t count, int64_t* total);

// Splits "path/file.go:123" at the last colon (paths may hold colons).
// nullopt when there is no colon or the line number is malformed.
std::optional<FrameRef> ParseFileLine(absl::string_view s);

// Parses a Go-quoted string ("..." with Go escapes) at the start of `*s`,
// advancing `*s` past it. nullopt on malformed input.
std::optional<std::string> ParseGoQuoted(absl::string_view* s);

// Parses a label map as Go prints it: {"k":"v", "k2":"v2"} (debug=1) or
// {k: v, "k 2": "v 2"} (debug=2 headers, quotes only where needed). nullopt
// when malformed.
std::optional<Labels> ParseLabelMap(absl::string_view s);

// Checks every key and value of `labels` against max_string_bytes
// (kResourceExhausted, no location: the caller prefixes one).
absl::Status CheckLabels(const ProfileBuilder& builder, const Labels& labels);

}  // namespace internal
}  // namespace goprof
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_GOPROF_TEXT_UTIL_H_
