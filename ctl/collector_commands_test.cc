// Copyright 2026 The leakprof Authors.
//
// leakprofctl services/sites/series against a real collector (store and
// gRPC services) on loopback.
#include "ctl/collector_commands.h"

#include <cstdlib>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "collector/collector_service.h"
#include "collector/testing/snapshots.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "prometheus/registry.h"

namespace leakprof {
namespace ctl {
namespace {

namespace v1 = ::leakprof::v1;
using collector::testing::AddDefinitions;
using collector::testing::MakeSnapshot;
using collector::testing::SiteOf;
using ::testing::HasSubstr;

class CollectorCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    collector::StoreOptions store_options;
    store_options.data_dir = absl::StrCat(
        std::getenv("TEST_TMPDIR"), "/",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    auto store = collector::Store::Open(store_options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    metrics_ = std::make_unique<collector::CollectorMetrics>(
        std::make_shared<prometheus::Registry>());
    services_ = std::make_unique<collector::CollectorServices>(
        store_.get(), metrics_.get(), &clock_, collector::ServiceOptions());
    auto server = collector::StartGrpcServer(collector::GrpcServerOptions(),
                                             services_.get());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    for (int pod = 0; pod < 2; ++pod) {
      for (int i = 0; i < 3; ++i) {
        v1::Snapshot s =
            MakeSnapshot("checkout", absl::StrCat("pod-", pod),
                         now - 600 + 60 * i, i + 1, {{1, 10 * (pod + 1) + i}});
        AddDefinitions(&s, {1});
        auto r = store_->Push(s);
        ASSERT_TRUE(r.ok() && r->stored) << r.status();
      }
    }
    options_.collector = absl::StrCat("127.0.0.1:", server_.port);
    stub_ = NewQueryStub(options_.collector);
  }
  void TearDown() override {
    server_.server->Shutdown();
    services_.reset();
  }

  collector::RealClock clock_;
  std::unique_ptr<collector::Store> store_;
  std::unique_ptr<collector::CollectorMetrics> metrics_;
  std::unique_ptr<collector::CollectorServices> services_;
  collector::RunningGrpcServer server_;
  CollectorCommandOptions options_;
  std::unique_ptr<v1::Query::StubInterface> stub_;
};

TEST_F(CollectorCommandsTest, ServicesTable) {
  std::ostringstream out;
  ASSERT_TRUE(RunServicesCommand(options_, *stub_, out).ok());
  EXPECT_THAT(out.str(), HasSubstr("SERVICE"));
  EXPECT_THAT(out.str(), HasSubstr("checkout"));
  EXPECT_THAT(out.str(), HasSubstr("         2          34"));  // 12 + 22
}

TEST_F(CollectorCommandsTest, SitesTableAndJson) {
  std::ostringstream out;
  ASSERT_TRUE(RunSitesCommand(options_, "checkout", *stub_, out).ok());
  EXPECT_THAT(out.str(),
              HasSubstr(absl::StrCat(absl::Hex(SiteOf(1), absl::kZeroPad16))));
  EXPECT_THAT(out.str(), HasSubstr("chan_receive"));
  EXPECT_THAT(out.str(), HasSubstr("pkg.f1  f.go:1"));
  options_.json = true;
  std::ostringstream json;
  ASSERT_TRUE(RunSitesCommand(options_, "checkout", *stub_, json).ok());
  auto parsed = nlohmann::json::parse(json.str());
  EXPECT_EQ(parsed["sites"][0]["goroutines"], "34");  // int64 as a string
  std::ostringstream missing;
  EXPECT_EQ(RunSitesCommand(options_, "nope", *stub_, missing).code(),
            absl::StatusCode::kNotFound);
}

TEST_F(CollectorCommandsTest, SeriesTable) {
  std::ostringstream out;
  ASSERT_TRUE(
      RunSeriesCommand(options_, "checkout", SiteOf(1), *stub_, out).ok());
  EXPECT_THAT(out.str(), HasSubstr("FLEET"));
  EXPECT_THAT(out.str(), HasSubstr("pod-0"));
  EXPECT_THAT(out.str(), HasSubstr("      34         12         22"));
}

TEST(ParseSiteIdTest, HexWithOrWithoutPrefix) {
  EXPECT_EQ(*ParseSiteId("00000000000000ff"), 255u);
  EXPECT_EQ(*ParseSiteId("0xff"), 255u);
  EXPECT_EQ(ParseSiteId("xyz").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSiteId("11112222333344445").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ctl
}  // namespace leakprof
