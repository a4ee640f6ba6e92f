// Copyright 2026 The leakprof Authors.

#include "analyzer/grpc_clients.h"

#include <chrono>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "proto/query.grpc.pb.h"

namespace leakprof {
namespace analyzer {
namespace {

absl::Status ToAbsl(const grpc::Status& status, absl::string_view method) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(method, ": ", status.error_message()));
}

std::shared_ptr<grpc::Channel> Channel(const GrpcClientOptions& o) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 << 20);
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (o.tls_ca_pem.empty()) {
    creds = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = o.tls_ca_pem;
    creds = grpc::SslCredentials(ssl);
  }
  return grpc::CreateCustomChannel(o.target, creds, args);
}

void Prepare(grpc::ClientContext* context, const GrpcClientOptions& o) {
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(o.deadline));
  if (!o.bearer_token.empty()) {
    context->AddMetadata("authorization", "Bearer " + o.bearer_token);
  }
}

class GrpcFleetSource : public FleetSource {
 public:
  explicit GrpcFleetSource(const GrpcClientOptions& o)
      : stub_(v1::Query::NewStub(Channel(o))), options_(o) {}

  template <typename Req, typename Resp, typename Call>
  absl::StatusOr<Resp> Do(const Req& request, Call call,
                          absl::string_view method) {
    grpc::ClientContext context;
    Prepare(&context, options_);
    Resp response;
    grpc::Status status = (stub_.get()->*call)(&context, request, &response);
    if (!status.ok()) return ToAbsl(status, method);
    return response;
  }

  absl::StatusOr<v1::ListServicesResponse> ListServices(
      const v1::ListServicesRequest& r) override {
    return Do<v1::ListServicesRequest, v1::ListServicesResponse>(
        r, &v1::Query::Stub::ListServices, "Query.ListServices");
  }
  absl::StatusOr<v1::ListSitesResponse> ListSites(
      const v1::ListSitesRequest& r) override {
    return Do<v1::ListSitesRequest, v1::ListSitesResponse>(
        r, &v1::Query::Stub::ListSites, "Query.ListSites");
  }
  absl::StatusOr<v1::GetSiteSeriesResponse> GetSiteSeries(
      const v1::GetSiteSeriesRequest& r) override {
    return Do<v1::GetSiteSeriesRequest, v1::GetSiteSeriesResponse>(
        r, &v1::Query::Stub::GetSiteSeries, "Query.GetSiteSeries");
  }
  absl::StatusOr<v1::GetStackResponse> GetStack(
      const v1::GetStackRequest& r) override {
    return Do<v1::GetStackRequest, v1::GetStackResponse>(
        r, &v1::Query::Stub::GetStack, "Query.GetStack");
  }

 private:
  std::unique_ptr<v1::Query::Stub> stub_;
  const GrpcClientOptions options_;
};

class GrpcStateStore : public StateStore {
 public:
  explicit GrpcStateStore(const GrpcClientOptions& o)
      : stub_(v1::State::NewStub(Channel(o))), options_(o) {}

  void SetDeadline(grpc::ClientContext* context) { Prepare(context, options_); }

  absl::StatusOr<StateEntry> Get(absl::string_view key) override {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::GetStateRequest request;
    request.set_key(std::string(key));
    v1::GetStateResponse response;
    grpc::Status status = stub_->Get(&context, request, &response);
    if (!status.ok()) return ToAbsl(status, "State.Get");
    StateEntry entry;
    entry.found = response.found();
    entry.value = response.value();
    entry.version = response.version();
    return entry;
  }

  absl::StatusOr<uint64_t> Put(absl::string_view key, absl::string_view value,
                               uint64_t expected_version) override {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::PutStateRequest request;
    request.set_key(std::string(key));
    request.set_value(std::string(value));
    request.set_expected_version(expected_version);
    v1::PutStateResponse response;
    grpc::Status status = stub_->Put(&context, request, &response);
    if (!status.ok()) return ToAbsl(status, "State.Put");
    return response.version();
  }

  absl::StatusOr<std::vector<std::string>> List(
      absl::string_view prefix) override {
    std::vector<std::string> keys;
    v1::ListStateRequest request;
    request.set_prefix(std::string(prefix));
    request.set_page_size(1000);
    while (true) {
      grpc::ClientContext context;
      SetDeadline(&context);
      v1::ListStateResponse response;
      grpc::Status status = stub_->List(&context, request, &response);
      if (!status.ok()) return ToAbsl(status, "State.List");
      for (const std::string& k : response.keys()) keys.push_back(k);
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return keys;
  }

 private:
  std::unique_ptr<v1::State::Stub> stub_;
  const GrpcClientOptions options_;
};

}  // namespace

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view token = absl::StripAsciiWhitespace(line);
    if (!token.empty()) return std::string(token);
  }
  return absl::InvalidArgumentError(absl::StrCat(path, " holds no token"));
}

std::unique_ptr<FleetSource> NewGrpcFleetSource(const GrpcClientOptions& o) {
  return std::make_unique<GrpcFleetSource>(o);
}

std::unique_ptr<StateStore> NewGrpcStateStore(const GrpcClientOptions& o) {
  return std::make_unique<GrpcStateStore>(o);
}

}  // namespace analyzer
}  // namespace leakprof
