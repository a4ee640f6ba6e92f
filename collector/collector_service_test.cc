// The collector's gRPC services over loopback with a real RocksDB store.
#include "collector/collector_service.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "collector/testing/snapshots.h"
#include "common/server/admin_server.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"

namespace leakprof::collector {
namespace {

namespace v1 = ::leakprof::v1;
using testing::AddDefinitions;
using ::testing::HasSubstr;
using testing::MakeSnapshot;
using testing::SiteOf;

class ServiceTest : public ::testing::Test {
 protected:
  void Start(ServiceOptions options, int max_message_bytes = 4 << 20) {
    StoreOptions store_options;
    store_options.data_dir = absl::StrCat(
        std::getenv("TEST_TMPDIR"), "/",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    auto store = Store::Open(store_options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    registry_ = std::make_shared<prometheus::Registry>();
    metrics_ = std::make_unique<CollectorMetrics>(registry_);
    StartServices(options, max_message_bytes);
  }

  // New services (fresh ref tables, metrics) and server over the same
  // store: the collector restarted.
  void Restart(ServiceOptions options) {
    server_.server->Shutdown();
    server_.server->Wait();
    services_.reset();
    registry_ = std::make_shared<prometheus::Registry>();
    metrics_ = std::make_unique<CollectorMetrics>(registry_);
    StartServices(options, 4 << 20);
  }

  void StartServices(ServiceOptions options, int max_message_bytes) {
    services_ = std::make_unique<CollectorServices>(
        store_.get(), metrics_.get(), &clock_, options);
    GrpcServerOptions grpc_options;
    grpc_options.max_message_bytes = max_message_bytes;
    auto server = StartGrpcServer(grpc_options, services_.get());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_.port),
                                       grpc::InsecureChannelCredentials());
    collector_ = v1::Collector::NewStub(channel);
    query_ = v1::Query::NewStub(channel);
    state_ = v1::State::NewStub(channel);
  }

  void TearDown() override {
    if (server_.server) server_.server->Shutdown();
    services_.reset();
  }

  std::unique_ptr<grpc::ClientContext> Context(const std::string& token = "") {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(60));
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  }

  grpc::Status Push(const v1::Snapshot& s, v1::PushResponse* response,
                    const std::string& token = "") {
    v1::PushRequest request;
    *request.mutable_snapshot() = s;
    return collector_->Push(Context(token).get(), request, response);
  }

  int64_t Now() { return absl::ToUnixSeconds(clock_.Now()); }

  RealClock clock_;
  std::unique_ptr<Store> store_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<CollectorMetrics> metrics_;
  std::unique_ptr<CollectorServices> services_;
  RunningGrpcServer server_;
  std::unique_ptr<v1::Collector::Stub> collector_;
  std::unique_ptr<v1::Query::Stub> query_;
  std::unique_ptr<v1::State::Stub> state_;
};

TEST_F(ServiceTest, PushQueryRoundTrip) {
  Start(ServiceOptions());
  const int64_t t = Now() - 600;
  for (int i = 0; i < 5; ++i) {
    v1::Snapshot s =
        MakeSnapshot("api", "pod-1", t + 60 * i, i + 1, {{1, 4 + i}, {2, 1}});
    if (i == 0) AddDefinitions(&s, {1, 2});
    v1::PushResponse r;
    grpc::Status st = Push(s, &r);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_TRUE(r.stored());
  }
  v1::ListServicesResponse services;
  ASSERT_TRUE(
      query_
          ->ListServices(Context().get(), v1::ListServicesRequest(), &services)
          .ok());
  ASSERT_EQ(services.services_size(), 1);
  EXPECT_EQ(services.services(0).goroutines(), 8 + 1);

  v1::ListSitesRequest sreq;
  sreq.set_service("api");
  v1::ListSitesResponse sites;
  ASSERT_TRUE(query_->ListSites(Context().get(), sreq, &sites).ok());
  ASSERT_EQ(sites.sites_size(), 2);
  EXPECT_EQ(sites.sites(0).site_id(), SiteOf(1));
  EXPECT_EQ(sites.sites(0).goroutines(), 8);
  EXPECT_EQ(sites.sites(0).site().function(), "pkg.f1");

  v1::GetSiteSeriesRequest greq;
  greq.set_service("api");
  greq.set_site_id(SiteOf(1));
  v1::GetSiteSeriesResponse series;
  ASSERT_TRUE(query_->GetSiteSeries(Context().get(), greq, &series).ok());
  ASSERT_EQ(series.instances_size(), 1);
  EXPECT_THAT(series.instances(0).counts(),
              ::testing::ElementsAre(4, 5, 6, 7, 8));
  EXPECT_THAT(series.fleet_counts(), ::testing::ElementsAre(4, 5, 6, 7, 8));

  v1::GetStackRequest stack_req;
  stack_req.set_stack_id(2);
  v1::GetStackResponse stack;
  ASSERT_TRUE(query_->GetStack(Context().get(), stack_req, &stack).ok());
  EXPECT_EQ(stack.stack().frames(0).function(), "pkg.f2");
  stack_req.set_stack_id(77);
  EXPECT_EQ(query_->GetStack(Context().get(), stack_req, &stack).error_code(),
            grpc::StatusCode::NOT_FOUND);

  v1::ListInstancesRequest ireq;
  ireq.set_service("api");
  v1::ListInstancesResponse insts;
  ASSERT_TRUE(query_->ListInstances(Context().get(), ireq, &insts).ok());
  ASSERT_EQ(insts.instances_size(), 1);
  EXPECT_EQ(insts.instances(0).goroutines(), 9);

  v1::PutStateRequest put;
  put.set_key("k");
  put.set_value("v");
  v1::PutStateResponse put_resp;
  ASSERT_TRUE(state_->Put(Context().get(), put, &put_resp).ok());
  EXPECT_EQ(put_resp.version(), 1u);
  EXPECT_EQ(state_->Put(Context().get(), put, &put_resp).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  v1::GetStateRequest get;
  get.set_key("k");
  v1::GetStateResponse got;
  ASSERT_TRUE(state_->Get(Context().get(), get, &got).ok());
  EXPECT_EQ(got.value(), "v");

  const std::string text = SerializeMetrics(*registry_);
  EXPECT_THAT(text,
              HasSubstr("leakprof_collector_pushes_total{result=\"ok\"} 5"));
  EXPECT_THAT(text, HasSubstr("leakprof_collector_points_written_total 10"));
  EXPECT_THAT(text, HasSubstr("leakprof_collector_queries_total{method="
                              "\"GetStack\",result=\"not_found\"} 1"));
}

TEST_F(ServiceTest, UnknownIdsThenDefinitions) {
  Start(ServiceOptions());
  v1::Snapshot s =
      MakeSnapshot("api", "pod-1", Now() - 60, 1, {{5, 1}, {6, 2}});
  v1::PushResponse r;
  ASSERT_TRUE(Push(s, &r).ok());
  EXPECT_FALSE(r.stored());
  EXPECT_THAT(r.unknown_stack_ids(), ::testing::ElementsAre(5, 6));
  AddDefinitions(&s, {5, 6});
  ASSERT_TRUE(Push(s, &r).ok());
  EXPECT_TRUE(r.stored());
  EXPECT_EQ(r.unknown_stack_ids_size(), 0);
  // The retry of a stored snapshot is a duplicate.
  ASSERT_TRUE(Push(s, &r).ok());
  EXPECT_TRUE(r.duplicate());
  EXPECT_FALSE(r.stored());
  EXPECT_THAT(
      SerializeMetrics(*registry_),
      HasSubstr("leakprof_collector_pushes_total{result=\"duplicate\"} 1"));
}

// Turns `s`'s stack_ids into delta-coded refs of `session` (the ids must be
// bound to refs equal to their position in `table`, 1-based).
void UseRefs(v1::Snapshot* s, uint64_t session,
             const std::vector<uint64_t>& table) {
  s->set_ref_session(session);
  uint32_t prev = 0;
  for (uint64_t id : s->stack_ids()) {
    const auto it = std::find(table.begin(), table.end(), id);
    const uint32_t ref = static_cast<uint32_t>(it - table.begin()) + 1;
    s->add_stack_refs(ref - prev);
    prev = ref;
  }
  s->clear_stack_ids();
}

void Bind(v1::Snapshot* s, uint32_t first, const std::vector<uint64_t>& ids) {
  s->set_bind_first_ref(first);
  s->clear_bind_stack_ids();
  for (uint64_t id : ids) s->add_bind_stack_ids(id);
}

TEST_F(ServiceTest, StackRefsAcrossARestart) {
  Start(ServiceOptions());
  const int64_t t = Now() - 600;
  const uint64_t kSession = 0x5eed;
  auto series = [&](uint64_t stack) {
    v1::GetSiteSeriesRequest req;
    req.set_service("api");
    req.set_site_id(SiteOf(stack));
    v1::GetSiteSeriesResponse resp;
    grpc::Status st = query_->GetSiteSeries(Context().get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    std::vector<int64_t> counts;
    if (resp.instances_size() == 1) {
      counts.assign(resp.instances(0).counts().begin(),
                    resp.instances(0).counts().end());
    }
    return counts;
  };

  // Bindings + refs (+ definitions): stored.
  v1::Snapshot s1 = MakeSnapshot("api", "pod-1", t, 1, {{1, 4}, {2, 1}});
  AddDefinitions(&s1, {1, 2});
  UseRefs(&s1, kSession, {1, 2});
  Bind(&s1, 1, {1, 2});
  v1::PushResponse r;
  grpc::Status st = Push(s1, &r);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_TRUE(r.stored());
  EXPECT_FALSE(r.refs_unknown());

  // Refs only: stored, the points are the ids the refs stand for.
  v1::Snapshot s2 = MakeSnapshot("api", "pod-1", t + 60, 2, {{2, 3}});
  UseRefs(&s2, kSession, {1, 2});
  EXPECT_EQ(s2.stack_refs(0), 2u);
  ASSERT_TRUE(Push(s2, &r).ok());
  EXPECT_TRUE(r.stored());
  EXPECT_FALSE(r.refs_unknown());
  EXPECT_THAT(series(1), ::testing::ElementsAre(4, 0));
  EXPECT_THAT(series(2), ::testing::ElementsAre(1, 3));
  std::string text = SerializeMetrics(*registry_);
  EXPECT_THAT(text, HasSubstr("leakprof_collector_ref_tables 1"));
  EXPECT_THAT(text, HasSubstr("leakprof_collector_refs 2"));
  EXPECT_THAT(text, HasSubstr("leakprof_collector_ref_table_resets_total 0"));

  // A malformed ref: INVALID_ARGUMENT naming it.
  v1::Snapshot bad = MakeSnapshot("api", "pod-1", t + 90, 9, {{1, 1}, {2, 1}});
  UseRefs(&bad, kSession, {1, 2});
  bad.set_stack_refs(1, 0);
  st = Push(bad, &r);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("snapshot.stack_refs[1]: delta 0"));

  // The restarted collector does not know the session: refs_unknown,
  // nothing stored.
  Restart(ServiceOptions());
  v1::Snapshot s3 = MakeSnapshot("api", "pod-1", t + 120, 3, {{1, 6}, {2, 2}});
  UseRefs(&s3, kSession, {1, 2});
  ASSERT_TRUE(Push(s3, &r).ok());
  EXPECT_FALSE(r.stored());
  EXPECT_TRUE(r.refs_unknown());
  EXPECT_FALSE(r.duplicate());
  EXPECT_THAT(series(1), ::testing::ElementsAre(4, 0));
  EXPECT_THAT(
      SerializeMetrics(*registry_),
      HasSubstr("leakprof_collector_pushes_total{result=\"refs_unknown\"} 1"));

  // The same snapshot with the whole table: stored.
  Bind(&s3, 1, {1, 2});
  r.Clear();
  ASSERT_TRUE(Push(s3, &r).ok());
  EXPECT_TRUE(r.stored());
  EXPECT_FALSE(r.refs_unknown());
  EXPECT_THAT(series(1), ::testing::ElementsAre(4, 0, 6));

  // A retry carrying a new binding (ref 3 = stack 3) is a duplicate, and
  // the binding still applies: the next snapshot's ref 3 resolves.
  Bind(&s3, 3, {3});
  r.Clear();
  ASSERT_TRUE(Push(s3, &r).ok());
  EXPECT_TRUE(r.duplicate());
  EXPECT_FALSE(r.refs_unknown());
  v1::Snapshot s4 = MakeSnapshot("api", "pod-1", t + 180, 4, {{1, 7}, {3, 9}});
  AddDefinitions(&s4, {3});
  UseRefs(&s4, kSession, {1, 2, 3});
  r.Clear();
  ASSERT_TRUE(Push(s4, &r).ok());
  EXPECT_TRUE(r.stored());
  EXPECT_FALSE(r.refs_unknown());
  EXPECT_THAT(series(1), ::testing::ElementsAre(4, 0, 6, 7));
  EXPECT_THAT(series(3), ::testing::ElementsAre(0, 0, 0, 9));
  text = SerializeMetrics(*registry_);
  EXPECT_THAT(text, HasSubstr("leakprof_collector_refs 3"));
  EXPECT_THAT(text,
              HasSubstr("leakprof_collector_pushes_total{result=\"ok\"} 2"));
}

TEST_F(ServiceTest, RefTableBoundsThroughPush) {
  ServiceOptions options;
  options.refs.max_refs_per_instance = 2;
  options.refs.max_ref_memory_bytes = 8 * 3;
  Start(options);
  const int64_t t = Now() - 600;
  v1::Snapshot s = MakeSnapshot("api", "pod-1", t, 1, {{1, 1}});
  AddDefinitions(&s, {1, 2, 3});
  UseRefs(&s, 1, {1});
  Bind(&s, 1, {1, 2, 3});
  v1::PushResponse r;
  grpc::Status st = Push(s, &r);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(st.error_message(), HasSubstr("over the limit of 2 refs"));
  Bind(&s, 1, {1, 2});
  ASSERT_TRUE(Push(s, &r).ok());
  EXPECT_TRUE(r.stored());
  // A second instance's table passes 3 refs in all: every table dropped.
  v1::Snapshot other = MakeSnapshot("api", "pod-2", t, 1, {{1, 1}});
  UseRefs(&other, 1, {1});
  Bind(&other, 1, {1, 2});
  ASSERT_TRUE(Push(other, &r).ok());
  EXPECT_TRUE(r.stored());
  v1::Snapshot again = MakeSnapshot("api", "pod-1", t + 60, 2, {{1, 2}});
  UseRefs(&again, 1, {1});
  ASSERT_TRUE(Push(again, &r).ok());
  EXPECT_TRUE(r.refs_unknown());
  const std::string text = SerializeMetrics(*registry_);
  EXPECT_THAT(text, HasSubstr("leakprof_collector_ref_table_resets_total 1"));
  EXPECT_THAT(text, HasSubstr("leakprof_collector_ref_tables 1"));
}

TEST_F(ServiceTest, ValidationErrorsNameTheField) {
  ServiceOptions options;
  options.limits.max_stacks = 3;
  Start(options, 64 << 10);
  v1::Snapshot s =
      MakeSnapshot("api", "pod-1", Now() - 60, 1, {{1, 1}, {2, -3}});
  AddDefinitions(&s, {1, 2});
  s.set_total_goroutines(1);
  v1::PushResponse r;
  grpc::Status st = Push(s, &r);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("snapshot.counts[1]: negative"));

  v1::Snapshot many = MakeSnapshot("api", "pod-1", Now() - 60, 2,
                                   {{1, 1}, {2, 1}, {3, 1}, {4, 1}});
  st = Push(many, &r);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(st.error_message(), HasSubstr("snapshot.stack_ids"));

  v1::Snapshot big = MakeSnapshot("api", "pod-1", Now() - 60, 3, {{1, 1}});
  big.set_agent_version(std::string(100 << 10, 'x'));
  st = Push(big, &r);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  v1::ListServicesResponse services;
  ASSERT_TRUE(
      query_
          ->ListServices(Context().get(), v1::ListServicesRequest(), &services)
          .ok());
  EXPECT_EQ(services.services_size(), 0);
}

TEST_F(ServiceTest, BearerTokens) {
  ServiceOptions options;
  options.tokens = {"first-token", "second-token"};
  Start(options);
  v1::Snapshot s = MakeSnapshot("api", "pod-1", Now() - 60, 1, {{1, 1}});
  AddDefinitions(&s, {1});
  v1::PushResponse r;
  EXPECT_EQ(Push(s, &r).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Push(s, &r, "wrong-token").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  v1::ListServicesResponse services;
  EXPECT_EQ(
      query_
          ->ListServices(Context().get(), v1::ListServicesRequest(), &services)
          .error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_TRUE(query_
                  ->ListServices(Context("first-token").get(),
                                 v1::ListServicesRequest(), &services)
                  .ok());
  EXPECT_EQ(services.services_size(), 0);  // nothing stored
  ASSERT_TRUE(Push(s, &r, "second-token").ok());
  EXPECT_TRUE(r.stored());
  v1::GetStateRequest get;
  get.set_key("k");
  v1::GetStateResponse got;
  EXPECT_EQ(state_->Get(Context().get(), get, &got).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(
      SerializeMetrics(*registry_),
      HasSubstr(
          "leakprof_collector_pushes_total{result=\"unauthenticated\"} 2"));
}

TEST_F(ServiceTest, OverloadIsResourceExhausted) {
  ServiceOptions options;
  options.max_concurrent_pushes = 0;
  Start(options);
  v1::Snapshot s = MakeSnapshot("api", "pod-1", Now() - 60, 1, {{1, 1}});
  AddDefinitions(&s, {1});
  v1::PushResponse r;
  grpc::Status st = Push(s, &r);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(st.error_message(), HasSubstr("back off"));
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

// A CA, a server certificate for "localhost" and a client certificate, made
// with Debian's openssl command.
bool MakeCertificates(const std::string& dir) {
  const std::string script = absl::StrCat(
      "set -e; cd '", dir, "'; ",
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca "
      "-keyout ca.key -out ca.pem; ",
      "openssl req -newkey rsa:2048 -nodes -subj /CN=localhost "
      "-keyout server.key -out server.csr; ",
      "printf 'subjectAltName=DNS:localhost' > san.ext; ",
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key "
      "-CAcreateserial -days 2 -extfile san.ext -out server.pem; ",
      "openssl req -newkey rsa:2048 -nodes -subj /CN=agent "
      "-keyout client.key -out client.csr; ",
      "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key "
      "-CAcreateserial -days 2 -out client.pem");
  return std::system(("(" + script + ") >/dev/null 2>&1").c_str()) == 0;
}

TEST(TlsTest, MutualTlsAcceptsSignedClientsOnly) {
  const std::string dir = absl::StrCat(std::getenv("TEST_TMPDIR"), "/tls");
  ASSERT_EQ(std::system(("mkdir -p '" + dir + "'").c_str()), 0);
  if (!MakeCertificates(dir)) GTEST_SKIP() << "openssl not available";
  StoreOptions store_options;
  store_options.data_dir = dir + "/db";
  auto store = Store::Open(store_options);
  ASSERT_TRUE(store.ok()) << store.status();
  CollectorMetrics metrics(std::make_shared<prometheus::Registry>());
  RealClock clock;
  CollectorServices services(store->get(), &metrics, &clock, ServiceOptions());
  GrpcServerOptions options;
  options.tls_cert_file = dir + "/server.pem";
  options.tls_key_file = dir + "/server.key";
  options.tls_client_ca_file = dir + "/ca.pem";
  auto server = StartGrpcServer(options, &services);
  ASSERT_TRUE(server.ok()) << server.status();

  auto push = [&](bool with_client_cert) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadAll(dir + "/ca.pem");
    if (with_client_cert) {
      ssl.pem_private_key = ReadAll(dir + "/client.key");
      ssl.pem_cert_chain = ReadAll(dir + "/client.pem");
    }
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    auto stub = v1::Collector::NewStub(
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", server->port),
                                  grpc::SslCredentials(ssl), args));
    v1::PushRequest req;
    *req.mutable_snapshot() = MakeSnapshot(
        "api", "pod-1", absl::ToUnixSeconds(absl::Now()) - 60, 1, {{1, 1}});
    AddDefinitions(req.mutable_snapshot(), {1});
    v1::PushResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(30));
    return stub->Push(&ctx, req, &resp);
  };
  EXPECT_NE(push(false).error_code(), grpc::StatusCode::OK);
  grpc::Status ok = push(true);
  EXPECT_TRUE(ok.ok()) << ok.error_message();
  server->server->Shutdown();

  GrpcServerOptions half;
  half.tls_cert_file = dir + "/server.pem";
  EXPECT_EQ(StartGrpcServer(half, &services).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(TokenFileTest, ReadsTokensSkipsCommentsAndBlanks) {
  const std::string path = absl::StrCat(std::getenv("TEST_TMPDIR"), "/tokens");
  FILE* f = fopen(path.c_str(), "w");
  fputs("# agents\n  abc  \n\ndef\n", f);
  fclose(f);
  auto tokens = ReadTokenFile(path);
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  EXPECT_THAT(*tokens, ::testing::ElementsAre("abc", "def"));
  EXPECT_EQ(ReadTokenFile(path + ".missing").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace leakprof::collector
