// Copyright 2026 The leakprof Authors.

#include "agent/testing/test_collector.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"

namespace leakprof {
namespace agent {
namespace testing {

grpc::ServerUnaryReactor* TestCollector::Push(
    grpc::CallbackServerContext* context, const v1::PushRequest* request,
    v1::PushResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::MutexLock lock(&mu_);
  struct Push record;
  record.snapshot = request->snapshot();
  record.received = request->snapshot();
  record.request_bytes = static_cast<int64_t>(request->ByteSizeLong());
  record.peer = context->peer();
  if (compress_) context->set_compression_algorithm(GRPC_COMPRESS_GZIP);
  if (refuse_ != grpc::StatusCode::OK) {
    pushes_.push_back(std::move(record));
    reactor->Finish(grpc::Status(refuse_, "refused by the test"));
    return reactor;
  }
  if (!token_.empty()) {
    const auto& md = context->client_metadata();
    auto it = md.find("authorization");
    if (it == md.end() || std::string(it->second.data(), it->second.size()) !=
                              absl::StrCat("Bearer ", token_)) {
      pushes_.push_back(std::move(record));
      reactor->Finish(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                   "missing or wrong bearer token"));
      return reactor;
    }
  }
  // Stack references, resolved by the collector's own tables.
  absl::StatusOr<collector::ResolveResult> resolved =
      ref_tables_->Resolve(&record.snapshot);
  if (!resolved.ok()) {
    pushes_.push_back(std::move(record));
    reactor->Finish(
        grpc::Status(static_cast<grpc::StatusCode>(resolved.status().code()),
                     std::string(resolved.status().message())));
    return reactor;
  }
  if (resolved->refs_unknown) {
    response->set_refs_unknown(true);
    record.refs_unknown = true;
    pushes_.push_back(std::move(record));
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  const v1::Snapshot& s = record.snapshot;
  std::set<uint64_t> defined;
  for (const v1::StackDef& d : s.definitions()) defined.insert(d.stack_id());
  for (uint64_t id : s.stack_ids()) {
    if (!known_.count(id) && !defined.count(id)) {
      response->add_unknown_stack_ids(id);
    }
  }
  if (response->unknown_stack_ids_size() > 0) {
    response->set_stored(false);
    record.unknown.assign(response->unknown_stack_ids().begin(),
                          response->unknown_stack_ids().end());
    pushes_.push_back(std::move(record));
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  known_.insert(defined.begin(), defined.end());
  const std::string key =
      absl::StrCat(s.service(), "/", s.instance(), "#", s.sequence());
  if (!seen_sequences_.insert(key).second) {
    response->set_duplicate(true);
  } else {
    response->set_stored(true);
    stored_.push_back(s);
  }
  record.stored = true;
  pushes_.push_back(std::move(record));
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

void TestCollector::ForgetRefs() {
  absl::MutexLock lock(&mu_);
  ref_tables_ = std::make_unique<collector::RefTables>();
}

absl::Status TestCollector::Start(
    int port, std::shared_ptr<grpc::ServerCredentials> creds) {
  absl::MutexLock lock(&mu_);
  if (server_ != nullptr) return absl::FailedPreconditionError("running");
  grpc::ServerBuilder builder;
  int bound = 0;
  builder.AddListeningPort(absl::StrCat("127.0.0.1:", port),
                           creds ? creds : grpc::InsecureServerCredentials(),
                           &bound);
  builder.RegisterService(this);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || bound == 0) {
    server_.reset();
    return absl::UnavailableError(absl::StrCat("cannot bind port ", port));
  }
  port_ = bound;
  return absl::OkStatus();
}

void TestCollector::Stop() {
  std::unique_ptr<grpc::Server> server;
  {
    absl::MutexLock lock(&mu_);
    server = std::move(server_);
  }
  if (server != nullptr) {
    server->Shutdown(std::chrono::system_clock::now() +
                     std::chrono::seconds(2));
    server->Wait();
  }
}

int TestCollector::port() const {
  absl::MutexLock lock(&mu_);
  return port_;
}

std::string TestCollector::address() const {
  return absl::StrCat("127.0.0.1:", port());
}

void TestCollector::Refuse(grpc::StatusCode code) {
  absl::MutexLock lock(&mu_);
  refuse_ = code;
}

void TestCollector::RequireToken(const std::string& token) {
  absl::MutexLock lock(&mu_);
  token_ = token;
}

void TestCollector::CompressResponses(bool on) {
  absl::MutexLock lock(&mu_);
  compress_ = on;
}

void TestCollector::ForgetDefinitions() {
  absl::MutexLock lock(&mu_);
  known_.clear();
}

std::vector<v1::Snapshot> TestCollector::Stored() const {
  absl::MutexLock lock(&mu_);
  return stored_;
}

std::vector<struct TestCollector::Push> TestCollector::Pushes() const {
  absl::MutexLock lock(&mu_);
  return pushes_;
}

std::vector<struct TestCollector::Push> TestCollector::PushesFrom(
    size_t first) const {
  absl::MutexLock lock(&mu_);
  if (first >= pushes_.size()) return {};
  return std::vector<struct Push>(pushes_.begin() + first, pushes_.end());
}

int64_t TestCollector::pushes_seen() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(pushes_.size());
}

bool TestCollector::WaitForStored(size_t n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stored_.size() >= n;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

std::vector<v1::Snapshot> TestCollector::StoredOf(
    const std::string& service) const {
  std::vector<v1::Snapshot> out;
  for (v1::Snapshot& s : Stored()) {
    if (s.service() == service) out.push_back(std::move(s));
  }
  return out;
}

size_t TestCollector::known_definitions() const {
  absl::MutexLock lock(&mu_);
  return known_.size();
}

}  // namespace testing
}  // namespace agent
}  // namespace leakprof
