// Copyright 2026 The leakprof Authors.
//
// leakprofctl's commands that read a collector over its Query service:
//   services              every service with data in the window
//   sites SERVICE         its sites, most goroutines first
//   series SERVICE SITE   one site's series: fleet total and per instance
// Each prints a table, or the response as JSON (protobuf's JSON mapping)
// with `json`.
//
// Thread safety: each call is independent; the stub must be thread-safe.
#ifndef LEAKPROF_CTL_COLLECTOR_COMMANDS_H_
#define LEAKPROF_CTL_COLLECTOR_COMMANDS_H_

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/query.grpc.pb.h"

namespace leakprof {
namespace ctl {

struct CollectorCommandOptions {
  // The collector's gRPC address, host:port.
  std::string collector = "127.0.0.1:7070";
  // Bearer token sent as "authorization: Bearer <token>" ("" : none).
  std::string token;
  // Window: the last `since` before now.
  absl::Duration since = absl::Hours(6);
  // series: seconds per step (0: raw points).
  int64_t step_seconds = 0;
  // Print JSON instead of a table.
  bool json = false;
  // Per-RPC deadline.
  absl::Duration timeout = absl::Seconds(30);
  // Rows shown in tables (sites, instances of a series); 0: all.
  int top = 20;
};

// A stub for options.collector over plaintext gRPC.
std::unique_ptr<leakprof::v1::Query::StubInterface> NewQueryStub(
    const std::string& address);

// Parses a site id as printed ("00ab..." hex, optional 0x).
// kInvalidArgument otherwise.
absl::StatusOr<uint64_t> ParseSiteId(const std::string& text);

// Each returns the RPC's status as an absl::Status (same code).
absl::Status RunServicesCommand(const CollectorCommandOptions& options,
                                leakprof::v1::Query::StubInterface& stub,
                                std::ostream& out);
absl::Status RunSitesCommand(const CollectorCommandOptions& options,
                             const std::string& service,
                             leakprof::v1::Query::StubInterface& stub,
                             std::ostream& out);
absl::Status RunSeriesCommand(const CollectorCommandOptions& options,
                              const std::string& service, uint64_t site_id,
                              leakprof::v1::Query::StubInterface& stub,
                              std::ostream& out);

}  // namespace ctl
}  // namespace leakprof

#endif  // LEAKPROF_CTL_COLLECTOR_COMMANDS_H_
