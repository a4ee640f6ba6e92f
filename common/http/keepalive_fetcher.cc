// Copyright 2026 The leakprof Authors.
//
// One GET on a kept connection is: poll(0) to see that the server has not
// closed it, one send() of the whole request, then poll + recv until
// Http1Response says the response is complete. No regex, no header maps, no
// per-line reads, and no allocation in steady state beyond the body string
// and the Content-Type copied into the result: the read buffer, the request
// buffer and the parser's strings live with the origin, and a URL asked for
// before is not parsed again.
//
// What is left is mostly the kernel's (send, poll, recv) and cache misses:
// an agent's GET runs on a core that has done other work for a minute, so
// every code page it touches is cold. Hence few libraries on the way, and
// no work repeated per call that can be done once per URL.

#include "common/http/keepalive_fetcher.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/http/fetch_errors.h"
#include "common/http/http1_response.h"
#include "common/http/httplib_fetcher.h"
#include "common/http/url.h"

namespace leakprof {
namespace http {
namespace {

// poll() takes int milliseconds: an infinite timeout becomes a day.
constexpr absl::Duration kLongestTimeout = absl::Hours(24);
// URLs kept parsed (Target below); more are parsed on every call.
constexpr size_t kMaxTargets = 16;
// One recv() takes a whole ~3 KB debug=0 profile, and a few MiB of debug=2
// text in few calls.
constexpr size_t kReadBufferBytes = 64 << 10;

// Deadlines are CLOCK_MONOTONIC nanoseconds, read through the vDSO: a step
// of the wall clock must not stretch or cut a timeout, and absl::Now()
// recalibrates its cycle clock after an idle second (a few µs per scrape).
int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// Waits up to `deadline` for `events` on `fd`: 1 ready (or an error to read
// with the next call), 0 timed out, -1 poll failed (errno).
int WaitFor(int fd, short events, int64_t deadline) {
  while (true) {
    const int64_t left = deadline - MonotonicNs();
    if (left <= 0) return 0;
    // Rounded up, so that a sub-millisecond rest is not a busy poll(0).
    const int ms = static_cast<int>((left + 999999) / 1000000);
    pollfd pfd = {fd, events, 0};
    const int n = poll(&pfd, 1, ms);
    if (n > 0) return 1;
    if (n < 0 && errno != EINTR) return -1;
  }
}

absl::Status Errno(absl::string_view what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", strerror(errno)));
}

// A connected non-blocking TCP socket to host:port, within `deadline`.
// Numeric hosts (127.0.0.1, [::1]) do not touch the resolver; a name is
// resolved by getaddrinfo, which has no deadline of its own.
absl::StatusOr<int> Connect(const ParsedUrl& url, int64_t deadline) {
  std::string host = url.host;
  if (absl::StartsWith(host, "[")) host = host.substr(1, host.size() - 2);
  const std::string port = absl::StrCat(url.port);
  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
  if (rc == EAI_NONAME) {
    hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
    rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
  }
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("resolving ", url.host, ": ",
                     rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> free_found(found,
                                                            &freeaddrinfo);
  const std::string where = absl::StrCat(url.host, ":", url.port);
  absl::Status last = absl::UnavailableError(
      absl::StrCat("connecting to ", where, ": no address"));
  // Addresses in the resolver's order, the first that answers wins.
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    const int fd =
        socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      last = Errno("socket");
      continue;
    }
    int err = 0;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        const int ready = WaitFor(fd, POLLOUT, deadline);
        if (ready == 0) {
          close(fd);
          return absl::DeadlineExceededError(
              absl::StrCat("timed out connecting to ", where));
        }
        socklen_t len = sizeof(err);
        if (ready < 0) {
          err = errno;
        } else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
          err = errno;
        }
      }
    }
    if (err != 0) {
      last = absl::UnavailableError(
          absl::StrCat("connecting to ", where, ": ", strerror(err)));
      close(fd);
      continue;
    }
    // The request is one small send() and the reply is awaited at once:
    // Nagle would only add a delay if a request ever took two writes.
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
  }
  return last;
}

// True when `fd`, idle since its last response, still looks open: nothing
// to read (a server's close or reset would be). One poll(0); a recv only when
// something is there.
bool StillOpen(int fd) {
  pollfd pfd = {fd, POLLIN, 0};
  if (poll(&pfd, 1, 0) == 0) return true;
  char c;
  // EOF (0), an error, or a byte nobody asked for: all mean start afresh.
  return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) < 0 &&
         (errno == EAGAIN || errno == EWOULDBLOCK);
}

// One origin (host, port) and its kept connection; calls to it take turns.
struct Origin {
  ~Origin() {
    if (fd >= 0) close(fd);
  }
  void Drop() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (fd >= 0) close(fd);
    fd = -1;
  }

  absl::Mutex mu;
  int fd ABSL_GUARDED_BY(mu) = -1;  // -1: no connection
  // Reused by every call, so a steady scrape allocates only its body.
  std::unique_ptr<char[]> buffer ABSL_GUARDED_BY(mu);
  std::string request ABSL_GUARDED_BY(mu);
  Http1Response response ABSL_GUARDED_BY(mu);
  // The size of the last 200 body: the next one, if chunked, is reserved
  // at that (profiles of one server change little between scrapes).
  uint64_t last_body_bytes ABSL_GUARDED_BY(mu) = 0;
};

// A URL asked for before, parsed, with its origin. An agent asks for the
// same two or three URLs every cycle; on a core whose caches the sleep
// between scrapes emptied, parsing the URL and looking up its origin cost
// ~25 µs, a sixth of the whole GET (docs/benchmarks.md).
struct Target {
  std::string url;
  ParsedUrl parsed;
  Origin* origin = nullptr;
};

class KeepAliveFetcher final : public Fetcher {
 public:
  absl::StatusOr<FetchResult> Get(absl::string_view url,
                                  const FetchOptions& options) override {
    if (absl::Status s = CheckFetchOptions(url, options); !s.ok()) return s;
    Target uncached;  // when kMaxTargets other URLs are remembered
    const Target* target = FindTarget(url);
    if (target == nullptr) {
      absl::StatusOr<ParsedUrl> parsed = ParseUrl(url);
      if (!parsed.ok()) return parsed.status();
      // TLS stays with cpp-httplib, which Debian builds with OpenSSL: https
      // targets keep working as they did, without a TLS stack here.
      if (parsed->scheme == "https") return https_->Get(url, options);
      uncached.url = std::string(url);
      uncached.parsed = *std::move(parsed);
      target = Remember(&uncached);
    }

    const int64_t deadline =
        MonotonicNs() +
        absl::ToInt64Nanoseconds(std::min(options.timeout, kLongestTimeout));
    Origin* origin = target->origin;
    absl::MutexLock lock(&origin->mu);
    if (origin->fd >= 0 && !StillOpen(origin->fd)) origin->Drop();
    const bool reused = origin->fd >= 0;
    absl::Status s = Run(origin, target->parsed, options, deadline);
    const Http1Response& r = origin->response;
    // A server may drop an idle connection just as the request goes out:
    // the request then fails with no byte of answer. GETs are idempotent,
    // so one more try on a new connection.
    if (reused && r.bytes_fed() == 0 && !absl::IsDeadlineExceeded(s) &&
        MonotonicNs() < deadline) {
      origin->Drop();
      s = Run(origin, target->parsed, options, deadline);
    }
    if (!s.ok() || r.state() != Http1Response::State::kDone || !r.reusable()) {
      origin->Drop();
    }

    if (r.state() == Http1Response::State::kTooLarge) {
      return BodyTooLargeError(url, options.max_body_bytes);
    }
    // A status line arrived: it decides, even if the body was then cut.
    if (r.status() != 0 && r.status() != 200) {
      return HttpStatusError(url, r.status(), r.location(), r.error_body());
    }
    if (absl::IsDeadlineExceeded(s)) {
      return absl::DeadlineExceededError(
          absl::StrCat("GET ", url, ": ", s.message(), "; timeout ",
                       absl::FormatDuration(options.timeout)));
    }
    if (!s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("GET ", url, ": ", s.message()));
    }
    switch (r.state()) {
      case Http1Response::State::kMalformed:
        return absl::UnavailableError(absl::StrCat(
            "GET ", url, ": malformed HTTP response: ", r.error()));
      case Http1Response::State::kTruncated:
        return absl::UnavailableError(
            absl::StrCat("GET ", url, ": ", r.error()));
      default:
        break;
    }
    FetchResult result;
    result.http_status = 200;
    result.body = origin->response.TakeBody();
    origin->last_body_bytes = result.body.size();
    result.content_type = r.content_type();
    return result;
  }

 private:
  const Target* FindTarget(absl::string_view url) {
    absl::MutexLock lock(&mu_);
    for (const std::unique_ptr<Target>& t : targets_) {
      if (t->url == url) return t.get();
    }
    return nullptr;
  }

  // Gives `t` its origin and keeps a copy (returned) unless kMaxTargets are
  // kept already (then `t` itself). Kept targets are never changed or freed
  // before the fetcher, so callers read them without the lock.
  const Target* Remember(Target* t) {
    absl::MutexLock lock(&mu_);
    std::unique_ptr<Origin>& o = origins_[t->parsed.origin];
    if (o == nullptr) o = std::make_unique<Origin>();
    t->origin = o.get();
    if (targets_.size() >= kMaxTargets) return t;
    targets_.push_back(std::make_unique<Target>(*t));
    return targets_.back().get();
  }

  // Sends the request on the origin's connection (a new one if it has none)
  // and reads the response into origin->response until it is kDone (or
  // stops early: kTooLarge, kMalformed, kTruncated, a non-200's snippet).
  // An error here is the socket's: kDeadlineExceeded or kUnavailable.
  static absl::Status Run(Origin* origin, const ParsedUrl& url,
                          const FetchOptions& options, int64_t deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(origin->mu) {
    Http1Response& response = origin->response;
    response.Reset(static_cast<uint64_t>(options.max_body_bytes),
                   origin->last_body_bytes);
    if (origin->fd < 0) {
      absl::StatusOr<int> fd = Connect(url, deadline);
      if (!fd.ok()) return fd.status();
      origin->fd = *fd;
    }
    const int fd = origin->fd;

    // The whole request in one send(): it fits any socket buffer, so the
    // poll for POLLOUT is only for a full buffer that never happens here.
    std::string& request = origin->request;
    request.clear();
    absl::StrAppend(&request, "GET ", url.target,
                    " HTTP/1.1\r\nHost: ", url.host);
    if (url.port != 80) absl::StrAppend(&request, ":", url.port);
    // The headers cpp-httplib sent: the body is passed through as served
    // (a debug=0 profile is a gzip file the parser bounds itself).
    absl::StrAppend(&request,
                    "\r\nUser-Agent: leakprof\r\nAccept: */*\r\n"
                    "Accept-Encoding: identity\r\n\r\n");
    for (size_t sent = 0; sent < request.size();) {
      const ssize_t n =
          send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n >= 0) {
        sent += static_cast<size_t>(n);
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        const int ready = WaitFor(fd, POLLOUT, deadline);
        if (ready == 0) {
          return absl::DeadlineExceededError("timed out sending the request");
        }
        if (ready < 0) return Errno("sending the request");
      } else if (errno != EINTR) {
        return Errno("sending the request");
      }
    }

    if (origin->buffer == nullptr) {
      origin->buffer = std::make_unique<char[]>(kReadBufferBytes);
    }
    char* buffer = origin->buffer.get();
    while (response.state() == Http1Response::State::kNeedMore) {
      // Poll first: the answer is never there yet right after the request,
      // and the wait must end at the deadline.
      const int ready = WaitFor(fd, POLLIN, deadline);
      if (ready == 0) {
        return absl::DeadlineExceededError(
            response.bytes_fed() == 0
                ? std::string("timed out waiting for the response")
                : absl::StrCat("timed out reading the response, after ",
                               response.bytes_fed(), " bytes"));
      }
      if (ready < 0) return Errno("waiting for the response");
      const ssize_t n = recv(fd, buffer, kReadBufferBytes, 0);
      if (n > 0) {
        response.Feed(buffer, static_cast<size_t>(n));
      } else if (n == 0) {
        response.Eof();
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        return Errno("reading the response");
      }
    }
    return absl::OkStatus();
  }

  const std::unique_ptr<Fetcher> https_ = NewHttplibFetcher();
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Origin>> origins_
      ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Target>> targets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<Fetcher> NewKeepAliveFetcher() {
  return std::make_unique<KeepAliveFetcher>();
}

}  // namespace http
}  // namespace leakprof
