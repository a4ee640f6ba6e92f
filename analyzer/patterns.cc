// Copyright 2026 The leakprof Authors.

#include "analyzer/patterns.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace leakprof {
namespace analyzer {
namespace {

// "main.handle.func1" -> "main.handle"; "" when not a closure.
std::string EnclosingFunction(absl::string_view function) {
  size_t pos = function.rfind(".func");
  if (pos == absl::string_view::npos) return "";
  absl::string_view rest = function.substr(pos + 5);
  if (rest.empty()) return "";
  for (char c : rest) {
    if (!absl::ascii_isdigit(c) && c != '.') return "";
  }
  return std::string(function.substr(0, pos));
}

bool MentionsTicker(absl::string_view function) {
  return absl::StrContains(absl::AsciiStrToLower(function), "tick");
}

}  // namespace

PatternHint HintFor(absl::string_view class_name,
                    const std::vector<StackFrame>& frames, int site_frame,
                    absl::string_view created_by, bool shows_timer) {
  absl::string_view function;
  if (site_frame >= 0 && site_frame < static_cast<int>(frames.size())) {
    function = frames[site_frame].function;
  }
  const std::string enclosing = EnclosingFunction(function);
  const bool closure = !enclosing.empty();
  if (class_name == "nil_chan_send" || class_name == "nil_chan_receive") {
    return {"nil_channel",
            "Operation on a nil channel blocks forever: make() the channel "
            "before the goroutine uses it, or give it a ctx.Done() case."};
  }
  if (class_name == "chan_send") {
    // A closure of the function that started it: the parent's own result
    // channel (premature return). A named function started N times: NCast.
    if (closure) {
      return {"premature_return",
              "Send on a channel nobody receives from any more: the parent "
              "returned first (timeout or error). Fix: make(chan T, 1) so the "
              "send completes, or select on ctx.Done() in the sender."};
    }
    if (created_by.empty()) {
      // debug=0 shows neither who started the goroutine nor whether the
      // channel is nil: say both readings.
      return {"send_no_receiver",
              "Send that no receiver will take: many senders and one receiver "
              "that took the first result and left (NCast), or a send on a "
              "nil channel (enable --debug2-interval on the agent to tell "
              "them apart). Fix: buffer the channel for every sender "
              "(make(chan T, n)) or select on ctx.Done(); make() the channel "
              "before use."};
    }
    return {"ncast",
            absl::StrCat("Many senders, one receiver (NCast) (started by ",
                         created_by,
                         "): the receiver takes the first result and leaves. "
                         "Fix: buffer the channel for every sender "
                         "(make(chan T, n)) or let senders select on "
                         "ctx.Done().")};
  }
  if (class_name == "chan_receive") {
    if (MentionsTicker(function) || shows_timer) {
      return {"ticker_no_stop",
              "Loop on a ticker with no stop path. Fix: select on ctx.Done() "
              "(or a stop channel) beside the ticker and defer ticker.Stop()."};
    }
    return {"range_unclosed",
            "Receive (or for-range) on a channel that is never closed. Fix: "
            "the owner (the sender) closes it when done (defer close(ch)), "
            "or add a ctx.Done() case."};
  }
  if (class_name == "select") {
    if (MentionsTicker(function) || shows_timer) {
      return {"ticker_no_stop",
              "select loop on a ticker or timer with no stop path. Fix: add a "
              "case <-ctx.Done(): return and defer ticker.Stop()."};
    }
    return {"select_no_exit",
            "select whose cases never become ready. Fix: add a case "
            "<-ctx.Done() (or a stop channel) so the goroutine can exit."};
  }
  if (class_name == "select_no_cases") {
    return {"select_forever",
            "select {} never returns. Fix: wait on ctx.Done() or a stop "
            "channel instead."};
  }
  if (class_name == "cond_wait") {
    return {"cond_no_signal",
            "sync.Cond.Wait with no Signal/Broadcast coming. Fix: Broadcast "
            "on every state change and on shutdown; re-check the condition "
            "in a loop; or use a channel with ctx.Done()."};
  }
  if (class_name == "waitgroup") {
    return {"waitgroup_mismatch",
            "WaitGroup.Wait with more Add than Done. Fix: wg.Add before the "
            "go statement and defer wg.Done() first thing in the goroutine."};
  }
  if (class_name == "mutex" || class_name == "rwmutex" ||
      class_name == "semacquire") {
    return {"lock_never_released",
            "Lock (or semaphore) taken and never released on some path. Fix: "
            "defer mu.Unlock() right after Lock()."};
  }
  return {"", ""};
}

}  // namespace analyzer
}  // namespace leakprof
