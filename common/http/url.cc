// Copyright 2026 The leakprof Authors.

#include "common/http/url.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace leakprof {
namespace http {
namespace {

absl::Status Malformed(absl::string_view url, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("malformed URL \"", absl::CHexEscape(url), "\": ", why));
}

}  // namespace

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
  parsed.scheme = scheme;
  parsed.host = std::string(host);
  parsed.port = port_number;
  return parsed;
}

}  // namespace http
}  // namespace leakprof
