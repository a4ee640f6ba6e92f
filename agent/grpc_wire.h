// Copyright 2026 The leakprof Authors.
//
// The gRPC-over-HTTP/2 rules the agent's push client needs, as pure
// functions (no I/O, no gRPC library): message framing with gzip, the
// grpc-timeout header, percent-decoding of grpc-message, and the status of
// a unary response (grpc-status in trailers or a trailers-only response,
// else the HTTP status or RST_STREAM code mapped as
// https://github.com/grpc/grpc/blob/master/doc/http-grpc-status-mapping.md
// says).
//
// Thread safety: all functions are thread-safe.

#ifndef LEAKPROF_AGENT_GRPC_WIRE_H_
#define LEAKPROF_AGENT_GRPC_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agent/h2_connection.h"

namespace leakprof {
namespace agent {

// The 5-byte prefix (compressed flag, big-endian length) and `message`,
// gzip-compressed (flag 1) when `gzip`. kInternal if zlib fails.
absl::StatusOr<std::string> FrameGrpcMessage(absl::string_view message,
                                             bool gzip);

// FrameGrpcMessage(message, true) with zlib's state (~256 KiB) kept from
// one message to the next: allocating it per message would cost its page
// faults on every push. Thread-compatible.
class GzipFramer {
 public:
  GzipFramer() = default;
  ~GzipFramer();
  GzipFramer(const GzipFramer&) = delete;
  GzipFramer& operator=(const GzipFramer&) = delete;

  // kInternal if zlib fails.
  absl::StatusOr<std::string> Frame(absl::string_view message);

 private:
  struct State;
  State* state_ = nullptr;
};

// The one message of a unary response body: checks the prefix and that the
// body is exactly one message, decompresses a flagged message when
// `encoding` is "gzip". kInternal for a malformed body or an unknown
// encoding; kResourceExhausted when the message (decompressed) passes
// `max_bytes`.
absl::StatusOr<std::string> UnframeGrpcMessage(absl::string_view body,
                                               absl::string_view encoding,
                                               size_t max_bytes);

// gzip (RFC 1952) of `in` and its inverse, bounded to `max_bytes` of output
// (kResourceExhausted past it, kInternal for corrupt input).
absl::StatusOr<std::string> Gzip(absl::string_view in);
absl::StatusOr<std::string> Gunzip(absl::string_view in, size_t max_bytes);

// "grpc-timeout" for `d`: at most 8 digits and a unit, rounded up
// ("1500m", "100000S"); a non-positive `d` is "1n".
std::string GrpcTimeoutHeader(absl::Duration d);

// grpc-message's percent-encoding undone; a malformed escape is kept as is.
std::string PercentDecode(absl::string_view s);

// The gRPC code for an HTTP status without grpc-status: 400 kInternal, 401
// kUnauthenticated, 403 kPermissionDenied, 404 kUnimplemented,
// 429/502/503/504 kUnavailable, else kUnknown.
absl::StatusCode HttpStatusToCode(int http_status);

// The gRPC code for a stream reset with HTTP/2 error `code` (NO_ERROR,
// PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, SETTINGS_TIMEOUT,
// FRAME_SIZE_ERROR and COMPRESSION_ERROR kInternal; REFUSED_STREAM
// kUnavailable; CANCEL kCancelled; ENHANCE_YOUR_CALM kResourceExhausted;
// INADEQUATE_SECURITY kPermissionDenied; else kInternal).
absl::StatusCode ResetCodeToCode(uint32_t code);

// The serialized response message of a unary call, or its error status
// (message as the server sent it, percent-decoded). `max_bytes` bounds the
// message.
absl::StatusOr<std::string> UnaryResult(const H2Response& response,
                                        size_t max_bytes);

}  // namespace agent
}  // namespace leakprof

#endif  // LEAKPROF_AGENT_GRPC_WIRE_H_
