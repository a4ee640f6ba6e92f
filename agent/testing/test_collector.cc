// Copyright 2026 The leakprof Authors.

#include "agent/testing/test_collector.h"

#include <algorithm>
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
  if (!ResolveRefs(&record.snapshot)) {
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

// Stack references as docs/protocol.md specifies them, minus the checks of
// malformed input (collector/ref_tables.h has those): applies the bindings,
// then replaces the refs by ids. False: refs this collector cannot resolve.
bool TestCollector::ResolveRefs(v1::Snapshot* s) {
  if (s->ref_session() == 0) return true;
  RefTable& table = ref_tables_[absl::StrCat(s->service(), "/", s->instance())];
  if (s->bind_stack_ids_size() > 0) {
    const size_t first = s->bind_first_ref();
    if (first == 1 && table.session != s->ref_session()) {
      table.session = s->ref_session();
      table.ids.clear();
    }
    if (table.session != s->ref_session() || first > table.ids.size() + 1) {
      return false;
    }
    table.ids.resize(
        std::max(table.ids.size(), first - 1 + s->bind_stack_ids_size()));
    for (int k = 0; k < s->bind_stack_ids_size(); ++k) {
      table.ids[first - 1 + k] = s->bind_stack_ids(k);
    }
  }
  if (table.session != s->ref_session()) return false;
  std::vector<uint64_t> ids;
  uint64_t ref = 0;
  for (uint32_t delta : s->stack_refs()) {
    ref += delta;
    if (ref == 0 || ref > table.ids.size()) return false;
    ids.push_back(table.ids[ref - 1]);
  }
  s->clear_stack_refs();
  s->clear_ref_session();
  s->clear_bind_first_ref();
  s->clear_bind_stack_ids();
  for (uint64_t id : ids) s->add_stack_ids(id);
  return true;
}

void TestCollector::ForgetRefs() {
  absl::MutexLock lock(&mu_);
  ref_tables_.clear();
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
