// Copyright 2026 The leakprof Authors.
//
// Internal to the parser: one entry point per body format. Parse() in
// parser.h detects the format and calls one of these; each fills ids, classes
// and sites through ProfileBuilder. Thread-safe (pure functions).

#ifndef LEAKPROF_COMMON_GOPROF_FORMATS_H_
#define LEAKPROF_COMMON_GOPROF_FORMATS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/goprof/parser.h"
#include "common/goprof/profile.h"

namespace leakprof {
namespace goprof {
namespace internal {

// Gzipped or plain pprof protobuf (profile.proto).
// `s` with `place` ("debug1: line 12", "debug0: byte 40") in front of its
// message; the code is kept. For errors from shared code that knows no place.
absl::Status WithPlace(const absl::Status& s, absl::string_view place);

// kResourceExhausted when `body` is over options.max_body_bytes; `format`
// ("debug1") starts the message.
absl::Status CheckBodySize(absl::string_view body, const ParseOptions& options,
                           absl::string_view format);

absl::StatusOr<Profile> ParseDebug0(absl::string_view body,
                                    const ParseOptions& options);

// "goroutine profile: total N" text.
absl::StatusOr<Profile> ParseDebug1(absl::string_view body,
                                    const ParseOptions& options);

// "goroutine 1 [running]:" text, one block per goroutine.
absl::StatusOr<Profile> ParseDebug2(absl::string_view body,
                                    const ParseOptions& options);

}  // namespace internal
}  // namespace goprof
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_GOPROF_FORMATS_H_
