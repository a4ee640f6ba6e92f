// Copyright 2026 The leakprof Authors.
//
// PushTransport over gRPC: leakprof.v1.Collector/Push with gzip compression,
// an optional bearer token in the "authorization" metadata, and TLS (with a
// client certificate for mTLS) when given a CA.
//
// Thread safety: Push is thread-safe (gRPC stubs are).

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
  std::string address = "127.0.0.1:7070";      // host:port
  absl::Duration timeout = absl::Seconds(10);  // per Push RPC
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

// kInvalidArgument for an empty address, or a cert without a key (or the
// reverse).
absl::StatusOr<std::unique_ptr<PushTransport>> NewCollectorClient(
    const CollectorClientOptions& options);

}  // namespace agent
}  // namespace leakprof

#endif  // LEAKPROF_AGENT_COLLECTOR_CLIENT_H_
