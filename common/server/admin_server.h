// AdminServer: the one HTTP server every leakprof binary runs beside its real
// work: /metrics (Prometheus text format, from a prometheus::Registry),
// /healthz, and any extra GET handlers a component adds (the analyzer's JSON
// API and web page).
//
// Thread safety: Start() returns a running server whose handlers run on the
// server's own threads; handlers must be thread-safe. Stop() and the
// destructor are safe to call from any one thread.
//
//   AdminServerOptions options;
//   options.address = ":7071";
//   options.registry = registry;
//   auto server = AdminServer::Start(std::move(options));
//   if (!server.ok()) return Fail(server.status());
//   ...
//   (*server)->Stop();
#ifndef LEAKPROF_COMMON_SERVER_ADMIN_SERVER_H_
#define LEAKPROF_COMMON_SERVER_ADMIN_SERVER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace httplib {
class Server;
}  // namespace httplib

namespace leakprof {

struct HttpRequest {
  std::string path;  // "/api/v1/suspects", without the query string
  // Decoded query parameters; a repeated name keeps its first value.
  std::map<std::string, std::string> params;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct AdminServerOptions {
  // "host:port", ":port" (all interfaces), "[::1]:port". Port 0 picks a free
  // port; AdminServer::port() tells which.
  std::string address = "127.0.0.1:0";
  // Served at /metrics when set. Shared: the caller keeps updating it.
  std::shared_ptr<prometheus::Registry> registry;
  // Called (on the server's thread) before each /metrics render, e.g. to
  // apply updates a component keeps aside off its hot path. Optional.
  std::function<void()> before_metrics;
  // /healthz answers 200 "ok" when this returns OK (or is unset), else 503
  // with the status message.
  std::function<absl::Status()> health;
  // Extra GET handlers by exact path ("/" included). /metrics and /healthz
  // cannot be overridden.
  std::map<std::string, HttpHandler> handlers;
  // Handlers whose path is a prefix of the request's ("/site/" serves
  // "/site/abc"); the longest prefix wins, exact paths first.
  std::map<std::string, HttpHandler> prefix_handlers;
};

// Splits "host:port" / ":port" / "[v6]:port" into a host to bind ("0.0.0.0"
// for an empty host) and a port. kInvalidArgument names what is wrong.
absl::StatusOr<std::pair<std::string, int>> ParseListenAddress(
    absl::string_view address);

class AdminServer {
 public:
  // Binds and starts serving on a background thread. kInvalidArgument for a
  // bad address, kUnavailable when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(
      AdminServerOptions options);

  ~AdminServer();  // Stop()s.
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // The bound port (the real one when the options asked for 0).
  int port() const { return port_; }
  const std::string& host() const { return host_; }

  // Stops accepting, waits for the serving thread. Idempotent.
  void Stop();

 private:
  AdminServer() = default;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string host_;
  int port_ = 0;
};

// The registry's metrics in the Prometheus text exposition format.
std::string SerializeMetrics(const prometheus::Registry& registry);

}  // namespace leakprof

#endif  // LEAKPROF_COMMON_SERVER_ADMIN_SERVER_H_
