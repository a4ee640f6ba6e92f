// Copyright 2026 The leakprof Authors.

#include "ctl/top_command.h"

#include <sstream>

#include "absl/strings/match.h"
#include "common/http/fetcher.h"
#include "common/server/admin_server.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace leakprof {
namespace ctl {
namespace {

constexpr char kDoc[] = R"({"generated_at": 1800000000, "window_seconds": 21600,
 "suspects": [
  {"rank": 1, "service": "checkout", "site_id": "00ab00cd00ef0012",
   "class": "chan_send", "function": "main.handle.func1",
   "file": "/src/checkout/main.go", "line": 42, "score": 83.5,
   "suspect": true, "goroutines": 1234, "instances": 3,
   "instances_judged": 3, "instances_rising": 3, "growth_per_hour": 180.2,
   "est_bytes": 10108928, "evidence": [], "pattern": "premature_return",
   "hint": "buffer of 1", "stack": []},
  {"rank": 2, "service": "checkout", "site_id": "00ab00cd00ef0013",
   "class": "chan_receive", "function": "main.worker",
   "file": "/src/checkout/pool.go", "line": 7, "score": 0,
   "suspect": false, "goroutines": 400, "instances": 3,
   "instances_judged": 3, "instances_rising": 0, "growth_per_hour": 0,
   "est_bytes": 3276800, "evidence": [], "pattern": "range_unclosed",
   "hint": "close it", "stack": []}]})";

class TopCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AdminServerOptions o;
    o.handlers["/api/v1/suspects"] = [this](const HttpRequest& r) {
      last_service_ = r.params.count("service") ? r.params.at("service") : "";
      HttpResponse resp;
      resp.content_type = "application/json";
      resp.body = body_;
      return resp;
    };
    auto server = AdminServer::Start(std::move(o));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    options_.analyzer = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  std::string Run(absl::Status* status) {
    std::ostringstream out;
    *status = RunTopCommand(options_, *fetcher_, out);
    return out.str();
  }

  std::unique_ptr<AdminServer> server_;
  std::unique_ptr<http::Fetcher> fetcher_ = http::NewCurlFetcher();
  TopCommandOptions options_;
  std::string body_ = kDoc;
  std::string last_service_;
};

TEST_F(TopCommandTest, TableShowsSuspects) {
  absl::Status status;
  std::string out = Run(&status);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_TRUE(absl::StrContains(out, "1 suspects among 2 sites")) << out;
  EXPECT_TRUE(absl::StrContains(out, "main.handle.func1 (main.go:42)")) << out;
  EXPECT_TRUE(absl::StrContains(out, "180.2")) << out;
  EXPECT_TRUE(absl::StrContains(out, "3/3")) << out;
  EXPECT_TRUE(absl::StrContains(out, "9.6M")) << out;
  EXPECT_TRUE(absl::StrContains(out, "premature_return: buffer of 1")) << out;
  EXPECT_FALSE(absl::StrContains(out, "main.worker")) << out;
  options_.all = true;
  out = Run(&status);
  EXPECT_TRUE(absl::StrContains(out, "main.worker")) << out;
}

TEST_F(TopCommandTest, ServiceAndJson) {
  options_.service = "check out";
  options_.json = true;
  absl::Status status;
  std::string out = Run(&status);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(last_service_, "check out");
  auto doc = nlohmann::json::parse(out);
  EXPECT_EQ(doc["suspects"].size(), 2u);
}

TEST_F(TopCommandTest, Errors) {
  body_ = "<html>oops</html>";
  absl::Status status;
  Run(&status);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  options_.analyzer = "http://127.0.0.1:1";
  Run(&status);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ctl
}  // namespace leakprof
