#include "collector/collector_service.h"

#include <fstream>
#include <iostream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace leakprof::collector {

namespace v1 = ::leakprof::v1;

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

absl::StatusOr<std::vector<std::string>> ReadTokenFile(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read token file ", path));
  }
  std::vector<std::string> tokens;
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view t = absl::StripAsciiWhitespace(line);
    if (t.empty() || t[0] == '#') continue;
    tokens.emplace_back(t);
  }
  if (tokens.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("token file ", path, " holds no token"));
  }
  return tokens;
}

namespace {

// One stderr line per refusal reason per second at most, with a count of
// those not shown, so an overload does not flood the log.
class RefusalLog {
 public:
  void Log(const std::string& reason, const std::string& line) {
    absl::MutexLock lock(&mu_);
    const absl::Time now = absl::Now();
    Entry& e = entries_[reason];
    if (now - e.last < absl::Seconds(1)) {
      ++e.suppressed;
      return;
    }
    std::cerr << "leakprof-collector: refused push (" << reason
              << "): " << line;
    if (e.suppressed > 0) {
      std::cerr << " [" << e.suppressed << " more like it not shown]";
    }
    std::cerr << "\n";
    e.last = now;
    e.suppressed = 0;
  }

 private:
  struct Entry {
    absl::Time last = absl::InfinitePast();
    int64_t suppressed = 0;
  };
  absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

RefusalLog& Refusals() {
  static RefusalLog* log = new RefusalLog;
  return *log;
}

std::string Peer(const grpc::CallbackServerContext* ctx) { return ctx->peer(); }

}  // namespace

grpc::Status CollectorServices::Authenticate(
    const grpc::CallbackServerContext* context) const {
  if (options_.tokens.empty()) return grpc::Status::OK;
  const auto& md = context->client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "missing \"authorization: Bearer <token>\" metadata");
  }
  absl::string_view value(it->second.data(), it->second.size());
  if (!absl::ConsumePrefix(&value, "Bearer ")) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "authorization is not \"Bearer <token>\"");
  }
  for (const std::string& token : options_.tokens) {
    // Compare every byte: no early exit on the first difference.
    if (token.size() != value.size()) continue;
    unsigned char diff = 0;
    for (size_t i = 0; i < token.size(); ++i) {
      diff |= static_cast<unsigned char>(token[i] ^ value[i]);
    }
    if (diff == 0) return grpc::Status::OK;
  }
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "unknown token");
}

class CollectorServices::CollectorImpl : public v1::Collector::CallbackService {
 public:
  explicit CollectorImpl(CollectorServices* s) : s_(s) {}

  grpc::ServerUnaryReactor* Push(grpc::CallbackServerContext* ctx,
                                 const v1::PushRequest* request,
                                 v1::PushResponse* response) override {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    const absl::Time started = absl::Now();
    grpc::Status auth = s_->Authenticate(ctx);
    if (!auth.ok()) {
      s_->metrics()->RecordPush("unauthenticated", absl::Now() - started);
      Refusals().Log("unauthenticated",
                     absl::StrCat(Peer(ctx), ": ", auth.error_message()));
      reactor->Finish(auth);
      return reactor;
    }
    if (s_->in_flight().fetch_add(1) >= s_->options().max_concurrent_pushes) {
      s_->in_flight().fetch_sub(1);
      s_->metrics()->RecordPush("overloaded", absl::Now() - started);
      Refusals().Log("overloaded",
                     absl::StrCat(Peer(ctx), ": over ",
                                  s_->options().max_concurrent_pushes,
                                  " pushes in flight"));
      reactor->Finish(
          grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                       absl::StrCat("collector overloaded: over ",
                                    s_->options().max_concurrent_pushes,
                                    " pushes in flight; back off and retry")));
      return reactor;
    }
    std::string peer = Peer(ctx);
    s_->push_pool()->Schedule(
        [this, reactor, request, response, started, peer = std::move(peer)] {
          grpc::Status status = Handle(*request, response, started, peer);
          s_->in_flight().fetch_sub(1);
          reactor->Finish(status);
        });
    return reactor;
  }

 private:
  grpc::Status Handle(const v1::PushRequest& original,
                      v1::PushResponse* response, absl::Time started,
                      const std::string& peer) {
    // Stack references: resolved into a copy (gRPC hands the request as
    // const; a copy of the packed columns is a memcpy, small next to the
    // write) that the validation and the store then see as ordinary.
    const v1::PushRequest* req = &original;
    v1::PushRequest resolved;
    if (original.has_snapshot() && RefTables::UsesRefs(original.snapshot())) {
      *resolved.mutable_snapshot() = original.snapshot();
      absl::StatusOr<ResolveResult> refs =
          s_->ref_tables()->Resolve(resolved.mutable_snapshot());
      s_->metrics()->RecordRefTables(s_->ref_tables()->Stats());
      if (refs.ok() && refs->reset) {
        std::cerr << "leakprof-collector: ref tables passed "
                     "--max-ref-memory-bytes ("
                  << s_->ref_tables()->options().max_ref_memory_bytes
                  << "): dropped every table; agents re-send theirs\n";
      }
      if (!refs.ok()) {
        const bool too_big =
            refs.status().code() == absl::StatusCode::kResourceExhausted;
        s_->metrics()->RecordPush(too_big ? "overloaded" : "invalid",
                                  absl::Now() - started);
        Refusals().Log(too_big ? "too large" : "invalid",
                       absl::StrCat(peer, " ", original.snapshot().service(),
                                    "/", original.snapshot().instance(), ": ",
                                    refs.status().message()));
        return ToGrpc(refs.status());
      }
      if (refs->refs_unknown) {
        response->set_stored(false);
        response->set_refs_unknown(true);
        s_->metrics()->RecordPush("refs_unknown", absl::Now() - started);
        return grpc::Status::OK;
      }
      req = &resolved;
    }
    const v1::PushRequest& request = *req;
    absl::Status valid =
        ValidatePush(request, s_->options().limits, s_->clock()->Now());
    if (!valid.ok()) {
      const bool too_big = valid.code() == absl::StatusCode::kResourceExhausted;
      s_->metrics()->RecordPush(too_big ? "overloaded" : "invalid",
                                absl::Now() - started);
      Refusals().Log(
          too_big ? "too large" : "invalid",
          absl::StrCat(peer, " ", request.snapshot().service(), "/",
                       request.snapshot().instance(), ": ", valid.message()));
      return ToGrpc(valid);
    }
    absl::StatusOr<PushResult> result = s_->store()->Push(request.snapshot());
    if (!result.ok()) {
      s_->metrics()->RecordPush("error", absl::Now() - started);
      std::cerr << "leakprof-collector: push of "
                << request.snapshot().service() << "/"
                << request.snapshot().instance()
                << " failed: " << result.status() << "\n";
      return ToGrpc(result.status());
    }
    response->set_stored(result->stored);
    response->set_duplicate(result->duplicate);
    for (uint64_t id : result->unknown_stack_ids) {
      response->add_unknown_stack_ids(id);
    }
    const char* outcome = result->duplicate ? "duplicate"
                          : result->stored  ? "ok"
                                            : "unknown_ids";
    s_->metrics()->RecordPush(outcome, absl::Now() - started);
    if (result->stored) s_->metrics()->RecordPoints(result->points);
    return grpc::Status::OK;
  }

  CollectorServices* s_;
};

namespace {

// Runs `fn` (request -> StatusOr<response>) on the query pool after auth,
// counting the result under `method`.
template <typename Req, typename Resp, typename Fn>
grpc::ServerUnaryReactor* RunQuery(CollectorServices* s, const char* method,
                                   grpc::CallbackServerContext* ctx,
                                   const Req* request, Resp* response, Fn fn) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  grpc::Status auth = s->Authenticate(ctx);
  if (!auth.ok()) {
    s->metrics()->RecordQuery(method, "unauthenticated");
    reactor->Finish(auth);
    return reactor;
  }
  s->query_pool()->Schedule([s, method, reactor, request, response, fn] {
    absl::StatusOr<Resp> result = fn(*request);
    if (!result.ok()) {
      s->metrics()->RecordQuery(
          method, absl::AsciiStrToLower(
                      absl::StatusCodeToString(result.status().code())));
      reactor->Finish(ToGrpc(result.status()));
      return;
    }
    *response = std::move(*result);
    s->metrics()->RecordQuery(method, "ok");
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

}  // namespace

class CollectorServices::QueryImpl : public v1::Query::CallbackService {
 public:
  explicit QueryImpl(CollectorServices* s) : s_(s) {}

  grpc::ServerUnaryReactor* ListServices(
      grpc::CallbackServerContext* ctx, const v1::ListServicesRequest* req,
      v1::ListServicesResponse* resp) override {
    Store* store = s_->store();
    return RunQuery(s_, "ListServices", ctx, req, resp,
                    [store](const v1::ListServicesRequest& r) {
                      return store->ListServices(r);
                    });
  }
  grpc::ServerUnaryReactor* ListSites(grpc::CallbackServerContext* ctx,
                                      const v1::ListSitesRequest* req,
                                      v1::ListSitesResponse* resp) override {
    Store* store = s_->store();
    return RunQuery(
        s_, "ListSites", ctx, req, resp,
        [store](const v1::ListSitesRequest& r) { return store->ListSites(r); });
  }
  grpc::ServerUnaryReactor* GetSiteSeries(
      grpc::CallbackServerContext* ctx, const v1::GetSiteSeriesRequest* req,
      v1::GetSiteSeriesResponse* resp) override {
    Store* store = s_->store();
    return RunQuery(s_, "GetSiteSeries", ctx, req, resp,
                    [store](const v1::GetSiteSeriesRequest& r) {
                      return store->GetSiteSeries(r);
                    });
  }
  grpc::ServerUnaryReactor* GetStack(grpc::CallbackServerContext* ctx,
                                     const v1::GetStackRequest* req,
                                     v1::GetStackResponse* resp) override {
    Store* store = s_->store();
    return RunQuery(
        s_, "GetStack", ctx, req, resp,
        [store](const v1::GetStackRequest& r) { return store->GetStack(r); });
  }
  grpc::ServerUnaryReactor* ListInstances(
      grpc::CallbackServerContext* ctx, const v1::ListInstancesRequest* req,
      v1::ListInstancesResponse* resp) override {
    Store* store = s_->store();
    return RunQuery(s_, "ListInstances", ctx, req, resp,
                    [store](const v1::ListInstancesRequest& r) {
                      return store->ListInstances(r);
                    });
  }

 private:
  CollectorServices* s_;
};

class CollectorServices::StateImpl : public v1::State::CallbackService {
 public:
  explicit StateImpl(CollectorServices* s) : s_(s) {}

  grpc::ServerUnaryReactor* Get(grpc::CallbackServerContext* ctx,
                                const v1::GetStateRequest* req,
                                v1::GetStateResponse* resp) override {
    Store* store = s_->store();
    return RunQuery(
        s_, "State.Get", ctx, req, resp,
        [store](const v1::GetStateRequest& r) { return store->GetState(r); });
  }
  grpc::ServerUnaryReactor* Put(grpc::CallbackServerContext* ctx,
                                const v1::PutStateRequest* req,
                                v1::PutStateResponse* resp) override {
    Store* store = s_->store();
    return RunQuery(
        s_, "State.Put", ctx, req, resp,
        [store](const v1::PutStateRequest& r) { return store->PutState(r); });
  }
  grpc::ServerUnaryReactor* List(grpc::CallbackServerContext* ctx,
                                 const v1::ListStateRequest* req,
                                 v1::ListStateResponse* resp) override {
    Store* store = s_->store();
    return RunQuery(
        s_, "State.List", ctx, req, resp,
        [store](const v1::ListStateRequest& r) { return store->ListState(r); });
  }

 private:
  CollectorServices* s_;
};

CollectorServices::CollectorServices(Store* store, CollectorMetrics* metrics,
                                     Clock* clock, ServiceOptions options)
    : store_(store),
      metrics_(metrics),
      clock_(clock),
      options_(std::move(options)),
      ref_tables_(std::make_unique<RefTables>([this] {
        RefTablesOptions refs = options_.refs;
        refs.max_points = options_.limits.max_stacks;
        refs.max_name_bytes = options_.limits.max_name_bytes;
        return refs;
      }())),
      push_pool_(std::make_unique<ThreadPool>(options_.push_threads)),
      query_pool_(std::make_unique<ThreadPool>(options_.query_threads)),
      collector_(std::make_unique<CollectorImpl>(this)),
      query_(std::make_unique<QueryImpl>(this)),
      state_(std::make_unique<StateImpl>(this)) {}

CollectorServices::~CollectorServices() {
  // Drain the pools before the services they call into go away.
  push_pool_.reset();
  query_pool_.reset();
}

namespace {

absl::StatusOr<std::string> ReadFile(const std::string& flag,
                                     const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": cannot read ", path));
  }
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

}  // namespace

absl::StatusOr<RunningGrpcServer> StartGrpcServer(
    const GrpcServerOptions& options, CollectorServices* services) {
  std::string address = options.address;
  if (absl::StartsWith(address, ":")) address = "0.0.0.0" + address;
  std::shared_ptr<grpc::ServerCredentials> creds;
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "tls: --tls-cert and --tls-key go together");
  }
  if (!options.tls_cert_file.empty()) {
    absl::StatusOr<std::string> cert =
        ReadFile("--tls-cert", options.tls_cert_file);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key =
        ReadFile("--tls-key", options.tls_key_file);
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    if (!options.tls_client_ca_file.empty()) {
      absl::StatusOr<std::string> ca =
          ReadFile("--tls-client-ca", options.tls_client_ca_file);
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *ca;
      ssl.client_certificate_request =
          GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    creds = grpc::SslServerCredentials(ssl);
  } else if (!options.tls_client_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "tls: --tls-client-ca needs --tls-cert and --tls-key");
  } else {
    creds = grpc::InsecureServerCredentials();
  }
  RunningGrpcServer out;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, creds, &out.port);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  // Series responses run to megabytes: write them in large frames.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_WRITE_BUFFER_SIZE, 8 << 20);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_FRAME_SIZE, 1 << 20);
  builder.RegisterService(services->collector_service());
  builder.RegisterService(services->query_service());
  builder.RegisterService(services->state_service());
  out.server = builder.BuildAndStart();
  if (out.server == nullptr || out.port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for gRPC on ", options.address));
  }
  return out;
}

grpc::Service* CollectorServices::collector_service() {
  return collector_.get();
}
grpc::Service* CollectorServices::query_service() { return query_.get(); }
grpc::Service* CollectorServices::state_service() { return state_.get(); }

}  // namespace leakprof::collector
