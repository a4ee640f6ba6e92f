// Copyright 2026 The leakprof Authors.
//
// FleetSource and StateStore over gRPC to a collector (leakprof.v1.Query and
// leakprof.v1.State, proto/query.proto). Every call has a deadline; gRPC
// status codes map to the absl codes of the same number, messages name the
// method.
//
// Thread safety: both are safe to call from any number of threads (one
// shared channel).

#ifndef LEAKPROF_ANALYZER_GRPC_CLIENTS_H_
#define LEAKPROF_ANALYZER_GRPC_CLIENTS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "analyzer/fleet_source.h"

namespace leakprof {
namespace analyzer {

struct GrpcClientOptions {
  std::string target;                           // "host:port"
  absl::Duration deadline = absl::Seconds(30);  // per call
  // Sent as "authorization: Bearer <token>" on every call when not empty
  // (the collector's --auth-token-file).
  std::string bearer_token;
  // PEM roots to verify the collector's TLS certificate; empty: plaintext.
  std::string tls_ca_pem;
};

// Reads the first non-empty line of a token file. kNotFound / kInvalidArgument
// name the file.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

std::unique_ptr<FleetSource> NewGrpcFleetSource(const GrpcClientOptions& o);
std::unique_ptr<StateStore> NewGrpcStateStore(const GrpcClientOptions& o);

}  // namespace analyzer
}  // namespace leakprof

#endif  // LEAKPROF_ANALYZER_GRPC_CLIENTS_H_
