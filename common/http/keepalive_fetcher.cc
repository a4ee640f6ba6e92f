// Copyright 2026 The leakprof Authors.

#include "common/http/keepalive_fetcher.h"

#include <httplib.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/http/fetch_errors.h"

namespace leakprof {
namespace http {
namespace {

// How much of a non-200 body is kept for the error message.
constexpr size_t kErrorSnippetBytes = 200;
// httplib takes timeouts as seconds + microseconds and polls in int
// milliseconds: an infinite timeout becomes a day.
constexpr absl::Duration kLongestTimeout = absl::Hours(24);

struct ParsedUrl {
  std::string origin;  // "http://host:port", as httplib::Client takes it
  std::string target;  // "/path?query", at least "/"
};

absl::Status Malformed(absl::string_view url, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("malformed URL \"", absl::CHexEscape(url), "\": ", why));
}

// Accepts absolute http(s) URLs with a host, an optional port and no
// credentials; the fragment is dropped.
absl::StatusOr<ParsedUrl> ParseUrl(absl::string_view url) {
  if (url.find('\0') != absl::string_view::npos) {
    return absl::InvalidArgumentError("malformed URL: contains a NUL byte");
  }
  const size_t colon = url.find("://");
  if (colon == absl::string_view::npos || colon == 0) {
    return Malformed(url, "no scheme");
  }
  const std::string scheme = absl::AsciiStrToLower(url.substr(0, colon));
  if (scheme != "http" && scheme != "https") {
    return Malformed(url, "scheme must be http or https");
  }
  absl::string_view rest = url.substr(colon + 3);
  const size_t end = rest.find_first_of("/?#");
  absl::string_view authority = rest.substr(0, end);
  absl::string_view target =
      end == absl::string_view::npos ? "" : rest.substr(end);
  if (authority.find('@') != absl::string_view::npos) {
    // Not echoing the URL: it holds a secret.
    return absl::InvalidArgumentError(
        "malformed URL: credentials in URLs are not supported");
  }
  absl::string_view host = authority;
  absl::string_view port;
  if (absl::StartsWith(authority, "[")) {
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) {
      return Malformed(url, "unclosed [ in host");
    }
    host = authority.substr(0, close + 1);
    absl::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Malformed(url, "junk after ]");
      port = after.substr(1);
    }
  } else if (const size_t c = authority.rfind(':');
             c != absl::string_view::npos) {
    host = authority.substr(0, c);
    port = authority.substr(c + 1);
  }
  if (host.empty() || host == "[]") return Malformed(url, "empty host");
  for (char ch : host) {
    if (absl::ascii_isspace(static_cast<unsigned char>(ch)) ||
        absl::ascii_iscntrl(static_cast<unsigned char>(ch))) {
      return Malformed(url, "bad character in host");
    }
  }
  int port_number = scheme == "https" ? 443 : 80;
  if (!port.empty() && (!absl::SimpleAtoi(port, &port_number) ||
                        port_number < 1 || port_number > 65535)) {
    return Malformed(url, "bad port");
  }
  const size_t hash = target.find('#');
  if (hash != absl::string_view::npos) target = target.substr(0, hash);
  for (char ch : target) {
    if (ch == ' ' || absl::ascii_iscntrl(static_cast<unsigned char>(ch))) {
      return Malformed(url, "bad character in path");
    }
  }
  ParsedUrl parsed;
  parsed.origin = absl::StrCat(scheme, "://", host, ":", port_number);
  parsed.target = absl::StartsWith(target, "/") ? std::string(target)
                                                : absl::StrCat("/", target);
  return parsed;
}

// One origin's connection. httplib::Client serializes its own requests, but
// the lock also covers the timeouts set per call.
struct Origin {
  explicit Origin(const std::string& origin) : client(origin) {
    client.set_keep_alive(true);
    client.set_follow_location(false);
    client.set_decompress(false);
  }
  absl::Mutex mu;
  httplib::Client client ABSL_GUARDED_BY(mu);
  // A request completed on this client: its connection may be stale.
  bool used ABSL_GUARDED_BY(mu) = false;
};

// What the callbacks of one attempt saw.
struct Attempt {
  int status = 0;  // 0: no status line received
  std::string content_type;
  std::string location;
  std::string body;
  std::string error_body;
  bool too_big = false;
  bool past_deadline = false;
  httplib::Error error = httplib::Error::Success;
};

class KeepAliveFetcher final : public Fetcher {
 public:
  absl::StatusOr<FetchResult> Get(absl::string_view url,
                                  const FetchOptions& options) override {
    if (absl::Status s = CheckFetchOptions(url, options); !s.ok()) return s;
    absl::StatusOr<ParsedUrl> parsed = ParseUrl(url);
    if (!parsed.ok()) return parsed.status();
    Origin* origin = OriginFor(parsed->origin);
    if (!origin->client.is_valid()) {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed URL \"", url, "\": not usable as an origin"));
    }

    const absl::Duration timeout = std::min(options.timeout, kLongestTimeout);
    const absl::Time start = absl::Now();
    const absl::Time deadline = start + timeout;
    absl::MutexLock lock(&origin->mu);
    Attempt a = Run(origin, parsed->target, options, timeout, deadline);
    // A kept connection the server dropped fails at once with no status:
    // one more try on a new connection.
    const bool reused = origin->used;
    if (reused && a.status == 0 && !a.past_deadline &&
        (a.error == httplib::Error::Read || a.error == httplib::Error::Write ||
         a.error == httplib::Error::Connection) &&
        absl::Now() - start < timeout) {
      a = Run(origin, parsed->target, options, deadline - absl::Now(),
              deadline);
    }
    origin->used = a.error == httplib::Error::Success;

    if (a.too_big) {
      return BodyTooLargeError(url, options.max_body_bytes);
    }
    // A status line arrived: it decides, even if the body was then cut.
    if (a.status != 0 && a.status != 200) {
      return HttpStatusError(url, a.status, a.location, a.error_body);
    }
    const bool timed_out =
        a.past_deadline || a.error == httplib::Error::ConnectionTimeout ||
        (a.error == httplib::Error::Read && absl::Now() >= deadline);
    if (timed_out) {
      return absl::DeadlineExceededError(
          absl::StrCat("GET ", url, ": timed out; timeout ",
                       absl::FormatDuration(options.timeout)));
    }
    if (a.error != httplib::Error::Success) {
      return absl::UnavailableError(
          absl::StrCat("GET ", url, ": ", httplib::to_string(a.error)));
    }
    if (a.status != 200) {
      return absl::UnavailableError(
          absl::StrCat("GET ", url, ": no HTTP status received"));
    }
    FetchResult result;
    result.http_status = 200;
    result.body = std::move(a.body);
    result.content_type = std::move(a.content_type);
    return result;
  }

 private:
  Origin* OriginFor(const std::string& key) {
    absl::MutexLock lock(&mu_);
    std::unique_ptr<Origin>& o = origins_[key];
    if (o == nullptr) o = std::make_unique<Origin>(key);
    return o.get();
  }

  static Attempt Run(Origin* origin, const std::string& target,
                     const FetchOptions& options, absl::Duration timeout,
                     absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(origin->mu) {
    const int64_t usec =
        std::max<int64_t>(absl::ToInt64Microseconds(timeout), 1000);
    httplib::Client& client = origin->client;
    client.set_connection_timeout(usec / 1000000, usec % 1000000);
    client.set_read_timeout(usec / 1000000, usec % 1000000);
    client.set_write_timeout(usec / 1000000, usec % 1000000);

    Attempt a;
    const uint64_t bound = static_cast<uint64_t>(options.max_body_bytes);
    auto on_response = [&a, bound](const httplib::Response& r) {
      a.status = r.status;
      a.content_type = r.get_header_value("Content-Type");
      a.location = r.get_header_value("Location");
      uint64_t length = 0;
      if (r.status == 200 &&
          absl::SimpleAtoi(r.get_header_value("Content-Length"), &length) &&
          length > bound) {
        a.too_big = true;  // refused before reading the body
        return false;
      }
      return true;
    };
    auto on_data = [&a, bound, deadline](const char* data, size_t n) {
      if (absl::Now() > deadline) {
        a.past_deadline = true;
        return false;
      }
      if (a.status != 200) {
        a.error_body.append(
            data, std::min(n, kErrorSnippetBytes - a.error_body.size()));
        return a.error_body.size() < kErrorSnippetBytes;
      }
      if (static_cast<uint64_t>(n) > bound - a.body.size()) {
        a.too_big = true;
        return false;
      }
      a.body.append(data, n);
      return true;
    };
    const httplib::Headers headers = {{"Accept-Encoding", "identity"},
                                      {"User-Agent", "leakprof"}};
    httplib::Result res = client.Get(target, headers, on_response, on_data);
    a.error = res.error();
    if (res && a.status == 0) a.status = res->status;
    return a;
  }

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Origin>> origins_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<Fetcher> NewKeepAliveFetcher() {
  return std::make_unique<KeepAliveFetcher>();
}

}  // namespace http
}  // namespace leakprof
