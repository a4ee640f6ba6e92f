#include "common/server/admin_server.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/http/fetcher.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace leakprof {
namespace {

using ::testing::HasSubstr;

TEST(ParseListenAddressTest, Forms) {
  auto a = ParseListenAddress(":7071");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->first, "0.0.0.0");
  EXPECT_EQ(a->second, 7071);
  auto b = ParseListenAddress("127.0.0.1:0");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->first, "127.0.0.1");
  auto c = ParseListenAddress("[::1]:80");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->first, "::1");
  EXPECT_EQ(c->second, 80);
  EXPECT_EQ(ParseListenAddress("7071").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseListenAddress("host:99999").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseListenAddress("[::1]80").status().code(),
            absl::StatusCode::kInvalidArgument);
}

class AdminServerTest : public ::testing::Test {
 protected:
  std::string Url(const AdminServer& s, absl::string_view path) {
    return absl::StrCat("http://127.0.0.1:", s.port(), path);
  }
  std::unique_ptr<http::Fetcher> fetcher_ = http::NewCurlFetcher();
};

TEST_F(AdminServerTest, ServesMetricsHealthAndHandlers) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto& family = prometheus::BuildCounter()
                     .Name("leakprof_test_events_total")
                     .Help("Events.")
                     .Register(*registry);
  family.Add({{"result", "ok"}}).Increment(3);

  bool healthy = true;
  AdminServerOptions options;
  options.registry = registry;
  options.health = [&healthy] {
    return healthy ? absl::OkStatus() : absl::UnavailableError("not ready");
  };
  options.handlers["/api/hello"] = [](const HttpRequest& req) {
    HttpResponse res;
    res.content_type = "application/json";
    res.body = absl::StrCat(
        "{\"name\":\"", req.params.count("name") ? req.params.at("name") : "",
        "\"}");
    return res;
  };
  options.prefix_handlers["/site/"] = [](const HttpRequest& req) {
    HttpResponse res;
    res.body = req.path;
    return res;
  };
  auto server = AdminServer::Start(std::move(options));
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_GT((*server)->port(), 0);

  auto metrics = fetcher_->Get(Url(**server, "/metrics"), {});
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_THAT(metrics->body,
              HasSubstr("leakprof_test_events_total{result=\"ok\"} 3"));

  auto health = fetcher_->Get(Url(**server, "/healthz"), {});
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->body, "ok\n");
  healthy = false;
  EXPECT_EQ(fetcher_->Get(Url(**server, "/healthz"), {}).status().code(),
            absl::StatusCode::kUnavailable);

  auto hello = fetcher_->Get(Url(**server, "/api/hello?name=x%3Cy"), {});
  ASSERT_TRUE(hello.ok());
  EXPECT_EQ(hello->body, "{\"name\":\"x<y\"}");
  EXPECT_EQ(hello->content_type, "application/json");

  auto site = fetcher_->Get(Url(**server, "/site/abc"), {});
  ASSERT_TRUE(site.ok());
  EXPECT_EQ(site->body, "/site/abc");

  EXPECT_EQ(fetcher_->Get(Url(**server, "/nope"), {}).status().code(),
            absl::StatusCode::kNotFound);
  (*server)->Stop();
  (*server)->Stop();  // idempotent
}

TEST_F(AdminServerTest, BeforeMetricsRunsBeforeEachRender) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto& counter = prometheus::BuildCounter()
                      .Name("leakprof_test_flushed_total")
                      .Help("Applied before each render.")
                      .Register(*registry)
                      .Add({});
  AdminServerOptions options;
  options.registry = registry;
  options.before_metrics = [&counter] { counter.Increment(); };
  auto server = AdminServer::Start(std::move(options));
  ASSERT_TRUE(server.ok()) << server.status();
  for (const char* want :
       {"leakprof_test_flushed_total 1", "leakprof_test_flushed_total 2"}) {
    auto metrics = fetcher_->Get(Url(**server, "/metrics"), {});
    ASSERT_TRUE(metrics.ok()) << metrics.status();
    EXPECT_THAT(metrics->body, HasSubstr(want));
  }
  (*server)->Stop();
}

TEST_F(AdminServerTest, PortInUseIsUnavailable) {
  auto first = AdminServer::Start({});
  ASSERT_TRUE(first.ok());
  AdminServerOptions options;
  options.address = absl::StrCat("127.0.0.1:", (*first)->port());
  EXPECT_EQ(AdminServer::Start(std::move(options)).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace leakprof
