// Copyright 2026 The leakprof Authors.
//
// H2Connection: one HTTP/2 client connection (TCP, or TLS over TCP) driven by
// libnghttp2, for the agent's gRPC push (collector_client.h). It has no
// threads and no timers: every byte is read and written inside Connect,
// Refresh and RoundTrip, each bounded by a deadline through poll(2). Between
// calls an open connection costs no CPU.
//
// TLS uses OpenSSL with memory BIOs: the socket is always written with
// send(MSG_NOSIGNAL) (no SIGPIPE), and TLS records go through the same
// non-blocking loop as plain text. The peer certificate is verified against
// the CA and the host name (or IP address), SNI is sent for names, ALPN
// offers "h2" and the server must select it. Plain text is HTTP/2 with prior
// knowledge (h2c).
//
// Thread safety: an H2Connection is thread-compatible (callers serialize);
// TlsContext is immutable after New and may be shared.

#ifndef LEAKPROF_AGENT_H2_CONNECTION_H_
#define LEAKPROF_AGENT_H2_CONNECTION_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;
typedef struct nghttp2_session nghttp2_session;

namespace leakprof {
namespace agent {

// host and port of "host:port", "1.2.3.4:port" or "[::1]:port".
struct HostPort {
  std::string host;  // without brackets
  int port = 0;
};
// kInvalidArgument when `address` is not one of the forms above, an IPv6
// literal lacks its brackets, or the port is not 1..65535.
absl::StatusOr<HostPort> ParseHostPort(absl::string_view address);

// An OpenSSL client context: trusted CA(s), an optional client certificate
// (chain) and key for mTLS, TLS >= 1.2, peer verification on, ALPN "h2".
class TlsContext {
 public:
  // PEM contents, not paths. `cert` and `key` both empty = no client
  // certificate. kInvalidArgument when a PEM does not parse, holds no
  // certificate, or the key does not match the certificate.
  static absl::StatusOr<std::unique_ptr<TlsContext>> New(absl::string_view ca,
                                                         absl::string_view cert,
                                                         absl::string_view key);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  SSL_CTX* get() const { return ctx_; }

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* const ctx_;
};

struct H2Header {
  std::string name;  // lower case
  std::string value;
};

// What came back on one stream.
struct H2Response {
  std::vector<H2Header> headers;   // the response HEADERS, ":status" first
  std::vector<H2Header> trailers;  // trailing HEADERS (none if trailers-only)
  std::string body;                // concatenated DATA
  // The stream ended with RST_STREAM (or was refused by a GOAWAY): its
  // HTTP/2 error code. 0 (NO_ERROR) otherwise.
  uint32_t reset_code = 0;
  bool reset = false;
};

struct H2ConnectOptions {
  HostPort endpoint;
  // Not owned; must outlive the connection. null = plain text (h2c).
  const TlsContext* tls = nullptr;
  // Name (or IP literal) the server certificate must match; "" = the host.
  std::string server_name;
  // Largest response HEADERS + trailers accepted, in bytes.
  size_t max_header_bytes = 64 << 10;
};

class H2Connection {
 public:
  // Resolves the host (getaddrinfo, which for a DNS name may block past the
  // deadline), connects (non-blocking, TCP_NODELAY; each address in turn),
  // does the TLS handshake when configured, and queues the HTTP/2 preface
  // and SETTINGS. kUnavailable when no address accepts or the handshake
  // fails (the message says why: refused, certificate verify error, no
  // ALPN h2); kDeadlineExceeded at the deadline.
  static absl::StatusOr<std::unique_ptr<H2Connection>> Connect(
      const H2ConnectOptions& options, absl::Time deadline);
  ~H2Connection();
  H2Connection(const H2Connection&) = delete;
  H2Connection& operator=(const H2Connection&) = delete;

  // Processes, without blocking, whatever the peer sent since the last call
  // (SETTINGS, PING — answered —, GOAWAY, a close) and returns usable().
  bool Refresh();

  // Sends a PING and waits until `deadline` for its ACK: proof that the
  // peer is still there (a NAT or load balancer may have dropped an idle
  // flow without a word). kDeadlineExceeded when no ACK came (the
  // connection is then not usable), kUnavailable when it broke.
  absl::Status Ping(absl::Time deadline);

  // False once the connection failed, was closed by the peer, received a
  // GOAWAY, or timed out in RoundTrip: it takes no more requests.
  bool usable() const;

  // One request on a new stream: `headers` (pseudo-headers first) and the
  // whole `body`, then waits for the response until the stream closes.
  // Errors: kDeadlineExceeded at `deadline` (the connection is then not
  // usable); kUnavailable when the connection fails; kResourceExhausted
  // when the body passes `max_body` bytes or the headers
  // max_header_bytes (the stream is reset, the connection stays usable).
  // A stream reset by the server is an OK result with `reset` set.
  absl::StatusOr<H2Response> RoundTrip(const std::vector<H2Header>& headers,
                                       absl::string_view body, size_t max_body,
                                       absl::Time deadline);

  // After a RoundTrip: true when it failed with kUnavailable before any byte
  // of the response arrived (the connection broke or was closed, or the
  // server refused the stream: REFUSED_STREAM, a GOAWAY below it). The
  // server may have processed the request, but sent nothing back.
  bool last_failed_before_response() const { return failed_early_; }

  // Describes the connection for logs: "127.0.0.1:7070 (tls)".
  const std::string& description() const { return description_; }

 private:
  H2Connection() = default;
  struct Callbacks;

  absl::Status ConnectSocket(const H2ConnectOptions& options,
                             absl::Time deadline);
  absl::Status Handshake(const H2ConnectOptions& options, absl::Time deadline);
  absl::Status StartSession();
  // Moves session output into out_ (through TLS when on) while out_ holds
  // less than a bound.
  absl::Status Pump();
  // send()s out_ until it is empty or the socket would block.
  absl::Status WriteAvailable();
  // recv()s until the socket would block and feeds it all to the session.
  // kUnavailable on EOF or error (broken_ is then set).
  absl::Status ReadAvailable();
  absl::Status Feed(const char* data, size_t n);
  absl::Status FeedSession(const uint8_t* data, size_t n);
  void DrainTlsOutput();
  // poll()s for input (and output when out_ is not empty).
  absl::Status Wait(absl::Time deadline);
  absl::Status Broken(absl::string_view what);

  int fd_ = -1;
  SSL* ssl_ = nullptr;  // owned; holds the BIOs
  nghttp2_session* session_ = nullptr;
  std::string out_;  // raw bytes for the socket
  size_t out_off_ = 0;
  bool broken_ = false;
  bool goaway_ = false;
  int64_t ping_acks_ = 0;
  int32_t goaway_last_stream_ = 0;
  std::string description_;
  size_t max_header_bytes_ = 0;

  // The stream of the RoundTrip in progress.
  int32_t stream_id_ = -1;
  H2Response* response_ = nullptr;
  absl::string_view body_;
  size_t body_off_ = 0;
  size_t max_body_ = 0;
  size_t header_bytes_ = 0;
  bool started_ = false;  // a frame of the response arrived
  bool closed_ = false;
  bool too_large_ = false;
  bool failed_early_ = false;
};

}  // namespace agent
}  // namespace leakprof

#endif  // LEAKPROF_AGENT_H2_CONNECTION_H_
