// Copyright 2026 The leakprof Authors.
//
// A leak-pattern hint per site, read from the shape of its stack: the
// blocking class, whether the blocking function is a closure (a goroutine
// started by the function it lives in, whose parent may have returned) or a
// named function (started many times: NCast), whether its name or any frame
// shows a timer or ticker. Heuristics, stated in
// docs/analyzer.md; the hint names the usual fix.
//
// Pure function: thread-safe.

#ifndef LEAKPROF_ANALYZER_PATTERNS_H_
#define LEAKPROF_ANALYZER_PATTERNS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "analyzer/rules.h"

namespace leakprof {
namespace analyzer {

struct PatternHint {
  // "premature_return", "ncast", "range_unclosed", "receive_never_sent",
  // "ticker_no_stop", "select_no_exit", "select_forever", "nil_channel",
  // "cond_no_signal", "waitgroup_mismatch", "lock_never_released", or ""
  // when the class is not a leak candidate.
  std::string pattern;
  std::string hint;  // one or two sentences: what it is, the usual fix
};

// `class_name` is goprof::BlockClassName's; `frames` innermost first;
// `site_frame` indexes the blocking frame; `created_by` is the function of
// the `go` statement when known (else empty); `shows_timer` from
// IgnoreRules::ShowsTimer.
PatternHint HintFor(absl::string_view class_name,
                    const std::vector<StackFrame>& frames, int site_frame,
                    absl::string_view created_by, bool shows_timer);

}  // namespace analyzer
}  // namespace leakprof

#endif  // LEAKPROF_ANALYZER_PATTERNS_H_
