// Copyright 2026 The leakprof Authors.
//
// PushTransport over gRPC: leakprof.v1.Collector/Push with gzip compression,
// an optional bearer token in the "authorization" metadata, and TLS (with a
// client certificate for mTLS) when given a CA.
//
// It speaks gRPC unary over HTTP/2 itself (grpc_wire.h on h2_connection.h:
// libnghttp2 and OpenSSL), without gRPC's C++ library: no threads, no
// timers, and ONE connection kept between pushes, so an agent between two
// pushes uses no CPU at all and no handshake is paid per push. Before a
// push the kept connection's pending input (PING, SETTINGS, GOAWAY, close)
// is processed without blocking, and a connection unused for over 30 s
// must answer a PING within 2 s (a NAT may have dropped it silently); a
// closed, GOAWAY'd, broken or silent connection is replaced by a new one. When
// a reused connection fails before any byte of the response, the push is
// retried once on a new connection (safe: the collector drops a duplicate
// sequence). Idle() does nothing: the connection stays open (an idle socket
// costs nothing).
//
// Errors: the server's grpc-status and grpc-message (percent-decoded),
// else the HTTP status or stream reset mapped as the gRPC spec says;
// kUnavailable when the collector cannot be reached, the TLS handshake or
// certificate check fails, or the connection breaks; kDeadlineExceeded
// when `timeout` passes (connect, handshake and exchange together);
// kResourceExhausted for a response over 4 MiB. Messages start with
// "Push to <address>: ".
//
// Thread safety: Push is thread-safe; pushes from several threads are
// serialized (one stream at a time).

#ifndef LEAKPROF_AGENT_COLLECTOR_CLIENT_H_
#define LEAKPROF_AGENT_COLLECTOR_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/pusher.h"

namespace leakprof {
namespace agent {

struct CollectorClientOptions {
  std::string address = "127.0.0.1:7070";      // host:port, [v6]:port
  absl::Duration timeout = absl::Seconds(10);  // per Push RPC, all in
  // Sent as "authorization: Bearer <token>" when not empty.
  std::string bearer_token;
  // PEM contents (not paths). TLS is used when tls_ca is set; cert and key
  // together make it mTLS.
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  // Overrides the name checked against the server certificate (tests).
  std::string tls_server_name;
};

// kInvalidArgument for an empty address or one that is not host:port
// ("[::1]:7070" for IPv6), a cert without a key (or the reverse), or a PEM
// that does not parse. Connects on the first Push, not here.
absl::StatusOr<std::unique_ptr<PushTransport>> NewCollectorClient(
    const CollectorClientOptions& options);

// How the kept connection is checked; NewCollectorClient(options) uses the
// defaults. Tests shorten them.
struct ConnectionPolicy {
  // A connection unused for longer must answer a PING before a push.
  absl::Duration ping_after_idle = absl::Seconds(30);
  // How long that PING's ACK may take before the connection is replaced.
  absl::Duration ping_timeout = absl::Seconds(2);
};
absl::StatusOr<std::unique_ptr<PushTransport>> NewCollectorClient(
    const CollectorClientOptions& options, const ConnectionPolicy& policy);

}  // namespace agent
}  // namespace leakprof

#endif  // LEAKPROF_AGENT_COLLECTOR_CLIENT_H_
