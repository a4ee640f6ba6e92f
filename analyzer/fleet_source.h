// Copyright 2026 The leakprof Authors.
//
// The two things the analyzer reads and writes, behind small interfaces so
// the ranking and alerting logic has no gRPC in it and tests can fake them:
//
// - FleetSource: the reads of leakprof.v1.Query (proto/query.proto) the
//   analyzer needs. GrpcFleetSource (grpc_clients.h) talks to a collector;
//   MemoryFleetSource (memory_source.h) serves data held in memory.
// - StateStore: leakprof.v1.State, a small durable key/value store with
//   compare-and-set, where alert and ticket state lives so a restarted
//   analyzer files nothing twice.
//
// Implementations are thread-safe. Requests and responses are the proto
// messages themselves, with the proto's meaning (pagination included).

#ifndef LEAKPROF_ANALYZER_FLEET_SOURCE_H_
#define LEAKPROF_ANALYZER_FLEET_SOURCE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/query.pb.h"

namespace leakprof {
namespace analyzer {

class FleetSource {
 public:
  virtual ~FleetSource() = default;

  // As the Query RPCs of the same names. Errors are the server's (or
  // kUnavailable / kDeadlineExceeded for transport failures).
  virtual absl::StatusOr<v1::ListServicesResponse> ListServices(
      const v1::ListServicesRequest& request) = 0;
  virtual absl::StatusOr<v1::ListSitesResponse> ListSites(
      const v1::ListSitesRequest& request) = 0;
  virtual absl::StatusOr<v1::GetSiteSeriesResponse> GetSiteSeries(
      const v1::GetSiteSeriesRequest& request) = 0;
  virtual absl::StatusOr<v1::GetStackResponse> GetStack(
      const v1::GetStackRequest& request) = 0;
};

struct StateEntry {
  bool found = false;
  std::string value;
  uint64_t version = 0;  // 0 when not found
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  virtual absl::StatusOr<StateEntry> Get(absl::string_view key) = 0;
  // Writes `value` if the stored version is `expected_version` (0: the key
  // must not exist) and returns the new version. kFailedPrecondition when
  // the version does not match (someone else wrote it).
  virtual absl::StatusOr<uint64_t> Put(absl::string_view key,
                                       absl::string_view value,
                                       uint64_t expected_version) = 0;
  // Every key starting with `prefix`, all pages.
  virtual absl::StatusOr<std::vector<std::string>> List(
      absl::string_view prefix) = 0;
};

}  // namespace analyzer
}  // namespace leakprof

#endif  // LEAKPROF_ANALYZER_FLEET_SOURCE_H_
