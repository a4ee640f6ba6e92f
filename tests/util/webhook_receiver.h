// Copyright 2026 The leakprof Authors.
//
// WebhookReceiver: a real HTTP server on 127.0.0.1 (a free port) that keeps
// every JSON body POSTed to /hook, for tests of the analyzer's ticket
// webhook. A body that is not JSON is kept as a discarded json value.
//
// Thread safety: url() and events() may be called while requests arrive.

#ifndef LEAKPROF_TESTS_UTIL_WEBHOOK_RECEIVER_H_
#define LEAKPROF_TESTS_UTIL_WEBHOOK_RECEIVER_H_

#include <httplib.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"

namespace leakprof {
namespace testutil {

class WebhookReceiver {
 public:
  // Starts serving at once; stops on destruction.
  WebhookReceiver();
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  // "http://127.0.0.1:PORT/hook".
  std::string url() const;
  // The bodies received so far, in arrival order.
  std::vector<nlohmann::json> events() const;

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::vector<nlohmann::json> events_ ABSL_GUARDED_BY(mu_);
};

}  // namespace testutil
}  // namespace leakprof

#endif  // LEAKPROF_TESTS_UTIL_WEBHOOK_RECEIVER_H_
