// Copyright 2026 The leakprof Authors.
//
// Agent: wires the parts of leakprof-agent together. One thread per target
// runs its TargetScraper on its own interval (a failing or hanging target
// delays no other); every snapshot goes to one Sender (in-memory queue,
// on-disk Spool, Pusher with the stack dictionary, gRPC transport); the
// AdminServer serves /metrics and /healthz.
//
//   auto agent = Agent::Start(std::move(options), std::move(transport),
//                             http::NewKeepAliveFetcher());
//   ... WaitForTerminationSignal() ...
//   (*agent)->Stop();
//
// Thread safety: Start and Stop from one thread; the accessors are
// thread-safe.

#ifndef LEAKPROF_AGENT_AGENT_H_
#define LEAKPROF_AGENT_AGENT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "agent/agent_metrics.h"
#include "agent/definitions.h"
#include "agent/pusher.h"
#include "agent/scraper.h"
#include "agent/sender.h"
#include "agent/spool.h"
#include "common/http/fetcher.h"
#include "common/server/admin_server.h"

namespace leakprof {
namespace agent {

struct AgentOptions {
  // At least one; service and instance set, url ending in "/".
  std::vector<TargetConfig> targets;
  ScrapeOptions scrape;
  SpoolOptions spool;
  SenderOptions sender;
  PusherOptions pusher;
  // /metrics and /healthz; "" serves none.
  std::string http_addr = ":7073";
};

class Agent {
 public:
  // Opens the spool, starts the admin server, the sender and one thread per
  // target. Errors: kInvalidArgument (no targets, bad address), the spool's
  // and the admin server's.
  static absl::StatusOr<std::unique_ptr<Agent>> Start(
      AgentOptions options, std::unique_ptr<PushTransport> transport,
      std::unique_ptr<http::Fetcher> fetcher);

  ~Agent();  // Stop()s.
  // Stops scraping (the cycle in flight finishes, bounded by the fetch
  // timeout), then the sender (queued snapshots go to the spool), then the
  // admin server. Idempotent.
  void Stop();

  int http_port() const { return admin_ ? admin_->port() : 0; }
  AgentMetrics& metrics() { return metrics_; }
  Sender& sender() { return *sender_; }
  Spool& spool() { return *spool_; }
  const Pusher& pusher() const { return *pusher_; }
  // Scrape cycles run so far, over all targets.
  int64_t cycles() const { return cycles_.load(); }

 private:
  Agent() = default;
  void RunTarget(TargetScraper* scraper);

  AgentOptions options_;
  AgentMetrics metrics_;
  DefinitionStore store_;
  std::unique_ptr<PushTransport> transport_;
  std::unique_ptr<http::Fetcher> fetcher_;
  std::unique_ptr<Spool> spool_;
  std::unique_ptr<Pusher> pusher_;
  std::unique_ptr<Sender> sender_;
  std::vector<std::unique_ptr<TargetScraper>> scrapers_;
  std::vector<std::thread> threads_;
  std::unique_ptr<AdminServer> admin_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ = false;
  std::atomic<int64_t> cycles_{0};
};

}  // namespace agent
}  // namespace leakprof

#endif  // LEAKPROF_AGENT_AGENT_H_
