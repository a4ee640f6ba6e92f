// Copyright 2026 The leakprof Authors.

#include "agent/grpc_wire.h"

#include <zlib.h>

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace leakprof {
namespace agent {
namespace {

constexpr size_t kPrefix = 5;

const std::string* Find(const std::vector<H2Header>& headers,
                        absl::string_view name) {
  for (const H2Header& h : headers) {
    if (h.name == name) return &h.value;
  }
  return nullptr;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

absl::StatusOr<std::string> Gzip(absl::string_view in) {
  z_stream z = {};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return absl::InternalError("deflateInit2 failed");
  }
  std::string out(deflateBound(&z, in.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(&out[0]);
  z.avail_out = static_cast<uInt>(out.size());
  const int rv = deflate(&z, Z_FINISH);
  const size_t n = z.total_out;
  deflateEnd(&z);
  if (rv != Z_STREAM_END) return absl::InternalError("gzip: deflate failed");
  out.resize(n);
  return out;
}

absl::StatusOr<std::string> Gunzip(absl::string_view in, size_t max_bytes) {
  z_stream z = {};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
    return absl::InternalError("inflateInit2 failed");
  }
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  char buf[16384];
  int rv = Z_OK;
  while (rv != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    rv = inflate(&z, Z_NO_FLUSH);
    if (rv != Z_OK && rv != Z_STREAM_END) {
      inflateEnd(&z);
      return absl::InternalError(
          absl::StrCat("gunzip: corrupt or truncated input (zlib ", rv, ")"));
    }
    const size_t n = sizeof(buf) - z.avail_out;
    if (out.size() + n > max_bytes) {
      inflateEnd(&z);
      return absl::ResourceExhaustedError(
          absl::StrCat("gunzip: more than ", max_bytes, " bytes decompressed"));
    }
    out.append(buf, n);
    if (rv == Z_OK && n == 0 && z.avail_in == 0) {
      inflateEnd(&z);
      return absl::InternalError("gunzip: truncated input");
    }
  }
  const bool trailing = z.avail_in != 0;
  inflateEnd(&z);
  if (trailing) return absl::InternalError("gunzip: bytes after the stream");
  return out;
}

absl::StatusOr<std::string> FrameGrpcMessage(absl::string_view message,
                                             bool gzip) {
  std::string payload;
  if (gzip) {
    LEAKPROF_ASSIGN_OR_RETURN(payload, Gzip(message));
  } else {
    payload = std::string(message);
  }
  if (payload.size() > 0xffffffffu) {
    return absl::InvalidArgumentError("gRPC message over 4 GiB");
  }
  const uint32_t n = static_cast<uint32_t>(payload.size());
  std::string out;
  out.reserve(kPrefix + payload.size());
  out.push_back(gzip ? 1 : 0);
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>(n >> 16));
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(n));
  out += payload;
  return out;
}

struct GzipFramer::State {
  z_stream z = {};
};

GzipFramer::~GzipFramer() {
  if (state_ != nullptr) {
    deflateEnd(&state_->z);
    delete state_;
  }
}

absl::StatusOr<std::string> GzipFramer::Frame(absl::string_view message) {
  if (state_ == nullptr) {
    state_ = new State();
    // A 8 KiB window and memLevel 7: zlib's state is ~96 KiB instead of
    // ~256 KiB, kept for the agent's life; a steady-state push is a few
    // hundred bytes and a first push's strings are interned already.
    if (deflateInit2(&state_->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + 13, 7,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
      delete state_;
      state_ = nullptr;
      return absl::InternalError("deflateInit2 failed");
    }
  } else if (deflateReset(&state_->z) != Z_OK) {
    return absl::InternalError("deflateReset failed");
  }
  z_stream& z = state_->z;
  std::string out(kPrefix + deflateBound(&z, message.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(message.data()));
  z.avail_in = static_cast<uInt>(message.size());
  z.next_out = reinterpret_cast<Bytef*>(&out[kPrefix]);
  z.avail_out = static_cast<uInt>(out.size() - kPrefix);
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
    return absl::InternalError("gzip: deflate failed");
  }
  const uint32_t n = static_cast<uint32_t>(z.total_out);
  out.resize(kPrefix + n);
  out[0] = 1;
  out[1] = static_cast<char>(n >> 24);
  out[2] = static_cast<char>(n >> 16);
  out[3] = static_cast<char>(n >> 8);
  out[4] = static_cast<char>(n);
  return out;
}

absl::StatusOr<std::string> UnframeGrpcMessage(absl::string_view body,
                                               absl::string_view encoding,
                                               size_t max_bytes) {
  if (body.size() < kPrefix) {
    return absl::InternalError(absl::StrCat("response body of ", body.size(),
                                            " bytes: no gRPC message"));
  }
  const uint8_t flag = static_cast<uint8_t>(body[0]);
  const uint32_t n =
      (static_cast<uint32_t>(static_cast<uint8_t>(body[1])) << 24) |
      (static_cast<uint32_t>(static_cast<uint8_t>(body[2])) << 16) |
      (static_cast<uint32_t>(static_cast<uint8_t>(body[3])) << 8) |
      static_cast<uint32_t>(static_cast<uint8_t>(body[4]));
  if (flag > 1) {
    return absl::InternalError(
        absl::StrCat("gRPC message flag ", flag, " (want 0 or 1)"));
  }
  if (body.size() - kPrefix != n) {
    return absl::InternalError(
        absl::StrCat("gRPC message of ", n, " bytes in a body of ",
                     body.size() - kPrefix, " (want exactly one message)"));
  }
  absl::string_view payload = body.substr(kPrefix);
  if (flag == 0) {
    if (payload.size() > max_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("gRPC message of ", payload.size(), " bytes (limit ",
                       max_bytes, ")"));
    }
    return std::string(payload);
  }
  if (encoding != "gzip") {
    return absl::InternalError(
        absl::StrCat("compressed gRPC message with grpc-encoding \"", encoding,
                     "\" (only gzip is accepted)"));
  }
  return Gunzip(payload, max_bytes);
}

std::string GrpcTimeoutHeader(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return "1n";
  constexpr int64_t kMax = 99999999;  // the spec allows 8 digits
  const std::pair<absl::Duration, const char*> units[] = {
      {absl::Milliseconds(1), "m"},
      {absl::Seconds(1), "S"},
      {absl::Minutes(1), "M"},
      {absl::Hours(1), "H"}};
  for (const auto& [unit, name] : units) {
    const int64_t n =
        absl::ToInt64Nanoseconds(d) / absl::ToInt64Nanoseconds(unit) +
        (absl::ToInt64Nanoseconds(d) % absl::ToInt64Nanoseconds(unit) != 0 ? 1
                                                                           : 0);
    if (n <= kMax) return absl::StrCat(n, name);
  }
  return absl::StrCat(kMax, "H");
}

std::string PercentDecode(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = HexValue(s[i + 1]);
      const int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

absl::StatusCode HttpStatusToCode(int http_status) {
  switch (http_status) {
    case 400:
      return absl::StatusCode::kInternal;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kUnimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return absl::StatusCode::kUnavailable;
    default:
      return absl::StatusCode::kUnknown;
  }
}

absl::StatusCode ResetCodeToCode(uint32_t code) {
  switch (code) {
    case 0x7:  // REFUSED_STREAM
      return absl::StatusCode::kUnavailable;
    case 0x8:  // CANCEL
      return absl::StatusCode::kCancelled;
    case 0xb:  // ENHANCE_YOUR_CALM
      return absl::StatusCode::kResourceExhausted;
    case 0xc:  // INADEQUATE_SECURITY
      return absl::StatusCode::kPermissionDenied;
    default:
      return absl::StatusCode::kInternal;
  }
}

absl::StatusOr<std::string> UnaryResult(const H2Response& response,
                                        size_t max_bytes) {
  const std::string* grpc_status = Find(response.trailers, "grpc-status");
  const std::string* grpc_message = Find(response.trailers, "grpc-message");
  if (grpc_status == nullptr) {  // trailers-only
    grpc_status = Find(response.headers, "grpc-status");
    grpc_message = Find(response.headers, "grpc-message");
  }
  if (grpc_status != nullptr) {
    int code = 0;
    if (!absl::SimpleAtoi(*grpc_status, &code) || code < 0 || code > 16) {
      return absl::UnknownError(
          absl::StrCat("bad grpc-status \"", *grpc_status, "\""));
    }
    if (code != 0) {
      return absl::Status(
          static_cast<absl::StatusCode>(code),
          grpc_message ? PercentDecode(*grpc_message) : std::string());
    }
  } else if (response.reset) {
    return absl::Status(ResetCodeToCode(response.reset_code),
                        absl::StrCat("stream reset by the server (HTTP/2 "
                                     "error code ",
                                     response.reset_code, ")"));
  } else {
    const std::string* status = Find(response.headers, ":status");
    int http = 0;
    if (status == nullptr || !absl::SimpleAtoi(*status, &http)) {
      return absl::InternalError("response without :status");
    }
    if (http != 200) {
      return absl::Status(
          HttpStatusToCode(http),
          absl::StrCat("HTTP status ", http, " without grpc-status"));
    }
    return absl::UnknownError("response without grpc-status");
  }
  const std::string* content_type = Find(response.headers, "content-type");
  if (content_type == nullptr ||
      !absl::StartsWith(absl::AsciiStrToLower(*content_type),
                        "application/grpc")) {
    return absl::UnknownError(absl::StrCat("content-type \"",
                                           content_type ? *content_type : "",
                                           "\" is not gRPC"));
  }
  const std::string* encoding = Find(response.headers, "grpc-encoding");
  return UnframeGrpcMessage(response.body, encoding ? *encoding : "identity",
                            max_bytes);
}

}  // namespace agent
}  // namespace leakprof
