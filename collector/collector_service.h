// The collector's gRPC services over a Store: leakprof.v1.Collector (Push),
// leakprof.v1.Query and leakprof.v1.State, with bearer-token auth, the
// push bounds and metrics. Maps absl::Status codes to grpc::Status codes
// one to one.
//
// A push naming stacks by ref (Snapshot.stack_refs) is first resolved through
// the in-memory RefTables into an ordinary snapshot; one the tables cannot
// resolve is answered refs_unknown and nothing is stored.
//
// Pushes run on a pool of `push_threads` (they block on the durable write),
// queries and state calls on `query_threads`; gRPC's callback threads only
// check auth and bounds. More than max_concurrent_pushes pushes in flight:
// RESOURCE_EXHAUSTED at once (agents back off and spool).
//
// Thread safety: thread-safe. The Store, metrics and clock must outlive it.
// Destroy it after the grpc::Server that serves it has shut down.
#ifndef LEAKPROF_COLLECTOR_COLLECTOR_SERVICE_H_
#define LEAKPROF_COLLECTOR_COLLECTOR_SERVICE_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "collector/clock.h"
#include "collector/metrics.h"
#include "collector/ref_tables.h"
#include "collector/store.h"
#include "collector/thread_pool.h"
#include "collector/validate.h"
#include "grpcpp/grpcpp.h"
#include "proto/query.grpc.pb.h"
#include "proto/snapshot.grpc.pb.h"

namespace leakprof::collector {

struct ServiceOptions {
  // Push validation bounds (max stacks per snapshot, label sizes, ...).
  PushLimits limits;
  // Pushes admitted at once (queued or writing); more are refused with
  // RESOURCE_EXHAUSTED.
  int max_concurrent_pushes = 512;
  // Threads running pushes (each blocks on its write; RocksDB groups them
  // into one WAL write and sync) and queries.
  int push_threads = 64;
  int query_threads = 2;
  // Accepted bearer tokens; empty: no authentication. When set, every RPC
  // (Push, Query, State) needs "authorization: Bearer <token>".
  std::vector<std::string> tokens;
  // Stack reference tables (docs/protocol.md, "Stack references"): refs per
  // instance and memory of all tables. Their max_points and max_name_bytes
  // are taken from `limits` (max_stacks, max_name_bytes).
  RefTablesOptions refs;
};

// Reads a token file: one token per line; blank lines and lines starting
// with '#' are skipped, surrounding spaces trimmed. kNotFound / kInvalid-
// Argument (no token in it).
absl::StatusOr<std::vector<std::string>> ReadTokenFile(const std::string& path);

class CollectorServices {
 public:
  CollectorServices(Store* store, CollectorMetrics* metrics, Clock* clock,
                    ServiceOptions options);
  ~CollectorServices();

  // The services to register with a grpc::ServerBuilder.
  grpc::Service* collector_service();
  grpc::Service* query_service();
  grpc::Service* state_service();

  class CollectorImpl;
  class QueryImpl;
  class StateImpl;

  // UNAUTHENTICATED unless tokens are off or the context carries one.
  grpc::Status Authenticate(const grpc::CallbackServerContext* context) const;

  Store* store() const { return store_; }
  CollectorMetrics* metrics() const { return metrics_; }
  Clock* clock() const { return clock_; }
  const ServiceOptions& options() const { return options_; }
  ThreadPool* push_pool() { return push_pool_.get(); }
  ThreadPool* query_pool() { return query_pool_.get(); }
  // The in-memory ref tables (empty at construction: a new instance of the
  // services over the same Store is a restarted collector).
  RefTables* ref_tables() { return ref_tables_.get(); }
  std::atomic<int>& in_flight() { return in_flight_; }

 private:
  Store* store_;
  CollectorMetrics* metrics_;
  Clock* clock_;
  ServiceOptions options_;
  std::atomic<int> in_flight_{0};
  std::unique_ptr<RefTables> ref_tables_;
  std::unique_ptr<ThreadPool> push_pool_;
  std::unique_ptr<ThreadPool> query_pool_;
  std::unique_ptr<CollectorImpl> collector_;
  std::unique_ptr<QueryImpl> query_;
  std::unique_ptr<StateImpl> state_;
};

struct GrpcServerOptions {
  // "host:port", ":port" (all interfaces); port 0 picks a free one.
  std::string address = "127.0.0.1:0";
  // PEM files. With cert and key: TLS. With a client CA too: clients must
  // present a certificate it signed (mTLS). All empty: plaintext.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // Largest request accepted; larger ones get RESOURCE_EXHAUSTED from gRPC.
  int max_message_bytes = 16 << 20;
};

struct RunningGrpcServer {
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

// Builds and starts a gRPC server with the three services.
// kInvalidArgument for unreadable or half-given TLS files, kUnavailable
// when the address cannot be bound.
absl::StatusOr<RunningGrpcServer> StartGrpcServer(
    const GrpcServerOptions& options, CollectorServices* services);

// absl -> grpc status, same code and message.
grpc::Status ToGrpc(const absl::Status& status);

}  // namespace leakprof::collector

#endif  // LEAKPROF_COLLECTOR_COLLECTOR_SERVICE_H_
