// Copyright 2026 The leakprof Authors.

#include "ctl/collector_commands.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"

namespace leakprof {
namespace ctl {

namespace v1 = ::leakprof::v1;

namespace {

void Prepare(const CollectorCommandOptions& options, grpc::ClientContext* ctx) {
  ctx->set_deadline(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(options.timeout));
  if (!options.token.empty()) {
    ctx->AddMetadata("authorization", "Bearer " + options.token);
  }
}

absl::Status FromGrpc(const grpc::Status& status, const std::string& what) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

void FillWindow(const CollectorCommandOptions& options, v1::Window* w) {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  w->set_start_unix_seconds(now - absl::ToInt64Seconds(options.since));
  w->set_end_unix_seconds(now + 1);
}

absl::Status PrintJson(const google::protobuf::Message& message,
                       std::ostream& out) {
  std::string json;
  google::protobuf::util::JsonPrintOptions print;
  print.add_whitespace = true;
  print.preserve_proto_field_names = true;
  auto st = google::protobuf::util::MessageToJsonString(message, &json, print);
  if (!st.ok()) return absl::InternalError(std::string(st.message()));
  out << json;
  return absl::OkStatus();
}

std::string Time(int64_t unix_seconds) {
  if (unix_seconds == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S",
                          absl::FromUnixSeconds(unix_seconds),
                          absl::UTCTimeZone());
}

// Stack text comes from the profiled services: no control characters.
std::string Clean(std::string s) {
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return s;
}

std::string ClassName(v1::BlockClass c) {
  const std::string& full = v1::BlockClass_Name(c);
  absl::string_view name = full;
  absl::ConsumePrefix(&name, "BLOCK_CLASS_");
  return absl::AsciiStrToLower(name);
}

}  // namespace

std::unique_ptr<v1::Query::StubInterface> NewQueryStub(
    const std::string& address) {
  return v1::Query::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

absl::StatusOr<uint64_t> ParseSiteId(const std::string& text) {
  absl::string_view t = text;
  absl::ConsumePrefix(&t, "0x");
  uint64_t id = 0;
  if (t.empty() || t.size() > 16 || !absl::SimpleHexAtoi(t, &id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("site id \"", text, "\": want up to 16 hex digits"));
  }
  return id;
}

absl::Status RunServicesCommand(const CollectorCommandOptions& options,
                                v1::Query::StubInterface& stub,
                                std::ostream& out) {
  v1::ListServicesResponse all;
  v1::ListServicesRequest req;
  FillWindow(options, req.mutable_window());
  req.set_page_size(1000);
  for (int page = 0; page < 1000; ++page) {
    grpc::ClientContext ctx;
    Prepare(options, &ctx);
    v1::ListServicesResponse resp;
    auto st = FromGrpc(stub.ListServices(&ctx, req, &resp), "ListServices");
    if (!st.ok()) return st;
    for (auto& s : *resp.mutable_services()) *all.add_services() = std::move(s);
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  if (options.json) return PrintJson(all, out);
  out << absl::StrFormat("%-32s %9s %11s  %s\n", "SERVICE", "INSTANCES",
                         "GOROUTINES", "LAST SEEN (UTC)");
  for (const auto& s : all.services()) {
    out << absl::StrFormat("%-32s %9d %11d  %s\n", Clean(s.service()),
                           s.instances(), s.goroutines(),
                           Time(s.last_seen_unix_seconds()));
  }
  return absl::OkStatus();
}

absl::Status RunSitesCommand(const CollectorCommandOptions& options,
                             const std::string& service,
                             v1::Query::StubInterface& stub,
                             std::ostream& out) {
  v1::ListSitesRequest req;
  req.set_service(service);
  FillWindow(options, req.mutable_window());
  req.set_page_size(options.top > 0 ? std::min(options.top, 1000) : 1000);
  grpc::ClientContext ctx;
  Prepare(options, &ctx);
  v1::ListSitesResponse resp;
  auto st = FromGrpc(stub.ListSites(&ctx, req, &resp), "ListSites");
  if (!st.ok()) return st;
  if (options.json) return PrintJson(resp, out);
  out << absl::StrFormat("%-16s %-18s %10s %9s %7s %8s  %s\n", "SITE", "CLASS",
                         "GOROUTINES", "INSTANCES", "LEAKED", "WAIT>1H",
                         "FUNCTION  FILE:LINE");
  for (const auto& s : resp.sites()) {
    out << absl::StrFormat("%016x %-18s %10d %9d %7d %8d  %s  %s:%d\n",
                           s.site_id(), ClassName(s.block_class()),
                           s.goroutines(), s.instances(), s.leaked(),
                           s.waiting_over_1h(), Clean(s.site().function()),
                           Clean(s.site().file()), s.site().line());
  }
  if (!resp.next_page_token().empty()) out << "(more sites: --top=0)\n";
  return absl::OkStatus();
}

absl::Status RunSeriesCommand(const CollectorCommandOptions& options,
                              const std::string& service, uint64_t site_id,
                              v1::Query::StubInterface& stub,
                              std::ostream& out) {
  v1::GetSiteSeriesRequest req;
  req.set_service(service);
  req.set_site_id(site_id);
  FillWindow(options, req.mutable_window());
  req.set_step_seconds(options.step_seconds);
  grpc::ClientContext ctx;
  Prepare(options, &ctx);
  v1::GetSiteSeriesResponse resp;
  auto st = FromGrpc(stub.GetSiteSeries(&ctx, req, &resp), "GetSiteSeries");
  if (!st.ok()) return st;
  if (options.json) return PrintJson(resp, out);
  // One row per fleet timestamp: fleet total, then the first instances'
  // counts at that time ("." when the instance has no point then).
  const int shown = options.top > 0
                        ? std::min(options.top, resp.instances_size())
                        : resp.instances_size();
  const int columns = std::min(shown, 8);
  out << absl::StrFormat("%-19s %8s", "TIME (UTC)", "FLEET");
  for (int i = 0; i < columns; ++i) {
    out << " "
        << absl::StrFormat("%10.10s", Clean(resp.instances(i).instance()));
  }
  out << "\n";
  std::vector<int> cursor(columns, 0);
  for (int row = 0; row < resp.fleet_timestamps_unix_seconds_size(); ++row) {
    const int64_t t = resp.fleet_timestamps_unix_seconds(row);
    out << absl::StrFormat("%-19s %8d", Time(t), resp.fleet_counts(row));
    for (int i = 0; i < columns; ++i) {
      const auto& s = resp.instances(i);
      int& c = cursor[i];
      while (c < s.timestamps_unix_seconds_size() &&
             s.timestamps_unix_seconds(c) < t) {
        ++c;
      }
      if (c < s.timestamps_unix_seconds_size() &&
          s.timestamps_unix_seconds(c) == t) {
        out << absl::StrFormat(" %10d", s.counts(c));
      } else {
        out << absl::StrFormat(" %10s", ".");
      }
    }
    out << "\n";
  }
  if (resp.instances_size() > columns) {
    out << "(" << resp.instances_size() - columns
        << " more instances: --json shows all)\n";
  }
  return absl::OkStatus();
}

}  // namespace ctl
}  // namespace leakprof
