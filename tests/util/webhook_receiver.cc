// Copyright 2026 The leakprof Authors.

#include "tests/util/webhook_receiver.h"

#include "absl/strings/str_cat.h"

namespace leakprof {
namespace testutil {

WebhookReceiver::WebhookReceiver() {
  server_.Post(
      "/hook", [this](const httplib::Request& req, httplib::Response& res) {
        absl::MutexLock lock(&mu_);
        events_.push_back(nlohmann::json::parse(req.body, nullptr, false));
        res.status = 200;
      });
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
}

WebhookReceiver::~WebhookReceiver() {
  server_.stop();
  thread_.join();
}

std::string WebhookReceiver::url() const {
  return absl::StrCat("http://127.0.0.1:", port_, "/hook");
}

std::vector<nlohmann::json> WebhookReceiver::events() const {
  absl::MutexLock lock(&mu_);
  return events_;
}

}  // namespace testutil
}  // namespace leakprof
