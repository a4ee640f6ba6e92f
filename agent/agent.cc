// Copyright 2026 The leakprof Authors.

#include "agent/agent.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "agent/log.h"

namespace leakprof {
namespace agent {

absl::StatusOr<std::unique_ptr<Agent>> Agent::Start(
    AgentOptions options, std::unique_ptr<PushTransport> transport,
    std::unique_ptr<http::Fetcher> fetcher) {
  if (options.targets.empty()) {
    return absl::InvalidArgumentError("no targets to scrape");
  }
  std::unique_ptr<Agent> a(new Agent());
  a->options_ = std::move(options);
  a->transport_ = std::move(transport);
  a->fetcher_ = std::move(fetcher);
  absl::StatusOr<std::unique_ptr<Spool>> spool = Spool::Open(a->options_.spool);
  if (!spool.ok()) return spool.status();
  a->spool_ = *std::move(spool);
  if (a->spool_->entries() > 0) {
    Log(absl::StrCat("spool ", a->spool_->dir(), " holds ",
                     a->spool_->entries(),
                     " snapshot(s) from before: ", "delivering them first"));
  }

  if (!a->options_.http_addr.empty()) {
    AdminServerOptions admin;
    admin.address = a->options_.http_addr;
    admin.registry = a->metrics_.registry();
    AgentMetrics* m = &a->metrics_;
    admin.before_metrics = [m] { m->Flush(); };
    absl::StatusOr<std::unique_ptr<AdminServer>> server =
        AdminServer::Start(std::move(admin));
    if (!server.ok()) return server.status();
    a->admin_ = *std::move(server);
  }

  AgentMetrics* metrics = &a->metrics_;
  a->pusher_ = std::make_unique<Pusher>(
      a->transport_.get(), &a->store_, a->options_.pusher,
      [metrics](absl::string_view result, absl::Duration d) {
        metrics->Push(result, d);
      });
  a->sender_ = std::make_unique<Sender>(
      a->pusher_.get(), a->spool_.get(), &a->store_, a->options_.sender,
      [metrics](int64_t entries, int64_t bytes, int64_t dropped) {
        metrics->Spool(entries, bytes, dropped);
      });
  metrics->Spool(a->spool_->entries(), a->spool_->bytes(), 0);
  a->sender_->Start();

  Spool* sp = a->spool_.get();
  for (const TargetConfig& t : a->options_.targets) {
    const std::string key = absl::StrCat(t.service, "/", t.instance);
    a->scrapers_.push_back(std::make_unique<TargetScraper>(
        t, a->options_.scrape, a->fetcher_.get(), &a->store_, metrics,
        [sp, key] { return sp->NextSequence(key); }));
  }
  for (auto& s : a->scrapers_) {
    TargetScraper* scraper = s.get();
    Agent* self = a.get();
    a->threads_.emplace_back([self, scraper] { self->RunTarget(scraper); });
    Log(absl::StrCat("watching ", scraper->target().service, "/",
                     scraper->target().instance, " at ",
                     scraper->target().url));
  }
  return a;
}

Agent::~Agent() { Stop(); }

void Agent::Stop() {
  if (stopped_) return;
  stopped_ = true;
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  for (std::thread& t : threads_) t.join();
  if (sender_) sender_->Stop();
  if (admin_) admin_->Stop();
}

void Agent::RunTarget(TargetScraper* scraper) {
  const TargetConfig& t = scraper->target();
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
    }
    TargetScraper::Cycle cycle = scraper->RunOnce();
    cycles_.fetch_add(1);
    for (v1::Snapshot& s : cycle.snapshots) {
      const absl::Duration cpu_start = ThreadCpuNow();
      metrics_.SnapshotBytes(t.service, t.instance,
                             static_cast<int64_t>(s.ByteSizeLong()));
      sender_->Send(std::move(s));
      metrics_.CycleCpu("push", ThreadCpuNow() - cpu_start);
    }
    absl::MutexLock lock(&mu_);
    auto stopping = [this]()
                        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
    mu_.AwaitWithTimeout(absl::Condition(&stopping), cycle.next_interval);
    if (stop_) return;
  }
}

}  // namespace agent
}  // namespace leakprof
