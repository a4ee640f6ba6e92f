// Copyright 2026 The leakprof Authors.
//
// UnaryResult on an arbitrary gRPC response (what a collector, or anything
// listening at its address, sends the agent's push client): the first byte
// picks headers (grpc-encoding gzip or not, grpc-status in trailers, in the
// headers, or absent, an HTTP status), the rest is the body and, after a
// NUL, the grpc-message. Never crashes, never returns more than the bound.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "agent/grpc_wire.h"
#include "agent/h2_connection.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  constexpr size_t kMax = 1 << 16;
  const uint8_t mode = data[0];
  absl::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string message;
  const size_t nul = rest.find('\0');
  if (nul != absl::string_view::npos) {
    message = std::string(rest.substr(nul + 1));
    rest = rest.substr(0, nul);
  }
  leakprof::agent::H2Response r;
  const char* statuses[] = {"200", "400", "503", "302"};
  r.headers.push_back({":status", statuses[(mode >> 4) & 3]});
  r.headers.push_back({"content-type", "application/grpc"});
  if (mode & 1) r.headers.push_back({"grpc-encoding", "gzip"});
  const std::string status = std::to_string((mode >> 6) * 5);  // 0 5 10 15
  switch ((mode >> 1) & 3) {
    case 0:
      r.trailers.push_back({"grpc-status", status});
      r.trailers.push_back({"grpc-message", message});
      break;
    case 1:
      r.headers.push_back({"grpc-status", status});
      r.headers.push_back({"grpc-message", message});
      break;
    case 2:
      r.reset = true;
      r.reset_code = mode >> 4;
      break;
    default:
      break;
  }
  r.body = std::string(rest);
  absl::StatusOr<std::string> out = leakprof::agent::UnaryResult(r, kMax);
  if (out.ok() && out->size() > kMax) std::abort();
  if (leakprof::agent::PercentDecode(message).size() > message.size()) {
    std::abort();
  }
  return 0;
}
