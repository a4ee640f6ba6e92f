// Copyright 2026 The leakprof Authors.

#include "agent/testing/bad_target.h"

#include <httplib.h>
#include <zlib.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace leakprof {
namespace agent {
namespace testing {
namespace {

// One gzip member of `n` zero bytes.
std::string GzipZeros(size_t n) {
  std::string in(n, '\0');
  z_stream z = {};
  deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace

BadTarget::BadTarget() : server_(std::make_unique<httplib::Server>()) {
  // 150 members of 1 MiB of zeros: ~150 KB on the wire, 150 MiB inflated.
  const std::string member = GzipZeros(1 << 20);
  for (int i = 0; i < 150; ++i) bomb_ += member;
}

BadTarget::~BadTarget() { Stop(); }

absl::Status BadTarget::Start() {
  httplib::Server& s = *server_;
  s.Get(R"(/hang/.*)", [this](const httplib::Request&, httplib::Response& r) {
    for (int i = 0; i < 600 && !stop_; ++i) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    r.set_content("late", "text/plain");
  });
  s.Get(R"(/500/.*)", [](const httplib::Request&, httplib::Response& r) {
    r.status = 500;
    r.set_content("internal error", "text/plain");
  });
  s.Get(R"(/garbage/.*)", [](const httplib::Request&, httplib::Response& r) {
    r.set_content("<html><body>Welcome to nginx!</body></html>\n", "text/html");
  });
  s.Get(R"(/bomb/.*)", [this](const httplib::Request&, httplib::Response& r) {
    r.set_content(bomb_, "application/octet-stream");
  });
  s.Get(R"(/huge/.*)", [](const httplib::Request&, httplib::Response& r) {
    r.set_content(std::string(5 << 20, 'x'), "application/octet-stream");
  });
  port_ = s.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) return absl::UnavailableError("cannot bind");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) absl::SleepFor(absl::Milliseconds(5));
  return absl::OkStatus();
}

void BadTarget::Stop() {
  stop_ = true;
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

std::string BadTarget::Root(const std::string& kind) const {
  return absl::StrCat("http://127.0.0.1:", port_, "/", kind, "/debug/pprof/");
}

}  // namespace testing
}  // namespace agent
}  // namespace leakprof
