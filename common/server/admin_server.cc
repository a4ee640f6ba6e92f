#include "common/server/admin_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace leakprof {

absl::StatusOr<std::pair<std::string, int>> ParseListenAddress(
    absl::string_view address) {
  std::string host;
  absl::string_view port_text;
  if (absl::StartsWith(address, "[")) {
    size_t close = address.find(']');
    if (close == absl::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return absl::InvalidArgumentError(absl::StrCat(
          "listen address \"", address, "\": want [v6-host]:port"));
    }
    host = std::string(address.substr(1, close - 1));
    port_text = address.substr(close + 2);
  } else {
    size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "listen address \"", address, "\": want host:port or :port"));
    }
    host = std::string(address.substr(0, colon));
    port_text = address.substr(colon + 1);
  }
  int port = 0;
  if (!absl::SimpleAtoi(port_text, &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address \"", address, "\": port \"", port_text,
                     "\" is not a number in [0, 65535]"));
  }
  if (host.empty()) host = "0.0.0.0";
  return std::make_pair(host, port);
}

std::string SerializeMetrics(const prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

namespace {

HttpRequest ToRequest(const httplib::Request& req) {
  HttpRequest out;
  out.path = req.path;
  for (const auto& [name, value] : req.params) out.params.emplace(name, value);
  return out;
}

void Send(const HttpResponse& from, httplib::Response& to) {
  to.status = from.status;
  to.set_content(from.body, from.content_type.c_str());
}

}  // namespace

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(
    AdminServerOptions options) {
  auto address = ParseListenAddress(options.address);
  if (!address.ok()) return address.status();

  std::unique_ptr<AdminServer> self(new AdminServer());
  self->server_ = std::make_unique<httplib::Server>();
  httplib::Server& server = *self->server_;
  // A handful of threads: the admin side must stay cheap.
  server.new_task_queue = [] { return new httplib::ThreadPool(2); };
  server.set_read_timeout(10, 0);
  server.set_write_timeout(10, 0);
  server.set_payload_max_length(64 * 1024);
  // httplib's default adds SO_REUSEPORT, which lets a second process bind
  // the same port and steal half the scrapes: keep only SO_REUSEADDR.
  server.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });

  std::shared_ptr<prometheus::Registry> registry = options.registry;
  std::function<void()> before_metrics = options.before_metrics;
  server.Get("/metrics", [registry, before_metrics](const httplib::Request&,
                                                    httplib::Response& res) {
    if (before_metrics) before_metrics();
    if (registry == nullptr) {
      res.status = 404;
      res.set_content("no metrics\n", "text/plain; charset=utf-8");
      return;
    }
    res.set_content(SerializeMetrics(*registry),
                    "text/plain; version=0.0.4; charset=utf-8");
  });
  auto health = options.health;
  server.Get("/healthz",
             [health](const httplib::Request&, httplib::Response& res) {
               absl::Status status = health ? health() : absl::OkStatus();
               if (status.ok()) {
                 res.set_content("ok\n", "text/plain; charset=utf-8");
               } else {
                 res.status = 503;
                 res.set_content(absl::StrCat(status.ToString(), "\n"),
                                 "text/plain; charset=utf-8");
               }
             });

  auto handlers = std::make_shared<std::map<std::string, HttpHandler>>(
      std::move(options.handlers));
  auto prefixes = std::make_shared<std::map<std::string, HttpHandler>>(
      std::move(options.prefix_handlers));
  // Everything else: exact handlers, then the longest matching prefix.
  server.Get(".*", [handlers, prefixes](const httplib::Request& req,
                                        httplib::Response& res) {
    HttpRequest request = ToRequest(req);
    if (auto it = handlers->find(request.path); it != handlers->end()) {
      Send(it->second(request), res);
      return;
    }
    const HttpHandler* best = nullptr;
    size_t best_length = 0;
    for (const auto& [prefix, handler] : *prefixes) {
      if (absl::StartsWith(request.path, prefix) &&
          prefix.size() >= best_length) {
        best = &handler;
        best_length = prefix.size();
      }
    }
    if (best != nullptr) {
      Send((*best)(request), res);
      return;
    }
    res.status = 404;
    res.set_content(absl::StrCat("no such page: ", request.path, "\n"),
                    "text/plain; charset=utf-8");
  });

  self->host_ = address->first;
  if (address->second == 0) {
    self->port_ = server.bind_to_any_port(self->host_.c_str());
  } else {
    self->port_ = server.bind_to_port(self->host_.c_str(), address->second)
                      ? address->second
                      : -1;
  }
  if (self->port_ <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.address,
                     " (in use, or not an address of this machine)"));
  }
  self->thread_ = std::thread([&server] { server.listen_after_bind(); });
  // httplib's stop() does nothing before the accept loop runs: wait for it,
  // so that a Stop() right after Start() cannot leave the thread behind.
  while (!server.is_running()) absl::SleepFor(absl::Milliseconds(1));
  return self;
}

AdminServer::~AdminServer() { Stop(); }

void AdminServer::Stop() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace leakprof
