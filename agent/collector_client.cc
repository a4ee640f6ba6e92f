// Copyright 2026 The leakprof Authors.

#include "agent/collector_client.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "agent/grpc_wire.h"
#include "agent/h2_connection.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "proto/snapshot.pb.h"

namespace leakprof {
namespace agent {
namespace {

constexpr char kPath[] = "/leakprof.v1.Collector/Push";
constexpr char kUserAgent[] = "leakprof-agent grpc-nghttp2/1";
// Largest PushResponse accepted (decompressed).
constexpr size_t kMaxResponseBytes = 4 << 20;
// ConnectionPolicy: a connection unused for longer than ping_after_idle is
// first checked with a PING. NATs and load balancers drop idle flows
// silently (often after 4-5 minutes), and a push on such a connection would
// only fail at its deadline. No PING under 30 s by default: a gRPC server
// counts frequent PINGs from an idle client as abuse.

// PushRequest{snapshot = 1} serialized without copying the snapshot.
std::string SerializePushRequest(const v1::Snapshot& snapshot) {
  const size_t n = snapshot.ByteSizeLong();
  std::string out;
  out.reserve(n + 11);
  {
    google::protobuf::io::StringOutputStream raw(&out);
    google::protobuf::io::CodedOutputStream coded(&raw);
    coded.WriteTag((v1::PushRequest::kSnapshotFieldNumber << 3) |
                   2);  // length-delimited
    coded.WriteVarint64(n);
    snapshot.SerializeWithCachedSizes(&coded);
  }
  return out;
}

class H2CollectorClient final : public PushTransport {
 public:
  H2CollectorClient(CollectorClientOptions options, ConnectionPolicy policy,
                    HostPort endpoint, std::unique_ptr<TlsContext> tls)
      : options_(std::move(options)), policy_(policy), tls_(std::move(tls)) {
    connect_.endpoint = std::move(endpoint);
    connect_.tls = tls_.get();
    connect_.server_name = options_.tls_server_name;
    const bool ipv6 = connect_.endpoint.host.find(':') != std::string::npos;
    authority_ = absl::StrCat(ipv6 ? "[" : "", connect_.endpoint.host,
                              ipv6 ? "]" : "", ":", connect_.endpoint.port);
  }

  // Keeps the connection: see the header.
  void Idle() override {}

  absl::StatusOr<v1::PushResponse> Push(const v1::Snapshot& snapshot) override {
    const absl::Time deadline = absl::Now() + options_.timeout;
    const std::string request = SerializePushRequest(snapshot);
    absl::MutexLock lock(&mu_);
    absl::StatusOr<std::string> body = gzip_.Frame(request);
    if (!body.ok()) return Prefixed(body.status());
    absl::StatusOr<std::string> message = Exchange(*body, deadline);
    if (!message.ok()) return Prefixed(message.status());
    v1::PushResponse response;
    if (!response.ParseFromString(*message)) {
      return Prefixed(absl::InternalError("unparsable PushResponse"));
    }
    return response;
  }

 private:
  absl::Status Prefixed(const absl::Status& s) const {
    return absl::Status(s.code(), absl::StrCat("Push to ", options_.address,
                                               ": ", s.message()));
  }

  std::vector<H2Header> Headers(absl::Time deadline) const {
    std::vector<H2Header> h = {
        {":method", "POST"},
        {":scheme", tls_ ? "https" : "http"},
        {":path", kPath},
        {":authority", authority_},
        {"content-type", "application/grpc"},
        {"te", "trailers"},
        {"grpc-encoding", "gzip"},
        {"grpc-accept-encoding", "identity,gzip"},
        {"grpc-timeout", GrpcTimeoutHeader(deadline - absl::Now())},
        {"user-agent", kUserAgent},
    };
    if (!options_.bearer_token.empty()) {
      h.push_back(
          {"authorization", absl::StrCat("Bearer ", options_.bearer_token)});
    }
    return h;
  }

  // The response message of one Push: on the kept connection when it is
  // still good, else on a new one; once more on a new connection when a
  // reused one turns out dead before any response byte.
  absl::StatusOr<std::string> Exchange(const std::string& body,
                                       absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (int attempt = 0;; ++attempt) {
      const absl::Time now = absl::Now();
      if (conn_ != nullptr && !conn_->Refresh()) conn_.reset();
      if (conn_ != nullptr && now - last_used_ >= policy_.ping_after_idle &&
          !conn_->Ping(std::min(deadline, now + policy_.ping_timeout)).ok()) {
        conn_.reset();
      }
      const bool reused = conn_ != nullptr;
      if (!reused) {
        absl::StatusOr<std::unique_ptr<H2Connection>> c =
            H2Connection::Connect(connect_, deadline);
        if (!c.ok()) return c.status();
        conn_ = *std::move(c);
      }
      absl::StatusOr<H2Response> r = conn_->RoundTrip(
          Headers(deadline), body, kMaxResponseBytes + 5, deadline);
      const bool retry = reused && attempt == 0 &&
                         conn_->last_failed_before_response() &&
                         absl::Now() < deadline;
      if (!conn_->usable()) conn_.reset();
      if (r.ok() && r->reset && r->reset_code == 0x7 /* REFUSED_STREAM */) {
        if (retry) continue;
      } else if (!r.ok()) {
        if (retry) continue;
        return r.status();
      }
      last_used_ = absl::Now();
      return UnaryResult(*r, kMaxResponseBytes);
    }
  }

  const CollectorClientOptions options_;
  const ConnectionPolicy policy_;
  const std::unique_ptr<TlsContext> tls_;  // null: plain text
  H2ConnectOptions connect_;
  std::string authority_;

  absl::Mutex mu_;
  std::unique_ptr<H2Connection> conn_ ABSL_GUARDED_BY(mu_);
  absl::Time last_used_ ABSL_GUARDED_BY(mu_);
  GzipFramer gzip_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<std::unique_ptr<PushTransport>> NewCollectorClient(
    const CollectorClientOptions& options) {
  return NewCollectorClient(options, ConnectionPolicy());
}

absl::StatusOr<std::unique_ptr<PushTransport>> NewCollectorClient(
    const CollectorClientOptions& options, const ConnectionPolicy& policy) {
  if (options.address.empty()) {
    return absl::InvalidArgumentError("collector address is empty");
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return absl::InvalidArgumentError(
        "a TLS client certificate needs its key and the reverse");
  }
  if (options.tls_ca.empty() && !options.tls_cert.empty()) {
    return absl::InvalidArgumentError(
        "a TLS client certificate needs a CA (--tls-ca)");
  }
  absl::StatusOr<HostPort> endpoint = ParseHostPort(options.address);
  if (!endpoint.ok()) return endpoint.status();
  std::unique_ptr<TlsContext> tls;
  if (!options.tls_ca.empty()) {
    absl::StatusOr<std::unique_ptr<TlsContext>> t =
        TlsContext::New(options.tls_ca, options.tls_cert, options.tls_key);
    if (!t.ok()) return t.status();
    tls = *std::move(t);
  }
  return std::unique_ptr<PushTransport>(new H2CollectorClient(
      options, policy, *std::move(endpoint), std::move(tls)));
}

}  // namespace agent
}  // namespace leakprof
