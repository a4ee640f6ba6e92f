// Copyright 2026 The leakprof Authors.
//
// TestCollector: a real leakprof.v1.Collector gRPC server (callback API) on
// loopback for the agent's tests. It keeps the stack definitions it was
// sent, answers stored=false with unknown_stack_ids for a snapshot naming a
// stack it does not know, records every stored snapshot, drops duplicate
// sequences, and can be told to refuse (any gRPC code), to require a bearer
// token, to forget its definitions (a collector restart), and be stopped and
// started again on the same port (with TLS credentials if given).
//
// Thread safety: all methods are thread-safe.

#ifndef LEAKPROF_AGENT_TESTING_TEST_COLLECTOR_H_
#define LEAKPROF_AGENT_TESTING_TEST_COLLECTOR_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "collector/ref_tables.h"
#include "proto/snapshot.grpc.pb.h"
#include "proto/snapshot.pb.h"

namespace leakprof {
namespace agent {
namespace testing {

class TestCollector final : public v1::Collector::CallbackService {
 public:
  struct Push {
    v1::Snapshot snapshot;  // as received, stack refs replaced by ids
    v1::Snapshot received;  // exactly as received
    bool stored = false;
    int64_t request_bytes = 0;      // serialized PushRequest
    std::vector<uint64_t> unknown;  // ids answered as unknown
    bool refs_unknown = false;      // answered refs_unknown
    std::string peer;  // the client's address: "ipv4:127.0.0.1:PORT"
  };

  grpc::ServerUnaryReactor* Push(grpc::CallbackServerContext* context,
                                 const v1::PushRequest* request,
                                 v1::PushResponse* response) override;

  // Starts serving on 127.0.0.1:`port` (0 = any free port; the same port
  // again after Stop). `creds` null = insecure.
  absl::Status Start(int port = 0,
                     std::shared_ptr<grpc::ServerCredentials> creds = nullptr);
  void Stop();
  int port() const;
  std::string address() const;

  // Answer every push with this code (OK = normal service).
  void Refuse(grpc::StatusCode code);
  // Require "authorization: Bearer <token>" ("" = none).
  void RequireToken(const std::string& token);
  // gzip-compress the responses (as a server with a default compression).
  void CompressResponses(bool on);
  // Forget every definition (the next pushes get unknown_stack_ids).
  void ForgetDefinitions();
  // Forget every stack-reference table, as a restarted collector would (the
  // next pushes by ref get refs_unknown).
  void ForgetRefs();

  // Snapshots stored, in arrival order.
  std::vector<v1::Snapshot> Stored() const;
  std::vector<struct Push> Pushes() const;
  // Pushes()[first...]: what arrived since a caller last looked, without
  // copying everything before it.
  std::vector<struct Push> PushesFrom(size_t first) const;
  int64_t pushes_seen() const;
  // Waits until at least `n` snapshots are stored.
  bool WaitForStored(size_t n, absl::Duration timeout) const;
  // Stored snapshots of one service.
  std::vector<v1::Snapshot> StoredOf(const std::string& service) const;
  size_t known_definitions() const;

 private:
  mutable absl::Mutex mu_;
  std::unique_ptr<collector::RefTables> ref_tables_ ABSL_GUARDED_BY(mu_) =
      std::make_unique<collector::RefTables>();
  std::unique_ptr<grpc::Server> server_ ABSL_GUARDED_BY(mu_);
  int port_ ABSL_GUARDED_BY(mu_) = 0;
  grpc::StatusCode refuse_ ABSL_GUARDED_BY(mu_) = grpc::StatusCode::OK;
  std::string token_ ABSL_GUARDED_BY(mu_);
  bool compress_ ABSL_GUARDED_BY(mu_) = false;
  std::set<uint64_t> known_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> seen_sequences_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::Snapshot> stored_ ABSL_GUARDED_BY(mu_);
  std::vector<struct Push> pushes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace testing
}  // namespace agent
}  // namespace leakprof

#endif  // LEAKPROF_AGENT_TESTING_TEST_COLLECTOR_H_
