// Copyright 2026 The leakprof Authors.

#include "analyzer/alerts.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/goprof/stack_id.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace leakprof {
namespace analyzer {
namespace {

using nlohmann::json;

std::string Rfc3339(int64_t unix_seconds) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                          absl::FromUnixSeconds(unix_seconds),
                          absl::UTCTimeZone());
}

class HttplibPoster : public HttpPoster {
 public:
  explicit HttplibPoster(absl::Duration timeout) : timeout_(timeout) {}

  absl::Status Post(const std::string& url, const std::string& body,
                    const std::string& content_type) override {
    // scheme://host[:port][/path]
    const size_t scheme_end = url.find("://");
    if (scheme_end == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("URL \"", url, "\" has no scheme"));
    }
    const size_t path_start = url.find('/', scheme_end + 3);
    const std::string origin = url.substr(0, path_start);
    const std::string path =
        path_start == std::string::npos ? "/" : url.substr(path_start);
    httplib::Client client(origin);
    if (!client.is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat("bad URL \"", url, "\""));
    }
    const auto micros = absl::ToInt64Microseconds(timeout_);
    client.set_connection_timeout(micros / 1000000, micros % 1000000);
    client.set_read_timeout(micros / 1000000, micros % 1000000);
    client.set_write_timeout(micros / 1000000, micros % 1000000);
    httplib::Result result = client.Post(path, body, content_type);
    if (!result) {
      return absl::UnavailableError(
          absl::StrCat("POST ", url, ": ", httplib::to_string(result.error())));
    }
    const int status = result->status;
    if (status >= 200 && status < 300) return absl::OkStatus();
    const std::string message = absl::StrCat("POST ", url, ": HTTP ", status,
                                             ": ", result->body.substr(0, 200));
    if (status >= 500) return absl::UnavailableError(message);
    return absl::FailedPreconditionError(message);
  }

 private:
  const absl::Duration timeout_;
};

std::string UrlEscape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out += static_cast<char>(c);
    } else {
      absl::StrAppendFormat(&out, "%%%02X", c);
    }
  }
  return out;
}

}  // namespace

std::unique_ptr<HttpPoster> NewHttpPoster(absl::Duration timeout) {
  return std::make_unique<HttplibPoster>(timeout);
}

Alerter::Alerter(AlerterOptions options, HttpPoster* poster, StateStore* store,
                 std::function<absl::Time()> now, DeliveryCallback on_delivery)
    : options_(std::move(options)),
      poster_(poster),
      store_(store),
      now_(now ? std::move(now) : [] { return absl::Now(); }),
      on_delivery_(std::move(on_delivery)) {}

std::string Alerter::Key(const std::string& service, uint64_t site_id) const {
  return absl::StrCat(options_.state_prefix, service, "/",
                      goprof::FormatId(site_id));
}

std::string Alerter::Encode(const SiteState& s) {
  json j = {{"service", s.service},
            {"site_id", goprof::FormatId(s.site_id)},
            {"alert", s.alert},
            {"alert_since", s.alert_since},
            {"ticket", s.ticket},
            {"ticket_since", s.ticket_since},
            {"last_suspect", s.last_suspect},
            {"reported_goroutines", s.reported_goroutines},
            {"event_seq", s.event_seq},
            {"pending", s.pending},
            {"pending_body", s.pending_body},
            {"labels", s.labels}};
  return j.dump();
}

absl::StatusOr<Alerter::SiteState> Alerter::Decode(const std::string& value) {
  json j = json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("state value is not a JSON object");
  }
  SiteState s;
  try {
    s.service = j.value("service", "");
    if (!absl::SimpleHexAtoi(j.value("site_id", ""), &s.site_id)) {
      return absl::InvalidArgumentError("state: bad site_id");
    }
    s.alert = j.value("alert", "none");
    s.alert_since = j.value("alert_since", int64_t{0});
    s.ticket = j.value("ticket", "none");
    s.ticket_since = j.value("ticket_since", int64_t{0});
    s.last_suspect = j.value("last_suspect", int64_t{0});
    s.reported_goroutines = j.value("reported_goroutines", int64_t{0});
    s.event_seq = j.value("event_seq", int64_t{0});
    s.pending = j.value("pending", "");
    s.pending_body = j.value("pending_body", "");
    if (j.contains("labels")) {
      s.labels = j["labels"].get<std::map<std::string, std::string>>();
    }
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("state: ", e.what()));
  }
  return s;
}

absl::Status Alerter::Load() {
  absl::StatusOr<std::vector<std::string>> keys =
      store_->List(options_.state_prefix);
  if (!keys.ok()) return keys.status();
  std::map<std::pair<std::string, uint64_t>, SiteState> loaded;
  for (const std::string& key : *keys) {
    absl::StatusOr<StateEntry> entry = store_->Get(key);
    if (!entry.ok()) return entry.status();
    if (!entry->found) continue;
    absl::StatusOr<SiteState> state = Decode(entry->value);
    if (!state.ok()) {
      return absl::DataLossError(
          absl::StrCat("state \"", key, "\": ", state.status().message()));
    }
    state->version = entry->version;
    loaded[{state->service, state->site_id}] = *std::move(state);
  }
  absl::MutexLock lock(&mu_);
  states_ = std::move(loaded);
  return absl::OkStatus();
}

absl::Status Alerter::Save(SiteState* state) {
  const std::string key = Key(state->service, state->site_id);
  absl::StatusOr<uint64_t> version =
      store_->Put(key, Encode(*state), state->version);
  if (version.ok()) {
    state->version = *version;
    return absl::OkStatus();
  }
  if (version.status().code() == absl::StatusCode::kFailedPrecondition) {
    // Someone else (another analyzer) wrote it: take theirs.
    absl::StatusOr<StateEntry> entry = store_->Get(key);
    if (entry.ok() && entry->found) {
      absl::StatusOr<SiteState> theirs = Decode(entry->value);
      if (theirs.ok()) {
        theirs->version = entry->version;
        *state = *std::move(theirs);
      }
    }
  }
  return version.status();
}

absl::Status Alerter::Deliver(const std::string& sink, const std::string& url,
                              const std::string& body) {
  absl::Status status;
  absl::Duration backoff = options_.retry_backoff;
  for (int attempt = 0; attempt < std::max(1, options_.attempts); ++attempt) {
    if (attempt > 0) {
      absl::SleepFor(backoff);
      backoff *= 2;
    }
    status = poster_->Post(url, body, "application/json");
    if (on_delivery_) on_delivery_(sink, status.ok() ? "ok" : "error");
    if (status.ok()) return status;
    // A 4xx will not get better by retrying.
    if (status.code() == absl::StatusCode::kFailedPrecondition ||
        status.code() == absl::StatusCode::kInvalidArgument) {
      break;
    }
  }
  return status;
}

std::string Alerter::Link(const std::string& service, uint64_t site_id) const {
  if (options_.link_base.empty()) return "";
  // The web page's route for one site (web/app.js).
  return absl::StrCat(options_.link_base, "/#/site/", UrlEscape(service), "/",
                      goprof::FormatId(site_id));
}

std::map<std::string, std::string> Alerter::Labels(const SiteReport& site) {
  std::map<std::string, std::string> labels = site.route_labels;
  labels["alertname"] = "GoroutineLeak";
  labels["service"] = site.service;
  labels["site_id"] = goprof::FormatId(site.site_id);
  labels["class"] = site.class_name;
  labels["function"] = site.function;
  labels["owner"] = site.owner;
  if (labels.find("severity") == labels.end()) {
    labels["severity"] = site.confirmed ? "critical" : "warning";
  }
  return labels;
}

std::map<std::string, std::string> Alerter::Annotations(
    const SiteReport& site) const {
  std::string top;
  for (size_t i = 0; i < site.stack.size() && i < 5; ++i) {
    absl::StrAppend(&top, i ? "\n" : "", site.stack[i].function, " (",
                    site.stack[i].file, ":", site.stack[i].line, ")");
  }
  std::map<std::string, std::string> a = {
      {"summary",
       absl::StrFormat("%s: goroutines keep piling up at %s (%s:%d), %s",
                       site.service, site.function, site.file, site.line,
                       site.class_name)},
      {"growth", absl::StrFormat("%.1f goroutines/hour", site.growth_per_hour)},
      {"count", absl::StrCat(site.goroutines)},
      {"instances", absl::StrCat(site.instances_rising, " of ",
                                 site.instances_judged, " rising")},
      {"top_of_stack", top},
      {"hint", site.hint},
      {"score", absl::StrFormat("%.1f", site.score)},
  };
  const std::string link = Link(site.service, site.site_id);
  if (!link.empty()) a["link"] = link;
  return a;
}

std::string Alerter::TicketEvent(const SiteState& state,
                                 const std::string& event,
                                 const SiteReport* site, int64_t now_s) const {
  json j = {
      {"event", event},
      {"event_id",
       absl::StrCat(state.service, "/", goprof::FormatId(state.site_id), "/",
                    state.event_seq)},
      {"reopened", event == "open" && state.ticket == "resolved"},
      {"service", state.service},
      {"site_id", goprof::FormatId(state.site_id)},
      {"time", Rfc3339(now_s)},
      {"link", Link(state.service, state.site_id)},
  };
  if (site != nullptr) {
    j["function"] = site->function;
    j["file"] = site->file;
    j["line"] = site->line;
    j["class"] = site->class_name;
    j["owner"] = site->owner;
    j["score"] = site->score;
    j["goroutines"] = site->goroutines;
    j["instances"] = site->instances;
    j["instances_rising"] = site->instances_rising;
    j["growth_per_hour"] = site->growth_per_hour;
    j["est_bytes"] = site->est_bytes;
    j["pattern"] = site->pattern;
    j["hint"] = site->hint;
    json stack = json::array();
    for (const StackFrame& f : site->stack) {
      stack.push_back(
          {{"function", f.function}, {"file", f.file}, {"line", f.line}});
    }
    j["stack"] = stack;
  }
  return j.dump();
}

absl::Status Alerter::Process(const Report& report) {
  const int64_t now_s = absl::ToUnixSeconds(now_());
  std::map<std::pair<std::string, uint64_t>, SiteState> local;
  {
    absl::MutexLock lock(&mu_);
    local = states_;
  }
  absl::Status first_error;
  auto note = [&first_error](const absl::Status& s) {
    if (first_error.ok() && !s.ok()) first_error = s;
  };
  const bool tickets = !options_.ticket_webhook_url.empty();
  json alerts = json::array();
  std::set<std::pair<std::string, uint64_t>> unsaved;

  auto resolve_alert = [&](SiteState& st) {
    st.alert = "resolved";
    st.alert_since = now_s;
    alerts.push_back(
        {{"labels", st.labels},
         {"annotations",
          {{"summary", absl::StrCat(st.service, ": site no longer rising")}}},
         {"startsAt", Rfc3339(now_s)},
         {"endsAt", Rfc3339(now_s)}});
  };
  auto start_event = [&](SiteState& st, const std::string& event,
                         const SiteReport* site) {
    ++st.event_seq;
    st.pending_body = TicketEvent(st, event, site, now_s);
    st.pending = event;
    st.ticket = event == "resolve" ? "resolved" : "open";
    if (event != "update") st.ticket_since = now_s;
    if (site != nullptr) st.reported_goroutines = site->goroutines;
  };

  std::set<std::pair<std::string, uint64_t>> seen;
  for (const SiteReport& site : report.sites) {
    const auto key = std::make_pair(site.service, site.site_id);
    seen.insert(key);
    auto it = local.find(key);
    if (!site.suspect && it == local.end()) continue;  // nothing to track
    SiteState& st = local[key];
    st.service = site.service;
    st.site_id = site.site_id;
    const SiteState before = st;
    if (site.suspect) {
      if (st.alert != "firing") {
        st.alert = "firing";
        st.alert_since = now_s;
      }
      st.labels = Labels(site);
      st.last_suspect = now_s;
      json alert = {
          {"labels", st.labels},
          {"annotations", Annotations(site)},
          {"startsAt", Rfc3339(st.alert_since)},
          {"endsAt",
           Rfc3339(now_s + 4 * absl::ToInt64Seconds(options_.interval))},
      };
      const std::string link = Link(site.service, site.site_id);
      if (!link.empty()) alert["generatorURL"] = link;
      alerts.push_back(std::move(alert));
      if (tickets && st.pending.empty()) {
        if (st.ticket != "open") {
          start_event(st, "open", &site);
        } else if (site.goroutines >=
                   options_.update_growth_factor *
                       std::max<int64_t>(1, st.reported_goroutines)) {
          start_event(st, "update", &site);
        }
      }
    } else {
      if (st.alert == "firing") resolve_alert(st);
      if (tickets && st.pending.empty() && st.ticket == "open" &&
          now_s - st.last_suspect >=
              absl::ToInt64Seconds(options_.ticket_resolve_after)) {
        start_event(st, "resolve", &site);
      }
    }
    // Persist state changes (not every round's last_suspect alone).
    const bool changed = st.alert != before.alert ||
                         st.ticket != before.ticket ||
                         st.pending != before.pending ||
                         st.labels != before.labels || st.version == 0 ||
                         st.last_suspect - before.last_suspect >
                             absl::ToInt64Seconds(options_.interval) * 6;
    if (changed) {
      absl::Status saved = Save(&st);
      if (!saved.ok()) {
        unsaved.insert(key);
        note(saved);
      }
    }
  }
  // Sites firing before but absent now (their service went away).
  for (auto& [key, st] : local) {
    if (seen.count(key) || st.alert != "firing") continue;
    resolve_alert(st);
    if (tickets && st.pending.empty() && st.ticket == "open") {
      start_event(st, "resolve", nullptr);
    }
    absl::Status saved = Save(&st);
    if (!saved.ok()) {
      unsaved.insert(key);
      note(saved);
    }
  }

  if (!options_.alertmanager_url.empty() && !alerts.empty()) {
    std::string url = options_.alertmanager_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    note(Deliver("alertmanager", url + "/api/v2/alerts", alerts.dump()));
  }
  if (tickets) {
    for (auto& [key, st] : local) {
      if (st.pending.empty() || unsaved.count(key)) continue;
      absl::Status sent =
          Deliver("webhook", options_.ticket_webhook_url, st.pending_body);
      if (!sent.ok()) {
        note(sent);
        continue;
      }
      st.pending.clear();
      st.pending_body.clear();
      note(Save(&st));
    }
  }
  absl::MutexLock lock(&mu_);
  states_ = std::move(local);
  return first_error;
}

AlertView Alerter::View(const std::string& service, uint64_t site_id) const {
  absl::MutexLock lock(&mu_);
  AlertView view;
  auto it = states_.find({service, site_id});
  if (it == states_.end()) return view;
  view.state = it->second.alert;
  view.since = it->second.alert_since;
  view.ticket = it->second.ticket;
  return view;
}

}  // namespace analyzer
}  // namespace leakprof
