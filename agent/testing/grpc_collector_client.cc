// Copyright 2026 The leakprof Authors.
//
// BENCHMARK ANCHOR ONLY (//agent:leakprof-agent_grpc_anchor,
// //agent:push_bench_grpc): the agent's collector client before the nghttp2
// one, from commit 7f60505 (grpc++: a channel per burst of pushes, dropped
// on Idle()), so that tools/bench/agent_overhead.sh and push_transport.sh
// can run both side by side; optionally with the channel kept.

#include "agent/testing/grpc_collector_client.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "agent/collector_client.h"
#include "proto/snapshot.grpc.pb.h"

namespace leakprof {
namespace agent {
namespace {

absl::Status FromGrpc(const grpc::Status& s) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      s.error_message());
}

// A channel with gzip, TLS when configured, quick reconnects. Credentials
// are made per channel so that, between pushes, nothing holds gRPC
// initialized and its background threads stop.
std::shared_ptr<grpc::Channel> NewChannel(
    const CollectorClientOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (!options.tls_ca.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.tls_ca;
    ssl.pem_cert_chain = options.tls_cert;
    ssl.pem_private_key = options.tls_key;
    creds = grpc::SslCredentials(ssl);
  } else {
    creds = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments args;
  args.SetCompressionAlgorithm(GRPC_COMPRESS_GZIP);
  if (!options.tls_server_name.empty()) {
    args.SetSslTargetNameOverride(options.tls_server_name);
  }
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  return grpc::CreateCustomChannel(options.address, creds, args);
}

class GrpcCollectorClient final : public PushTransport {
 public:
  GrpcCollectorClient(CollectorClientOptions options, bool keep_channel)
      : options_(std::move(options)), keep_channel_(keep_channel) {}

  void Idle() override {
    if (keep_channel_) return;
    absl::MutexLock lock(&mu_);
    stub_.reset();
  }

  absl::StatusOr<v1::PushResponse> Push(const v1::Snapshot& snapshot) override {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         absl::ToChronoMilliseconds(options_.timeout));
    context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    if (!options_.bearer_token.empty()) {
      context.AddMetadata("authorization",
                          absl::StrCat("Bearer ", options_.bearer_token));
    }
    v1::PushRequest request;
    *request.mutable_snapshot() = snapshot;
    v1::PushResponse response;
    std::shared_ptr<v1::Collector::Stub> stub;
    {
      absl::MutexLock lock(&mu_);
      if (stub_ == nullptr) {
        stub_ = v1::Collector::NewStub(NewChannel(options_));
      }
      stub = stub_;
    }
    grpc::Status s = stub->Push(&context, request, &response);
    if (!s.ok()) {
      return absl::Status(
          FromGrpc(s).code(),
          absl::StrCat("Push to ", options_.address, ": ", s.error_message()));
    }
    return response;
  }

 private:
  const CollectorClientOptions options_;
  const bool keep_channel_;
  absl::Mutex mu_;
  // Created on the first push after Idle(); the channel lives as long.
  std::shared_ptr<v1::Collector::Stub> stub_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<std::unique_ptr<PushTransport>> NewGrpcAnchorClient(
    const CollectorClientOptions& options, bool keep_channel) {
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
  return std::unique_ptr<PushTransport>(
      new GrpcCollectorClient(options, keep_channel));
}

absl::StatusOr<std::unique_ptr<PushTransport>> NewCollectorClient(
    const CollectorClientOptions& options) {
  return NewGrpcAnchorClient(options, /*keep_channel=*/false);
}

}  // namespace agent
}  // namespace leakprof
