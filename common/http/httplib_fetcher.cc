// Copyright 2026 The leakprof Authors.

#include "common/http/httplib_fetcher.h"

#include <httplib.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/http/fetch_errors.h"
#include "common/http/url.h"

namespace leakprof {
namespace http {
namespace {

// How much of a non-200 body is kept for the error message.
constexpr size_t kErrorSnippetBytes = 200;
// httplib takes timeouts as seconds + microseconds and polls in int
// milliseconds: an infinite timeout becomes a day.
constexpr absl::Duration kLongestTimeout = absl::Hours(24);

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

class HttplibFetcher final : public Fetcher {
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

std::unique_ptr<Fetcher> NewHttplibFetcher() {
  return std::make_unique<HttplibFetcher>();
}

}  // namespace http
}  // namespace leakprof
