// Copyright 2026 The leakprof Authors.
//
// Alerting on a ranked Report: one Alertmanager alert per suspect site
// (API v2, re-sent every round while it holds, resolved with endsAt when it
// stops) and one ticket per site through a JSON webhook (open once, update
// when the count doubles, resolve after the site stayed quiet, re-open only
// on a regression after resolution).
//
// Alert and ticket state of each site lives in a StateStore (the
// collector's State service), written with compare-and-set before a ticket
// event is sent: a restarted analyzer re-sends an event still marked
// pending (the receiver dedupes on `event_id`) and never opens a ticket it
// already opened. docs/analyzer.md describes the payloads.
//
// Thread safety: Process() from one thread at a time; View() from any.

#ifndef LEAKPROF_ANALYZER_ALERTS_H_
#define LEAKPROF_ANALYZER_ALERTS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "analyzer/analyzer.h"
#include "analyzer/fleet_source.h"

namespace leakprof {
namespace analyzer {

// HTTP POST behind an interface (tests count, fail and inspect calls).
class HttpPoster {
 public:
  virtual ~HttpPoster() = default;
  // POSTs `body` to `url` ("http://host:port/path"). OK only for a 2xx
  // answer; kUnavailable when unreachable or 5xx, kInvalidArgument for a
  // bad URL, kFailedPrecondition for another status.
  virtual absl::Status Post(const std::string& url, const std::string& body,
                            const std::string& content_type) = 0;
};

// cpp-httplib client; `timeout` bounds connect, write and read each.
std::unique_ptr<HttpPoster> NewHttpPoster(absl::Duration timeout);

struct AlerterOptions {
  // "http://host:port" of Alertmanager (the API path is appended); "" sends
  // no alerts.
  std::string alertmanager_url;
  // Full URL the ticket events are POSTed to; "" files no tickets.
  std::string ticket_webhook_url;
  // Base URL of the web page: a site's link is base + "/#/site/<service>/
  // <site_id>" (the page's route). "" leaves the link out.
  std::string link_base;
  // The evaluation interval: firing alerts carry endsAt = now + 4 x this, so
  // Alertmanager resolves them itself if the analyzer stops.
  absl::Duration interval = absl::Minutes(5);
  // A ticket is resolved once its site has not been suspect for this long.
  absl::Duration ticket_resolve_after = absl::Hours(1);
  // An open ticket gets an "update" when the site's goroutines reach this
  // multiple of the count last reported.
  double update_growth_factor = 2.0;
  // Delivery attempts per event per round, with `retry_backoff` between
  // them (doubling). Undelivered events stay pending and are retried on the
  // next round.
  int attempts = 3;
  absl::Duration retry_backoff = absl::Milliseconds(500);
  // Prefix of the StateStore keys ("<prefix><service>/<site_id>").
  std::string state_prefix = "analyzer/v1/site/";
};

// What /api/v1/site shows about a site's alert and ticket.
struct AlertView {
  std::string state = "none";  // "none", "firing", "resolved"
  int64_t since = 0;
  std::string ticket = "none";  // "none", "open", "resolved"
};

// Delivery counts, for leakprof_analyzer_alerts_sent_total.
using DeliveryCallback =
    std::function<void(const std::string& sink, const std::string& result)>;

class Alerter {
 public:
  // `poster` and `store` must outlive the Alerter.
  Alerter(AlerterOptions options, HttpPoster* poster, StateStore* store,
          std::function<absl::Time()> now = nullptr,
          DeliveryCallback on_delivery = nullptr);

  // Reads every site's state from the store (call once before Process).
  absl::Status Load() ABSL_LOCKS_EXCLUDED(mu_);

  // Sends what the report calls for. Returns the first delivery or state
  // error; the rest of the work is still done.
  absl::Status Process(const Report& report) ABSL_LOCKS_EXCLUDED(mu_);

  AlertView View(const std::string& service, uint64_t site_id) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // The Alertmanager labels and annotations of a site (public for tests).
  static std::map<std::string, std::string> Labels(const SiteReport& site);
  std::map<std::string, std::string> Annotations(const SiteReport& site) const;

 private:
  struct SiteState {
    std::string service;
    uint64_t site_id = 0;
    std::string alert = "none";
    int64_t alert_since = 0;
    std::string ticket = "none";
    int64_t ticket_since = 0;
    int64_t last_suspect = 0;
    int64_t reported_goroutines = 0;
    int64_t event_seq = 0;
    std::string pending;       // "", "open", "update", "resolve"
    std::string pending_body;  // the event JSON being delivered
    std::map<std::string, std::string> labels;  // of the firing alert
    uint64_t version = 0;  // in the store; 0: not stored yet
  };
  static std::string Encode(const SiteState& s);
  static absl::StatusOr<SiteState> Decode(const std::string& value);
  std::string Key(const std::string& service, uint64_t site_id) const;
  absl::Status Save(SiteState* state);
  absl::Status Deliver(const std::string& sink, const std::string& url,
                       const std::string& body);
  std::string TicketEvent(const SiteState& state, const std::string& event,
                          const SiteReport* site, int64_t now_s) const;
  std::string Link(const std::string& service, uint64_t site_id) const;

  const AlerterOptions options_;
  HttpPoster* const poster_;
  StateStore* const store_;
  const std::function<absl::Time()> now_;
  const DeliveryCallback on_delivery_;

  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, uint64_t>, SiteState> states_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace analyzer
}  // namespace leakprof

#endif  // LEAKPROF_ANALYZER_ALERTS_H_
