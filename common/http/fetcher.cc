// Copyright 2026 The leakprof Authors.

#include "common/http/fetcher.h"

#include <curl/curl.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/http/fetch_errors.h"

namespace leakprof {
namespace http {
namespace {

// How much of a non-200 body is kept for the error message.
constexpr size_t kErrorSnippetBytes = 200;

// Result of the one curl_global_init call, made on first construction.
CURLcode GlobalInit() {
  static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  return rc;
}

struct CurlEasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct CurlUrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct CurlStrDeleter {
  void operator()(char* s) const { curl_free(s); }
};

// Per-call state shared with WriteBody.
struct WriteState {
  CURL* easy = nullptr;
  int64_t max_body_bytes = 0;
  std::string body;
  bool too_big = false;    // a 200 body went past max_body_bytes
  std::string error_body;  // start of a non-200 body, for the message
};

// CURLOPT_WRITEFUNCTION. Returning anything but `n` makes curl abort the
// transfer with CURLE_WRITE_ERROR.
size_t WriteBody(char* data, size_t size, size_t nmemb, void* user) {
  auto* state = static_cast<WriteState*>(user);
  const size_t n = size * nmemb;
  long status = 0;
  curl_easy_getinfo(state->easy, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    // The status decides the error; keep a snippet and stop reading.
    state->error_body.append(
        data, std::min(n, kErrorSnippetBytes - state->error_body.size()));
    return state->error_body.size() < kErrorSnippetBytes ? n : 0;
  }
  if (static_cast<uint64_t>(n) >
      static_cast<uint64_t>(state->max_body_bytes) - state->body.size()) {
    state->too_big = true;
    return 0;
  }
  state->body.append(data, n);
  return n;
}

// Checks `url` is an absolute http(s) URL with a host and no credentials.
absl::Status ValidateUrl(const std::string& url) {
  if (url.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("malformed URL: contains a NUL byte");
  }
  std::unique_ptr<CURLU, CurlUrlDeleter> u(curl_url());
  if (u == nullptr) return absl::InternalError("curl_url() failed");
  CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0);
  if (rc != CURLUE_OK) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed URL \"", url, "\": ", curl_url_strerror(rc)));
  }
  char* raw = nullptr;
  if (curl_url_get(u.get(), CURLUPART_SCHEME, &raw, 0) != CURLUE_OK) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed URL \"", url, "\": no scheme"));
  }
  std::unique_ptr<char, CurlStrDeleter> scheme(raw);
  const std::string lower = absl::AsciiStrToLower(scheme.get());
  if (lower != "http" && lower != "https") {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed URL \"", url, "\": scheme must be http or https"));
  }
  raw = nullptr;
  if (curl_url_get(u.get(), CURLUPART_HOST, &raw, 0) != CURLUE_OK) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed URL \"", url, "\": no host"));
  }
  std::unique_ptr<char, CurlStrDeleter> host(raw);
  if (host.get()[0] == '\0') {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed URL \"", url, "\": empty host"));
  }
  raw = nullptr;
  if (curl_url_get(u.get(), CURLUPART_USER, &raw, 0) == CURLUE_OK) {
    curl_free(raw);
    // Not echoing the URL: it holds a secret.
    return absl::InvalidArgumentError(
        "malformed URL: credentials in URLs are not supported");
  }
  return absl::OkStatus();
}

absl::Status CurlError(absl::string_view url, CURLcode rc, const char* errbuf,
                       const FetchOptions& options) {
  std::string msg =
      absl::StrCat("GET ", url, ": ", curl_easy_strerror(rc),
                   errbuf[0] != '\0' ? absl::StrCat(" (", errbuf, ")") : "");
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(absl::StrCat(
          msg, "; timeout ", absl::FormatDuration(options.timeout)));
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return absl::InvalidArgumentError(msg);
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_NOT_BUILT_IN:
      return absl::InternalError(msg);
    default:
      // Resolution, connect, send/receive, TLS, empty reply, cut body.
      return absl::UnavailableError(msg);
  }
}

class CurlFetcher : public Fetcher {
 public:
  absl::StatusOr<FetchResult> Get(absl::string_view url,
                                  const FetchOptions& options) override {
    if (GlobalInit() != CURLE_OK) {
      return absl::InternalError(absl::StrCat(
          "curl_global_init failed: ", curl_easy_strerror(GlobalInit())));
    }
    if (absl::Status s = CheckFetchOptions(url, options); !s.ok()) return s;
    const std::string url_str(url);
    if (absl::Status s = ValidateUrl(url_str); !s.ok()) return s;

    std::unique_ptr<CURL, CurlEasyDeleter> easy(curl_easy_init());
    if (easy == nullptr) return absl::InternalError("curl_easy_init failed");
    CURL* c = easy.get();

    // curl takes a long; 0 means no limit, hence the infinite case.
    long timeout_ms = 0;
    if (options.timeout != absl::InfiniteDuration()) {
      const int64_t ms = absl::ToInt64Milliseconds(
          absl::Ceil(options.timeout, absl::Milliseconds(1)));
      timeout_ms = static_cast<long>(std::min<int64_t>(ms, LONG_MAX));
    }

    WriteState state;
    state.easy = c;
    state.max_body_bytes = options.max_body_bytes;
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';

    CURLcode set = CURLE_OK;
    auto opt = [&set](CURLcode rc) {
      if (set == CURLE_OK) set = rc;
    };
    opt(curl_easy_setopt(c, CURLOPT_URL, url_str.c_str()));
    opt(curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https"));
    opt(curl_easy_setopt(c, CURLOPT_HTTPGET, 1L));
    // No signals: safe with many threads; the timeout uses the resolver
    // thread instead of SIGALRM.
    opt(curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L));
    opt(curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms));
    opt(curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms));
    opt(curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L));
    // Targets are scraped directly; ignore http_proxy and friends.
    opt(curl_easy_setopt(c, CURLOPT_PROXY, ""));
    opt(curl_easy_setopt(c, CURLOPT_USERAGENT, "leakprof"));
    opt(curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf));
    opt(curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &WriteBody));
    opt(curl_easy_setopt(c, CURLOPT_WRITEDATA, &state));
    if (options.max_body_bytes > 0) {
      // Refuses early on a Content-Length over the bound; WriteBody enforces
      // the bound on bodies without one. (0 would mean "no limit" to curl.)
      opt(curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
                           static_cast<curl_off_t>(options.max_body_bytes)));
    }
    if (set != CURLE_OK) {
      return absl::InternalError(absl::StrCat(
          "GET ", url, ": curl_easy_setopt: ", curl_easy_strerror(set)));
    }

    const CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);

    if (state.too_big ||
        (rc == CURLE_FILESIZE_EXCEEDED && (status == 200 || status == 0))) {
      return BodyTooLargeError(url, options.max_body_bytes);
    }
    // A status line arrived: it decides, even if the body was then cut.
    if (status != 0 && status != 200) {
      char* location = nullptr;
      if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &location) != CURLE_OK ||
          location == nullptr) {
        location = nullptr;
      }
      return HttpStatusError(url, status, location == nullptr ? "" : location,
                             state.error_body);
    }
    if (rc != CURLE_OK) return CurlError(url, rc, errbuf, options);
    if (status != 200) {
      return absl::UnavailableError(
          absl::StrCat("GET ", url, ": no HTTP status received"));
    }

    FetchResult result;
    result.http_status = 200;
    result.body = std::move(state.body);
    char* content_type = nullptr;
    if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &content_type) ==
            CURLE_OK &&
        content_type != nullptr) {
      result.content_type = content_type;
    }
    return result;
  }
};

}  // namespace

std::unique_ptr<Fetcher> NewCurlFetcher() {
  GlobalInit();
  return std::make_unique<CurlFetcher>();
}

}  // namespace http
}  // namespace leakprof
