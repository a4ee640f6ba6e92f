// Copyright 2026 The leakprof Authors.
//
// The analyzer's JSON API, as handlers for //common/server:admin_server:
//
//   GET /api/v1/suspects[?service=S]   every evaluated site, highest score
//                                      first (docs/analyzer.md: schema)
//   GET /api/v1/site?service=S&site_id=<16 hex>
//                                      one site: its suspect object, its
//                                      series, its alert and ticket state
//   GET /api/v1/services               services with instance, goroutine
//                                      and suspect counts
//
// Before the first round finishes, every endpoint answers 503. Bad
// parameters answer 400 with a JSON {"error": "..."} naming the parameter.
//
// Thread safety: the handlers may run on any number of threads at once.

#ifndef LEAKPROF_ANALYZER_API_H_
#define LEAKPROF_ANALYZER_API_H_

#include <map>
#include <string>

#include "analyzer/alerts.h"
#include "analyzer/analyzer.h"
#include "common/server/admin_server.h"
#include "nlohmann/json.hpp"

namespace leakprof {
namespace analyzer {

// One element of "suspects".
nlohmann::json SiteJson(const SiteReport& site);

// The /api/v1/suspects document; `service` "" means every service.
nlohmann::json SuspectsJson(const Report& report, const std::string& service);

nlohmann::json ServicesJson(const Report& report);

// `analyzer` must outlive the handlers; `alerter` may be null (no alerting:
// "alert" shows state "none").
std::map<std::string, HttpHandler> ApiHandlers(const Analyzer* analyzer,
                                               const Alerter* alerter);

}  // namespace analyzer
}  // namespace leakprof

#endif  // LEAKPROF_ANALYZER_API_H_
