// Copyright 2026 The leakprof Authors.

#include "agent/collector_client.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "proto/snapshot.grpc.pb.h"

namespace leakprof {
namespace agent {
namespace {

absl::Status FromGrpc(const grpc::Status& s) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      s.error_message());
}

class GrpcCollectorClient final : public PushTransport {
 public:
  GrpcCollectorClient(std::shared_ptr<grpc::Channel> channel,
                      CollectorClientOptions options)
      : stub_(v1::Collector::NewStub(channel)), options_(std::move(options)) {}

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
    grpc::Status s = stub_->Push(&context, request, &response);
    if (!s.ok()) {
      return absl::Status(
          FromGrpc(s).code(),
          absl::StrCat("Push to ", options_.address, ": ", s.error_message()));
    }
    return response;
  }

 private:
  std::unique_ptr<v1::Collector::Stub> stub_;
  const CollectorClientOptions options_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<PushTransport>> NewCollectorClient(
    const CollectorClientOptions& options) {
  if (options.address.empty()) {
    return absl::InvalidArgumentError("collector address is empty");
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return absl::InvalidArgumentError(
        "a TLS client certificate needs its key and the reverse");
  }
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (!options.tls_ca.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.tls_ca;
    ssl.pem_cert_chain = options.tls_cert;
    ssl.pem_private_key = options.tls_key;
    creds = grpc::SslCredentials(ssl);
  } else {
    if (!options.tls_cert.empty()) {
      return absl::InvalidArgumentError(
          "a TLS client certificate needs a CA (--tls-ca)");
    }
    creds = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments args;
  args.SetCompressionAlgorithm(GRPC_COMPRESS_GZIP);
  if (!options.tls_server_name.empty()) {
    args.SetSslTargetNameOverride(options.tls_server_name);
  }
  // Reconnect quickly once the collector is back.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  auto channel = grpc::CreateCustomChannel(options.address, creds, args);
  return std::unique_ptr<PushTransport>(
      new GrpcCollectorClient(std::move(channel), options));
}

}  // namespace agent
}  // namespace leakprof
