// Copyright 2026 The leakprof Authors.
//
// debug=1: the aggregated text form, as runtime/pprof's printCountProfile
// writes it:
//
//   goroutine profile: total 6
//   2 @ 0x43a0b6 0x405f9c 0x4729a1
//   # labels: {"k":"v"}
//   #	0x4729a0	main.worker+0x20	/src/main.go:12
//
// Columns after '#' are tab-separated and padded with more tabs. Go hides the
// leading runtime frames of each stack here.

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/goprof/formats.h"
#include "common/goprof/profile_builder.h"
#include "common/goprof/text_util.h"
#include "common/status/status_macros.h"

namespace leakprof {
namespace goprof {
namespace internal {
namespace {

absl::Status LineError(int64_t line, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("debug1: line ", line, ": ", what));
}

// `s` with the format and line in front of its message.
absl::Status Located(const absl::Status& s, int64_t line) {
  return WithPlace(s, absl::StrCat("debug1: line ", line));
}

// Next tab-separated column of a '#' line, skipping runs of tabs.
absl::string_view NextColumn(absl::string_view* s) {
  while (!s->empty() && (*s)[0] == '\t') s->remove_prefix(1);
  size_t tab = s->find('\t');
  absl::string_view col = s->substr(0, tab);
  s->remove_prefix(tab == absl::string_view::npos ? s->size() : tab);
  return col;
}

}  // namespace

absl::StatusOr<Profile> ParseDebug1(absl::string_view body,
                                    const ParseOptions& options) {
  LEAKPROF_RETURN_IF_ERROR(CheckBodySize(body, options, "debug1"));
  Profile profile;
  profile.format = Format::kDebug1;
  ProfileBuilder builder(options, &profile);
  // Leading whitespace is skipped, as DetectFormat skips it.
  int64_t first_line = 1;
  const absl::string_view text = SkipLeadingWhitespace(body, &first_line);
  LineReader lines(text, first_line);
  absl::string_view line;

  if (!lines.Next(&line)) return LineError(first_line, "empty body");
  const int64_t header_line = lines.line_number();
  line = absl::StripTrailingAsciiWhitespace(line);
  int64_t header_total = 0;
  {
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, "goroutine profile: total ")) {
      profile.kind = ProfileKind::kGoroutine;
    } else if (absl::ConsumePrefix(&rest, "goroutineleak profile: total ")) {
      profile.kind = ProfileKind::kGoroutineLeak;
    } else {
      return LineError(header_line,
                       absl::StrCat("not a goroutine profile: header is \"",
                                    line.substr(0, 80), "\""));
    }
    if (!IsDecimal(rest)) {
      return LineError(header_line, "malformed total in header");
    }
    absl::StatusOr<int64_t> total = ParseCount(rest, "total");
    if (!total.ok()) return LineError(header_line, total.status().message());
    header_total = *total;
  }

  // One record: "N @ pcs", optional "# labels:", then '#' frame lines.
  std::vector<int32_t> frames;
  Labels labels;
  int64_t count = -1;
  int64_t record_line = 0;
  int64_t sum = 0;  // of the record counts, at most kMaxGoroutines
  auto flush = [&]() -> absl::Status {
    if (count < 0) return absl::OkStatus();
    if (absl::Status s = AddToTotal(count, &sum); !s.ok()) {
      return LineError(record_line, s.message());
    }
    absl::StatusOr<int> index = builder.InternStack(frames);
    if (!index.ok()) return Located(index.status(), record_line);
    builder.stack(*index).count += count;
    if (profile.kind == ProfileKind::kGoroutineLeak) {
      builder.stack(*index).leaked += count;
    }
    builder.AddLabels(*index, std::move(labels), count);
    labels.clear();
    frames.clear();
    count = -1;
    return absl::OkStatus();
  };

  while (lines.Next(&line)) {
    const int64_t n = lines.line_number();
    absl::ConsumeSuffix(&line, "\r");
    if (line.empty()) {
      LEAKPROF_RETURN_IF_ERROR(flush());
      continue;
    }
    if (line[0] != '#') {
      // "N @ 0x... 0x..."
      LEAKPROF_RETURN_IF_ERROR(flush());
      const size_t at = line.find(" @");
      if (at == absl::string_view::npos || !IsDecimal(line.substr(0, at))) {
        return LineError(n,
                         absl::StrCat("expected \"COUNT @ ADDRESSES\", got \"",
                                      line.substr(0, 80), "\""));
      }
      absl::StatusOr<int64_t> c = ParseCount(line.substr(0, at), "count");
      if (!c.ok()) return LineError(n, c.status().message());
      count = *c;
      record_line = n;
      continue;
    }
    if (count < 0) {
      return LineError(n, "frame or label line before any \"COUNT @\" line");
    }
    absl::string_view rest = line.substr(1);
    if (absl::ConsumePrefix(&rest, " labels: ")) {
      std::optional<Labels> parsed = ParseLabelMap(rest);
      if (!parsed) return LineError(n, "malformed label map");
      if (absl::Status s = CheckLabels(builder, *parsed); !s.ok()) {
        return Located(s, n);
      }
      labels = std::move(*parsed);
      continue;
    }
    if (rest.empty() || rest[0] != '\t') {
      continue;  // another comment Go may add; frames start with "#\t"
    }
    if (static_cast<int64_t>(frames.size()) >= options.max_frames_per_stack) {
      return absl::ResourceExhaustedError(
          absl::StrCat("debug1: line ", n, ": stack has more than ",
                       options.max_frames_per_stack, " frames (the bound)"));
    }
    NextColumn(&rest);  // the PC
    absl::string_view func = NextColumn(&rest);
    absl::string_view file_line = NextColumn(&rest);
    FrameRef frame;
    if (!func.empty()) {
      // "pkg.func+0x20": drop the offset.
      const size_t plus = func.rfind("+0x");
      frame.function =
          plus == absl::string_view::npos ? func : func.substr(0, plus);
      std::optional<FrameRef> fl = ParseFileLine(file_line);
      if (!fl) {
        return LineError(n, absl::StrCat("expected FILE:LINE, got \"",
                                         file_line.substr(0, 120), "\""));
      }
      frame.file = fl->file;
      frame.line = fl->line;
    }
    absl::StatusOr<int32_t> index = builder.InternFrame(frame);
    if (!index.ok()) return Located(index.status(), n);
    frames.push_back(*index);
  }
  LEAKPROF_RETURN_IF_ERROR(flush());
  builder.Finish(/*runtime_frames_shown=*/false);
  if (profile.total_goroutines != header_total) {
    return absl::InvalidArgumentError(
        absl::StrCat("debug1: header says total ", header_total,
                     " but the stacks add up to ", profile.total_goroutines,
                     " (truncated body?)"));
  }
  return profile;
}

}  // namespace internal
}  // namespace goprof
}  // namespace leakprof
