// Copyright 2026 The leakprof Authors.
//
// BadTarget: a real HTTP server on 127.0.0.1 (cpp-httplib, threads in the
// test) serving pprof roots that misbehave, one per path prefix:
//   /hang/debug/pprof/    never answers (until Stop)
//   /404/debug/pprof/     404 for everything
//   /500/debug/pprof/     500 for everything
//   /garbage/debug/pprof/ an HTML page
//   /bomb/debug/pprof/    a gzip bomb: 150 KB expanding to 150 MiB
//   /huge/debug/pprof/    a 5 MiB body
//
// Thread safety: Start/Stop from one thread.

#ifndef LEAKPROF_AGENT_TESTING_BAD_TARGET_H_
#define LEAKPROF_AGENT_TESTING_BAD_TARGET_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"

namespace httplib {
class Server;
}

namespace leakprof {
namespace agent {
namespace testing {

class BadTarget {
 public:
  BadTarget();
  ~BadTarget();
  absl::Status Start();
  void Stop();
  // "http://127.0.0.1:PORT/<kind>/debug/pprof/"
  std::string Root(const std::string& kind) const;

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::string bomb_;
  int port_ = 0;
};

}  // namespace testing
}  // namespace agent
}  // namespace leakprof

#endif  // LEAKPROF_AGENT_TESTING_BAD_TARGET_H_
