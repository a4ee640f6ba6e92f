// Copyright 2026 The leakprof Authors.

#include "common/goprof/parser.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/goprof/formats.h"
#include "common/goprof/gunzip.h"

namespace leakprof {
namespace goprof {
namespace {

// A printable preview of the first bytes, for error messages.
std::string Preview(absl::string_view body) {
  std::string out;
  for (char c : body.substr(0, 40)) {
    out.push_back(absl::ascii_isprint(static_cast<unsigned char>(c)) ? c : '.');
  }
  return out;
}

}  // namespace

std::optional<Format> DetectFormat(absl::string_view body) {
  if (IsGzip(body)) return Format::kDebug0;
  absl::string_view text = absl::StripLeadingAsciiWhitespace(body);
  if (absl::StartsWith(text, "goroutine profile: total ") ||
      absl::StartsWith(text, "goroutineleak profile: total ")) {
    return Format::kDebug1;
  }
  if (absl::StartsWith(text, "goroutine ") && text.size() > 10 &&
      absl::ascii_isdigit(static_cast<unsigned char>(text[10]))) {
    return Format::kDebug2;
  }
  // An uncompressed profile.proto starts with field 1 (sample_type), a
  // length-delimited field: tag byte 0x0a.
  if (!body.empty() && body[0] == 0x0a) return Format::kDebug0;
  return std::nullopt;
}

absl::StatusOr<std::optional<Format>> ParseFormatFlag(absl::string_view name) {
  if (name == "auto") return std::optional<Format>();
  for (Format f : {Format::kDebug0, Format::kDebug1, Format::kDebug2}) {
    if (name == FormatName(f)) return std::optional<Format>(f);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown format \"", name, "\": want auto, debug0, debug1 or debug2"));
}

namespace internal {

absl::Status WithPlace(const absl::Status& s, absl::string_view place) {
  return absl::Status(s.code(), absl::StrCat(place, ": ", s.message()));
}

absl::Status CheckBodySize(absl::string_view body, const ParseOptions& options,
                           absl::string_view format) {
  if (static_cast<int64_t>(body.size()) > options.max_body_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat(format, ": body is ", body.size(),
                     " bytes, over the bound of ", options.max_body_bytes));
  }
  return absl::OkStatus();
}

}  // namespace internal

absl::StatusOr<Profile> Parse(absl::string_view body,
                              const ParseOptions& options) {
  std::optional<Format> format = options.format;
  if (!format) format = DetectFormat(body);
  if (!format) {
    if (body.empty()) {
      return absl::InvalidArgumentError("not a goroutine profile: empty body");
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "not a goroutine profile: byte 0: body starts with \"", Preview(body),
        "\" (want gzipped pprof, \"goroutine profile: total\" or "
        "\"goroutine N [\")"));
  }
  switch (*format) {
    case Format::kDebug0:
      return internal::ParseDebug0(body, options);
    case Format::kDebug1:
      return internal::ParseDebug1(body, options);
    case Format::kDebug2:
      return internal::ParseDebug2(body, options);
  }
  return absl::InternalError("unreachable");
}

}  // namespace goprof
}  // namespace leakprof
