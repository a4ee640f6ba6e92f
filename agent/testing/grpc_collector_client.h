// Copyright 2026 The leakprof Authors.
//
// BENCHMARK ANCHOR ONLY: the agent's former grpc++ collector client
// (grpc_collector_client.cc), which also defines NewCollectorClient for
// //agent:leakprof-agent_grpc_anchor. Thread-safe like the real one.

#ifndef LEAKPROF_AGENT_TESTING_GRPC_COLLECTOR_CLIENT_H_
#define LEAKPROF_AGENT_TESTING_GRPC_COLLECTOR_CLIENT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "agent/collector_client.h"

namespace leakprof {
namespace agent {

// The grpc++ client; with `keep_channel` its channel outlives Idle() (what
// keeping a grpc++ channel would cost), else it is dropped there, as the
// agent did. Errors as NewCollectorClient's.
absl::StatusOr<std::unique_ptr<PushTransport>> NewGrpcAnchorClient(
    const CollectorClientOptions& options, bool keep_channel);

}  // namespace agent
}  // namespace leakprof

#endif  // LEAKPROF_AGENT_TESTING_GRPC_COLLECTOR_CLIENT_H_
