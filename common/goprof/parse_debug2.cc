// Copyright 2026 The leakprof Authors.
//
// debug=2: one block per goroutine, as runtime.Stack(buf, true) prints them:
//
//   goroutine 18 [chan send, 12 minutes]:
//   main.worker(0xc000080120)
//   	/src/main.go:15 +0x73
//   created by main.main in goroutine 1
//   	/src/main.go:37 +0x2fa
//
// Headers may carry labels (Go 1.27: `goroutine 7 {"k": "v"} [select]:`) and
// state flags the runtime appends: "(scan)", "(leaked)", "(durable)",
// ", N minutes", ", locked to thread". Go cuts the whole dump at 64 MiB.

#include <string>
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

// runtime/pprof's writeGoroutineStacks stops at this size.
constexpr size_t kGoDumpCap = 64 << 20;

absl::Status LineError(int64_t line, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("debug2: line ", line, ": ", what));
}

struct Header {
  absl::string_view reason;  // without flags and minutes
  int64_t minutes = 0;
  bool leaked = false;
  absl::string_view labels;  // "{...}" or empty
};

// Parses "goroutine 18 [chan send, 12 minutes]:" after the "goroutine "
// prefix. False when malformed; then `*why` may say more.
bool ParseHeader(absl::string_view rest, Header* h, std::string* why) {
  size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') {
    ++digits;
  }
  if (digits == 0 || !absl::ConsumeSuffix(&rest, "]:")) return false;
  const size_t open = rest.rfind('[');
  if (open == absl::string_view::npos || open < digits) return false;
  absl::string_view between =
      absl::StripAsciiWhitespace(rest.substr(digits, open - digits));
  h->labels = absl::string_view();
  if (!between.empty() && between.front() == '{') {
    const size_t close = between.rfind('}');
    if (close == absl::string_view::npos) return false;
    h->labels = between.substr(0, close + 1);
  }
  absl::string_view status = rest.substr(open + 1);
  // Reason first, then ", N minutes" / ", locked to thread".
  size_t comma = status.find(", ");
  absl::string_view reason = status.substr(0, comma);
  h->minutes = 0;
  while (comma != absl::string_view::npos) {
    status.remove_prefix(comma + 2);
    comma = status.find(", ");
    absl::string_view part = status.substr(0, comma);
    if (absl::ConsumeSuffix(&part, " minutes")) {
      std::optional<int64_t> m = ParseDecimal(part);
      if (!m) {
        *why = absl::StrCat(": minutes \"", part.substr(0, 40),
                            IsDecimal(part) ? "\" is over 9223372036854775807"
                                            : "\" is not a decimal number");
        return false;
      }
      h->minutes = *m;
    }
  }
  // Flags the runtime appends to the reason.
  h->leaked = false;
  for (bool again = true; again;) {
    again = false;
    for (absl::string_view flag : {" (scan)", " (durable)", " (leaked)"}) {
      if (absl::ConsumeSuffix(&reason, flag)) {
        if (flag == " (leaked)") h->leaked = true;
        again = true;
      }
    }
  }
  h->reason = reason;
  return true;
}

// How much a wait reason says, for merging goroutines with equal frames: a
// blocking reason (rank 2) says more than running/runnable/preempted (rank
// 1), which says more than none (rank 0).
int ReasonRank(absl::string_view reason) {
  if (reason.empty()) return 0;
  if (reason == "running" || reason == "runnable" || reason == "preempted") {
    return 1;
  }
  return 2;
}

// "pkg.(*T).method(0xc000, ...)" -> "pkg.(*T).method".
absl::string_view FunctionOfCallLine(absl::string_view line) {
  if (!line.empty() && line.back() == ')') {
    const size_t open = line.rfind('(');
    if (open != absl::string_view::npos && open > 0) {
      return line.substr(0, open);
    }
  }
  return line;
}

// "\t/src/main.go:15 +0x73" -> file and line.
std::optional<FrameRef> ParseFileLineLine(absl::string_view line) {
  line.remove_prefix(1);  // the tab
  const size_t space = line.rfind(" +0x");
  if (space != absl::string_view::npos) line = line.substr(0, space);
  return ParseFileLine(line);
}

class Debug2Parser {
 public:
  // `body` starts on line `first_line` of the body Parse() was given.
  Debug2Parser(absl::string_view body, int64_t first_line,
               const ParseOptions& options)
      : body_(body),
        first_line_(first_line),
        options_(options),
        builder_(options, &profile_) {}

  absl::StatusOr<Profile> Run() {
    profile_.format = Format::kDebug2;
    LineReader lines(body_, first_line_);
    absl::string_view line;
    while (lines.Next(&line)) {
      const int64_t n = lines.line_number();
      absl::ConsumeSuffix(&line, "\r");
      if (!lines.last_had_newline()) {
        // Cut mid-line: the last goroutine is incomplete.
        return Truncated(n);
      }
      if (line.empty()) {
        LEAKPROF_RETURN_IF_ERROR(EndGoroutine(n));
        continue;
      }
      absl::string_view rest = line;
      if (absl::ConsumePrefix(&rest, "goroutine ")) {
        // Go separates goroutines with a blank line; tolerate its absence.
        LEAKPROF_RETURN_IF_ERROR(EndGoroutine(n));
        std::string why;
        if (!ParseHeader(rest, &header_, &why)) {
          return LineError(n, absl::StrCat("malformed goroutine header \"",
                                           line.substr(0, 120), "\"", why));
        }
        if (absl::Status s =
                builder_.CheckString(header_.reason, "wait reason");
            !s.ok()) {
          return Located(s, n);
        }
        in_goroutine_ = true;
        header_line_ = n;
        continue;
      }
      if (!in_goroutine_) {
        return LineError(
            n, absl::StrCat("expected a \"goroutine N [...]:\" header, got \"",
                            line.substr(0, 120), "\""));
      }
      LEAKPROF_RETURN_IF_ERROR(GoroutineLine(line, n));
    }
    if (pending_call_ || pending_created_by_) {
      return Truncated(lines.line_number());
    }
    LEAKPROF_RETURN_IF_ERROR(EndGoroutine(lines.line_number()));
    if (goroutines_ == 0) {
      return absl::InvalidArgumentError("debug2: no goroutines in the body");
    }
    builder_.Finish(/*runtime_frames_shown=*/false);
    profile_.kind = leaked_goroutines_ == goroutines_
                        ? ProfileKind::kGoroutineLeak
                        : ProfileKind::kGoroutine;
    return std::move(profile_);
  }

 private:
  absl::Status GoroutineLine(absl::string_view line, int64_t n) {
    if (line[0] == '\t') {
      if (pending_created_by_) {
        std::optional<FrameRef> fl = ParseFileLineLine(line);
        if (!fl) {
          return LineError(n, "malformed FILE:LINE after \"created by\"");
        }
        if (absl::Status s = builder_.CheckString(fl->file, "created-by file");
            !s.ok()) {
          return Located(s, n);
        }
        created_by_ = FrameRef{created_by_.function, fl->file, fl->line};
        has_created_by_ = true;
        pending_created_by_ = false;
        return absl::OkStatus();
      }
      if (!pending_call_) {
        return absl::OkStatus();  // a note such as "stack unavailable"
      }
      std::optional<FrameRef> fl = ParseFileLineLine(line);
      if (!fl) {
        return LineError(
            n, absl::StrCat("expected \"\\tFILE:LINE +0xOFF\", got \"",
                            line.substr(0, 120), "\""));
      }
      if (static_cast<int64_t>(frames_.size()) >=
          options_.max_frames_per_stack) {
        return absl::ResourceExhaustedError(
            absl::StrCat("debug2: line ", n, ": goroutine has more than ",
                         options_.max_frames_per_stack, " frames (the bound)"));
      }
      absl::StatusOr<int32_t> frame =
          builder_.InternFrame(FrameRef{call_, fl->file, fl->line});
      if (!frame.ok()) return Located(frame.status(), n);
      frames_.push_back(*frame);
      pending_call_ = false;
      return absl::OkStatus();
    }
    if (pending_call_ || pending_created_by_) {
      return LineError(n, "expected a \"\\tFILE:LINE\" line after a call");
    }
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, "created by ")) {
      // "created by main.main in goroutine 1" (newer Go) or "created by
      // main.main".
      const size_t in = rest.find(" in goroutine ");
      created_by_ = FrameRef{rest.substr(0, in), "", 0};
      if (absl::Status s =
              builder_.CheckString(created_by_.function, "created-by function");
          !s.ok()) {
        return Located(s, n);
      }
      pending_created_by_ = true;
      return absl::OkStatus();
    }
    if (line == "...additional frames elided...") {
      frames_elided_ = true;
      return absl::OkStatus();
    }
    call_ = FunctionOfCallLine(line);
    pending_call_ = true;
    return absl::OkStatus();
  }

  absl::Status EndGoroutine(int64_t n) {
    if (!in_goroutine_) return absl::OkStatus();
    if (pending_call_ || pending_created_by_) {
      return LineError(n, "goroutine ends right after a call line");
    }
    absl::StatusOr<int> index = builder_.InternStack(frames_);
    if (!index.ok()) return Located(index.status(), header_line_);
    Stack& stack = builder_.stack(*index);
    // Goroutines with equal frames share one Stack, whatever their order:
    // the most telling wait reason wins (a blocking one over running,
    // runnable or preempted; between two blocking ones, the first); the
    // first "created by" printed is kept; frames_elided if any was elided.
    if (builder_.last_was_new() ||
        ReasonRank(header_.reason) > ReasonRank(stack.wait_reason)) {
      stack.wait_reason = std::string(header_.reason);
    }
    if (has_created_by_ && !stack.created_by.has_value()) {
      stack.created_by = Frame{std::string(created_by_.function),
                               std::string(created_by_.file), created_by_.line};
    }
    stack.frames_elided = stack.frames_elided || frames_elided_;
    stack.count += 1;
    stack.wait.Add(header_.minutes, 1);
    if (header_.leaked) {
      stack.leaked += 1;
      ++leaked_goroutines_;
    }
    if (!header_.labels.empty()) {
      std::optional<Labels> labels = ParseLabelMap(header_.labels);
      if (!labels) return LineError(header_line_, "malformed labels in header");
      if (absl::Status s = CheckLabels(builder_, *labels); !s.ok()) {
        return Located(s, header_line_);
      }
      builder_.AddLabels(*index, std::move(*labels), 1);
    }
    ++goroutines_;
    frames_.clear();
    in_goroutine_ = false;
    has_created_by_ = false;
    frames_elided_ = false;
    return absl::OkStatus();
  }

  // Go's own cut (a body of exactly kGoDumpCap) never gets here: ParseDebug2
  // has already dropped the cut goroutine.
  absl::Status Truncated(int64_t n) {
    return LineError(
        n, absl::StrCat("body ends in the middle of the goroutine whose "
                        "header is at line ",
                        header_line_, " (truncated body?)"));
  }

  // `s` with the format and line in front of its message.
  static absl::Status Located(const absl::Status& s, int64_t n) {
    return WithPlace(s, absl::StrCat("debug2: line ", n));
  }

  absl::string_view body_;
  int64_t first_line_;
  const ParseOptions& options_;
  Profile profile_;
  ProfileBuilder builder_;

  // The goroutine being read.
  bool in_goroutine_ = false;
  int64_t header_line_ = 0;
  Header header_;
  std::vector<int32_t> frames_;
  absl::string_view call_;
  bool pending_call_ = false;
  FrameRef created_by_;
  bool pending_created_by_ = false;
  bool has_created_by_ = false;
  bool frames_elided_ = false;

  int64_t goroutines_ = 0;
  int64_t leaked_goroutines_ = 0;
};

}  // namespace

absl::StatusOr<Profile> ParseDebug2(absl::string_view body,
                                    const ParseOptions& options) {
  LEAKPROF_RETURN_IF_ERROR(CheckBodySize(body, options, "debug2"));
  int64_t first_line = 1;
  absl::string_view text = SkipLeadingWhitespace(body, &first_line);
  // Go's own cap: a dump of exactly 64 MiB was (or may have been) cut. The
  // last goroutine may be incomplete even when the cut fell right after a
  // newline, so it is dropped whatever it looks like: everything from the
  // last line starting with "goroutine " on.
  const bool cut_by_go = body.size() == kGoDumpCap;
  if (cut_by_go) {
    const size_t last = text.rfind("\ngoroutine ");
    if (last != absl::string_view::npos) {
      text = text.substr(0, last + 1);
    } else if (absl::StartsWith(text, "goroutine ")) {
      return absl::InvalidArgumentError(
          "debug2: the first goroutine is cut by Go's 64 MiB cap");
    }
  }
  Debug2Parser parser(text, first_line, options);
  absl::StatusOr<Profile> profile = parser.Run();
  if (profile.ok() && cut_by_go) profile->truncated = true;
  return profile;
}

}  // namespace internal
}  // namespace goprof
}  // namespace leakprof
