// Copyright 2026 The leakprof Authors.
//
// Thread CPU of one GET on a kept connection, for the agent's fetcher
// (NewKeepAliveFetcher: POSIX sockets + libhttp-parser) and its anchor, the
// cpp-httplib fetcher it replaced (NewHttplibFetcher), plus a floor: a raw
// loop that sends the request and polls + recvs until the last byte, parsing
// nothing. The three take turns on their own connections to the same URL,
// with --sleep between GETs (an agent scrapes once in a while: caches are
// cold, as in production), each round started by the next one. Run by
// tools/bench/fetch_cpu.sh.
//
// Prints, per fetcher: GETs measured (the first, which connects, is not),
// body bytes, and thread CPU (CLOCK_THREAD_CPUTIME_ID around the call) in
// microseconds: median, mean, p10, p90.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/http/fetcher.h"
#include "common/http/httplib_fetcher.h"
#include "common/http/keepalive_fetcher.h"

ABSL_FLAG(std::string, url, "",
          "http://127.0.0.1:PORT/path to GET (loopback only)");
ABSL_FLAG(int, gets, 30, "measured GETs per fetcher (1..1000)");
ABSL_FLAG(absl::Duration, sleep, absl::Seconds(1),
          "pause between two GETs (any fetcher)");

namespace {

using leakprof::http::FetchOptions;
using leakprof::http::FetchResult;

int64_t ThreadCpuNs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// The floor: one kept IPv4 connection, the request in one send, poll +
// recv into a reused buffer until the response's end is seen (Content-Length
// reached, or the chunked terminator). Trusts the server; no checks.
class RawLoop {
 public:
  RawLoop(int port, std::string target) : port_(port) {
    request_ = absl::StrCat("GET ", target,
                            " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: "
                            "leakprof\r\nAccept-Encoding: identity\r\n\r\n");
  }
  ~RawLoop() {
    if (fd_ >= 0) close(fd_);
  }

  // Body-ish byte count (the whole response), or -1.
  int64_t Get() {
    if (fd_ < 0 && !Connect()) return -1;
    if (send(fd_, request_.data(), request_.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request_.size())) {
      return -1;
    }
    buf_.clear();
    size_t head_end = std::string::npos;
    int64_t length = -1;
    while (true) {
      pollfd pfd = {fd_, POLLIN, 0};
      if (poll(&pfd, 1, 10000) != 1) return -1;
      char chunk[65536];
      const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) return -1;
      buf_.append(chunk, static_cast<size_t>(n));
      if (head_end == std::string::npos) {
        head_end = buf_.find("\r\n\r\n");
        if (head_end == std::string::npos) continue;
        const size_t cl = buf_.find("Content-Length: ");
        if (cl != std::string::npos && cl < head_end) {
          length = std::strtoll(buf_.c_str() + cl + 16, nullptr, 10);
        }
      }
      if (length >= 0 &&
          buf_.size() >= head_end + 4 + static_cast<size_t>(length)) {
        return static_cast<int64_t>(buf_.size());
      }
      if (length < 0 && absl::EndsWith(buf_, "\r\n0\r\n\r\n")) {
        return static_cast<int64_t>(buf_.size());
      }
    }
  }

 private:
  bool Connect() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    const int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }

  int port_;
  int fd_ = -1;
  std::string request_;
  std::string buf_;
};

struct Series {
  std::string name;
  std::vector<double> us;
  int64_t bytes = 0;
  int errors = 0;
};

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5)];
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string url = absl::GetFlag(FLAGS_url);
  const int gets = absl::GetFlag(FLAGS_gets);
  const absl::Duration pause = absl::GetFlag(FLAGS_sleep);
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "http://127.0.0.1:") || gets < 1 ||
      gets > 1000 || pause < absl::ZeroDuration() ||
      pause > absl::Seconds(10)) {
    std::fprintf(stderr,
                 "usage: fetch_cpu --url=http://127.0.0.1:PORT/path "
                 "[--gets=1..1000] [--sleep=0..10s]\n");
    return 2;
  }
  const size_t slash = rest.find('/');
  int port = 0;
  if (slash == absl::string_view::npos ||
      !absl::SimpleAtoi(rest.substr(0, slash), &port)) {
    std::fprintf(stderr, "bad url %s\n", url.c_str());
    return 2;
  }
  RawLoop raw(port, std::string(rest.substr(slash)));
  std::unique_ptr<leakprof::http::Fetcher> keepalive =
      leakprof::http::NewKeepAliveFetcher();
  std::unique_ptr<leakprof::http::Fetcher> httplib =
      leakprof::http::NewHttplibFetcher();
  FetchOptions options;
  options.timeout = absl::Seconds(10);
  options.max_body_bytes = 64 << 20;

  Series series[3] = {{"keepalive (new)", {}, 0, 0},
                      {"httplib_anchor", {}, 0, 0},
                      {"raw_loop (floor)", {}, 0, 0}};
  // Round 0 connects and is not counted.
  for (int round = 0; round <= gets; ++round) {
    // Each round starts with the next fetcher: none is always first after
    // the others' GETs.
    for (int k = 0; k < 3; ++k) {
      const int f = (round + k) % 3;
      absl::SleepFor(pause);
      const int64_t before = ThreadCpuNs();
      int64_t bytes = -1;
      if (f == 2) {
        bytes = raw.Get();
      } else {
        absl::StatusOr<FetchResult> r =
            (f == 0 ? keepalive : httplib)->Get(url, options);
        if (r.ok()) {
          bytes = static_cast<int64_t>(r->body.size());
        } else if (round == 0) {
          std::fprintf(stderr, "%s: %s\n", series[f].name.c_str(),
                       r.status().ToString().c_str());
        }
      }
      const int64_t after = ThreadCpuNs();
      if (bytes < 0) {
        ++series[f].errors;
        continue;
      }
      if (round == 0) continue;
      series[f].bytes = bytes;
      series[f].us.push_back(static_cast<double>(after - before) / 1000.0);
    }
  }
  std::printf("%-18s %5s %7s %9s %9s %9s %9s %8s\n", "fetcher", "gets", "bytes",
              "median_us", "mean_us", "p10_us", "p90_us", "errors");
  for (const Series& s : series) {
    if (s.us.empty()) {
      std::printf("%-18s %5d %7s %9s %9s %9s %9s %8d\n", s.name.c_str(), 0, "-",
                  "-", "-", "-", "-", s.errors);
      continue;
    }
    double sum = 0;
    for (double v : s.us) sum += v;
    std::printf("%-18s %5zu %7lld %9.1f %9.1f %9.1f %9.1f %8d\n",
                s.name.c_str(), s.us.size(), static_cast<long long>(s.bytes),
                Percentile(s.us, 0.5), sum / static_cast<double>(s.us.size()),
                Percentile(s.us, 0.1), Percentile(s.us, 0.9), s.errors);
  }
  return series[0].errors + series[1].errors > 0 ? 1 : 0;
}
