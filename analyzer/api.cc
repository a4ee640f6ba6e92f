// Copyright 2026 The leakprof Authors.

#include "analyzer/api.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/goprof/stack_id.h"

namespace leakprof {
namespace analyzer {
namespace {

using nlohmann::json;

HttpResponse Json(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.body += "\n";
  return r;
}

HttpResponse Error(int status, const std::string& message) {
  return Json(status, json{{"error", message}});
}

const HttpResponse& NotReady() {
  static const auto* const kResponse = new HttpResponse(
      Error(503, "no evaluation finished yet; try again shortly"));
  return *kResponse;
}

std::string Param(const HttpRequest& request, const std::string& name) {
  auto it = request.params.find(name);
  return it == request.params.end() ? "" : it->second;
}

bool ValidSiteId(const std::string& s, uint64_t* id) {
  if (s.size() != 16) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return absl::SimpleHexAtoi(s, id);
}

json Points(const std::vector<std::pair<int64_t, int64_t>>& points) {
  json out = json::array();
  for (const auto& [t, c] : points) out.push_back(json::array({t, c}));
  return out;
}

double Round2(double v) { return std::round(v * 100) / 100; }

}  // namespace

json SiteJson(const SiteReport& site) {
  json stack = json::array();
  for (const StackFrame& f : site.stack) {
    stack.push_back(
        {{"function", f.function}, {"file", f.file}, {"line", f.line}});
  }
  return json{
      {"rank", site.rank},
      {"service", site.service},
      {"site_id", goprof::FormatId(site.site_id)},
      {"class", site.class_name},
      {"function", site.function},
      {"file", site.file},
      {"line", site.line},
      {"score", site.score},
      {"suspect", site.suspect},
      {"confirmed", site.confirmed},
      {"suppressed", site.suppressed},
      {"goroutines", site.goroutines},
      {"instances", site.instances},
      {"instances_judged", site.instances_judged},
      {"instances_rising", site.instances_rising},
      {"growth_per_hour", Round2(site.growth_per_hour)},
      {"est_bytes", site.est_bytes},
      {"leaked", site.leaked},
      {"waiting_over_1h", site.waiting_over_1h},
      {"evidence", site.evidence},
      {"pattern", site.pattern},
      {"hint", site.hint},
      {"owner", site.owner},
      {"stack", stack},
  };
}

json SuspectsJson(const Report& report, const std::string& service) {
  json suspects = json::array();
  for (const SiteReport& site : report.sites) {
    if (!service.empty() && site.service != service) continue;
    suspects.push_back(SiteJson(site));
  }
  return json{{"generated_at", report.generated_at},
              {"window_seconds", report.window_seconds},
              {"suspects", std::move(suspects)}};
}

json ServicesJson(const Report& report) {
  json services = json::array();
  for (const ServiceReport& s : report.services) {
    services.push_back({{"service", s.service},
                        {"instances", s.instances},
                        {"goroutines", s.goroutines},
                        {"suspects", s.suspects}});
  }
  return json{{"services", std::move(services)}};
}

std::map<std::string, HttpHandler> ApiHandlers(const Analyzer* analyzer,
                                               const Alerter* alerter) {
  std::map<std::string, HttpHandler> handlers;
  handlers["/api/v1/suspects"] = [analyzer](const HttpRequest& request) {
    std::shared_ptr<const Report> report = analyzer->latest();
    if (!report) return NotReady();
    return Json(200, SuspectsJson(*report, Param(request, "service")));
  };
  handlers["/api/v1/services"] = [analyzer](const HttpRequest&) {
    std::shared_ptr<const Report> report = analyzer->latest();
    if (!report) return NotReady();
    return Json(200, ServicesJson(*report));
  };
  handlers["/api/v1/site"] = [analyzer, alerter](const HttpRequest& request) {
    const std::string service = Param(request, "service");
    const std::string site_id_text = Param(request, "site_id");
    if (service.empty()) return Error(400, "missing parameter \"service\"");
    uint64_t site_id = 0;
    if (!ValidSiteId(site_id_text, &site_id)) {
      return Error(400, absl::StrCat("parameter \"site_id\" must be 16 "
                                     "lowercase hex digits, got \"",
                                     site_id_text.substr(0, 40), "\""));
    }
    std::shared_ptr<const Report> report = analyzer->latest();
    if (!report) return NotReady();
    const SiteReport* found = nullptr;
    for (const SiteReport& site : report->sites) {
      if (site.service == service && site.site_id == site_id) {
        found = &site;
        break;
      }
    }
    if (found == nullptr) {
      return Error(404, absl::StrCat("no site ", site_id_text, " in service \"",
                                     service, "\" in the last evaluation"));
    }
    json body{{"suspect", SiteJson(*found)}};
    absl::StatusOr<SiteSeries> series =
        analyzer->ReadSiteSeries(service, site_id);
    if (series.ok()) {
      json instances = json::array();
      for (const SiteSeries::Instance& inst : series->instances) {
        instances.push_back(
            {{"instance", inst.instance}, {"points", Points(inst.points)}});
      }
      body["series"] = {{"step_seconds", series->step_seconds},
                        {"fleet", Points(series->fleet)},
                        {"instances", std::move(instances)}};
    } else {
      body["series"] = {{"step_seconds", 0},
                        {"fleet", json::array()},
                        {"instances", json::array()},
                        {"error", std::string(series.status().message())}};
    }
    AlertView view;
    if (alerter != nullptr) view = alerter->View(service, site_id);
    body["alert"] = {
        {"state", view.state}, {"since", view.since}, {"ticket", view.ticket}};
    return Json(200, body);
  };
  return handlers;
}

}  // namespace analyzer
}  // namespace leakprof
