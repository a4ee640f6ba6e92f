// Copyright 2026 The leakprof Authors.

#include "agent/h2_connection.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace leakprof {
namespace agent {
namespace {

// Session output is moved to the socket buffer in chunks while less than
// this is waiting to be sent.
constexpr size_t kMaxQueued = 256 << 10;
// Our SETTINGS_INITIAL_WINDOW_SIZE: a response never waits for a
// WINDOW_UPDATE.
constexpr int32_t kInitialWindow = 4 << 20;

std::string ErrnoText(int err) { return std::string(strerror(err)); }

// The OpenSSL error queue as text (and emptied).
std::string OpenSslErrors() {
  std::string out;
  unsigned long e;  // NOLINT(runtime/int): OpenSSL's type.
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown TLS error" : out;
}

bool IsIpLiteral(const std::string& host) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// Milliseconds left until `deadline` for poll(): >= 0.
int PollTimeoutMs(absl::Time deadline) {
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  const int64_t ms = absl::ToInt64Milliseconds(left + absl::Microseconds(999));
  return static_cast<int>(std::min<int64_t>(ms, 1 << 30));
}

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

BioPtr MemBio(absl::string_view pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

}  // namespace

absl::StatusOr<HostPort> ParseHostPort(absl::string_view address) {
  HostPort hp;
  absl::string_view port;
  if (!address.empty() && address.front() == '[') {
    const size_t close = address.find(']');
    if (close == absl::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return absl::InvalidArgumentError(
          absl::StrCat("address \"", address, "\": expected [ipv6]:port"));
    }
    hp.host = std::string(address.substr(1, close - 1));
    port = address.substr(close + 2);
  } else {
    const size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("address \"", address, "\": expected host:port"));
    }
    hp.host = std::string(address.substr(0, colon));
    port = address.substr(colon + 1);
    if (hp.host.find(':') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "address \"", address, "\": an IPv6 address needs brackets"));
    }
  }
  if (hp.host.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("address \"", address, "\": empty host"));
  }
  if (!absl::SimpleAtoi(port, &hp.port) || hp.port < 1 || hp.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("address \"", address, "\": bad port \"", port, "\""));
  }
  return hp;
}

// ---------------------------------------------------------------------------
// TlsContext

absl::StatusOr<std::unique_ptr<TlsContext>> TlsContext::New(
    absl::string_view ca, absl::string_view cert, absl::string_view key) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    return absl::InternalError(absl::StrCat("SSL_CTX_new: ", OpenSslErrors()));
  }
  std::unique_ptr<TlsContext> out(new TlsContext(ctx));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  static const unsigned char kAlpn[] = {2, 'h', '2'};
  SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof(kAlpn));

  // Trusted CAs: every certificate of the PEM.
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  {
    BioPtr bio = MemBio(ca);
    int n = 0;
    while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      const int ok = X509_STORE_add_cert(store, x);
      X509_free(x);
      if (!ok) {
        return absl::InvalidArgumentError(
            absl::StrCat("TLS CA certificate ", n + 1, ": ", OpenSslErrors()));
      }
      ++n;
    }
    ERR_clear_error();  // the end of the PEM
    if (n == 0) {
      return absl::InvalidArgumentError("TLS CA: no PEM certificate found");
    }
  }
  if (cert.empty() && key.empty()) return out;

  // Client certificate, then its chain.
  {
    BioPtr bio = MemBio(cert);
    X509* leaf = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (leaf == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "TLS client certificate: no PEM certificate: ", OpenSslErrors()));
    }
    const int ok = SSL_CTX_use_certificate(ctx, leaf);
    X509_free(leaf);
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrCat("TLS client certificate: ", OpenSslErrors()));
    }
    while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      if (!SSL_CTX_add0_chain_cert(ctx, x)) {
        X509_free(x);
        return absl::InvalidArgumentError(
            absl::StrCat("TLS client certificate chain: ", OpenSslErrors()));
      }
    }
    ERR_clear_error();
  }
  {
    BioPtr bio = MemBio(key);
    EVP_PKEY* pkey =
        PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (pkey == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("TLS client key: no PEM key: ", OpenSslErrors()));
    }
    const int ok = SSL_CTX_use_PrivateKey(ctx, pkey);
    EVP_PKEY_free(pkey);
    if (!ok || !SSL_CTX_check_private_key(ctx)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "TLS client key does not match the certificate: ", OpenSslErrors()));
    }
  }
  return out;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

// ---------------------------------------------------------------------------
// nghttp2 callbacks: `user_data` is the H2Connection.

struct H2Connection::Callbacks {
  static H2Connection* Self(void* user_data) {
    return static_cast<H2Connection*>(user_data);
  }

  static ssize_t ReadBody(nghttp2_session*, int32_t stream_id, uint8_t* buf,
                          size_t length, uint32_t* data_flags,
                          nghttp2_data_source*, void* user_data) {
    H2Connection* c = Self(user_data);
    // A stream outlives its RoundTrip only on a connection given up.
    if (stream_id != c->stream_id_) {
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    const size_t n = std::min(length, c->body_.size() - c->body_off_);
    if (n > 0) std::memcpy(buf, c->body_.data() + c->body_off_, n);
    c->body_off_ += n;
    if (c->body_off_ == c->body_.size()) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame,
                            void* user_data) {
    H2Connection* c = Self(user_data);
    if (frame->hd.stream_id == c->stream_id_) c->started_ = true;
    return 0;
  }

  static int OnHeader(nghttp2_session* session, const nghttp2_frame* frame,
                      const uint8_t* name, size_t namelen, const uint8_t* value,
                      size_t valuelen, uint8_t, void* user_data) {
    H2Connection* c = Self(user_data);
    if (frame->hd.stream_id != c->stream_id_ || c->response_ == nullptr) {
      return 0;
    }
    c->header_bytes_ += namelen + valuelen + 32;
    if (c->header_bytes_ > c->max_header_bytes_) {
      if (!c->too_large_) {
        c->too_large_ = true;
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, c->stream_id_,
                                  NGHTTP2_CANCEL);
      }
      return 0;
    }
    H2Header h{std::string(reinterpret_cast<const char*>(name), namelen),
               std::string(reinterpret_cast<const char*>(value), valuelen)};
    if (frame->headers.cat == NGHTTP2_HCAT_HEADERS &&
        !c->response_->headers.empty()) {
      c->response_->trailers.push_back(std::move(h));
    } else {
      c->response_->headers.push_back(std::move(h));
    }
    return 0;
  }

  static int OnData(nghttp2_session* session, uint8_t, int32_t stream_id,
                    const uint8_t* data, size_t len, void* user_data) {
    H2Connection* c = Self(user_data);
    if (stream_id != c->stream_id_ || c->response_ == nullptr) return 0;
    c->started_ = true;
    if (c->too_large_) return 0;
    if (c->response_->body.size() + len > c->max_body_) {
      c->too_large_ = true;
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream_id,
                                NGHTTP2_CANCEL);
      return 0;
    }
    c->response_->body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }

  static int OnFrame(nghttp2_session*, const nghttp2_frame* frame,
                     void* user_data) {
    H2Connection* c = Self(user_data);
    if (frame->hd.type == NGHTTP2_PING &&
        (frame->hd.flags & NGHTTP2_FLAG_ACK) != 0) {
      ++c->ping_acks_;
    }
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      c->goaway_ = true;
      c->goaway_last_stream_ = frame->goaway.last_stream_id;
    }
    return 0;
  }

  static int OnStreamClose(nghttp2_session*, int32_t stream_id,
                           uint32_t error_code, void* user_data) {
    H2Connection* c = Self(user_data);
    if (stream_id != c->stream_id_) return 0;
    c->closed_ = true;
    if (c->response_ != nullptr && error_code != NGHTTP2_NO_ERROR) {
      c->response_->reset = true;
      c->response_->reset_code = error_code;
    }
    if (!c->started_ && error_code == NGHTTP2_REFUSED_STREAM) {
      c->failed_early_ = true;
    }
    return 0;
  }
};

// ---------------------------------------------------------------------------
// H2Connection

H2Connection::~H2Connection() {
  if (session_ != nullptr) nghttp2_session_del(session_);
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (fd_ >= 0) close(fd_);
}

absl::Status H2Connection::Broken(absl::string_view what) {
  broken_ = true;
  return absl::UnavailableError(
      absl::StrCat("connection to ", description_, ": ", what));
}

absl::StatusOr<std::unique_ptr<H2Connection>> H2Connection::Connect(
    const H2ConnectOptions& options, absl::Time deadline) {
  std::unique_ptr<H2Connection> c(new H2Connection());
  const bool ipv6 = options.endpoint.host.find(':') != std::string::npos;
  c->description_ =
      absl::StrCat(ipv6 ? "[" : "", options.endpoint.host, ipv6 ? "]" : "", ":",
                   options.endpoint.port, options.tls ? " (tls)" : "");
  c->max_header_bytes_ = options.max_header_bytes;
  LEAKPROF_RETURN_IF_ERROR(c->ConnectSocket(options, deadline));
  if (options.tls != nullptr) {
    LEAKPROF_RETURN_IF_ERROR(c->Handshake(options, deadline));
  }
  LEAKPROF_RETURN_IF_ERROR(c->StartSession());
  return c;
}

absl::Status H2Connection::ConnectSocket(const H2ConnectOptions& options,
                                         absl::Time deadline) {
  struct addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  struct addrinfo* res = nullptr;
  const std::string port = absl::StrCat(options.endpoint.port);
  const int gai =
      getaddrinfo(options.endpoint.host.c_str(), port.c_str(), &hints, &res);
  if (gai != 0) {
    return absl::UnavailableError(absl::StrCat(
        "resolve ", options.endpoint.host, ": ", gai_strerror(gai)));
  }
  std::string errors;
  for (struct addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    const int fd =
        socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
               ai->ai_protocol);
    if (fd < 0) {
      absl::StrAppend(&errors, errors.empty() ? "" : "; ",
                      "socket: ", ErrnoText(errno));
      continue;
    }
    int err = 0;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        struct pollfd p = {fd, POLLOUT, 0};
        int r;
        do {
          r = poll(&p, 1, PollTimeoutMs(deadline));
        } while (r < 0 && errno == EINTR);
        if (r == 0) {
          close(fd);
          freeaddrinfo(res);
          return absl::DeadlineExceededError(
              absl::StrCat("connect to ", description_, ": timed out"));
        }
        socklen_t len = sizeof(err);
        if (r < 0) {
          err = errno;
        } else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
          err = errno;
        }
      }
    }
    if (err != 0) {
      absl::StrAppend(&errors, errors.empty() ? "" : "; ", ErrnoText(err));
      close(fd);
      continue;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fd_ = fd;
    break;
  }
  freeaddrinfo(res);
  if (fd_ < 0) {
    return absl::UnavailableError(
        absl::StrCat("connect to ", description_, ": ", errors));
  }
  return absl::OkStatus();
}

absl::Status H2Connection::Handshake(const H2ConnectOptions& options,
                                     absl::Time deadline) {
  ERR_clear_error();
  ssl_ = SSL_new(options.tls->get());
  if (ssl_ == nullptr)
    return Broken(absl::StrCat("SSL_new: ", OpenSslErrors()));
  BIO* rbio = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl_, rbio, wbio);  // ssl_ owns both
  SSL_set_connect_state(ssl_);
  const std::string& name =
      options.server_name.empty() ? options.endpoint.host : options.server_name;
  if (IsIpLiteral(name)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), name.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl_, name.c_str());
    SSL_set1_host(ssl_, name.c_str());
  }
  for (;;) {
    const int r = SSL_do_handshake(ssl_);
    DrainTlsOutput();
    if (r == 1) break;
    const int err = SSL_get_error(ssl_, r);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
      std::string why = OpenSslErrors();
      const long verify = SSL_get_verify_result(ssl_);  // NOLINT(runtime/int)
      if (verify != X509_V_OK) {
        why = absl::StrCat("certificate verify failed (",
                           X509_verify_cert_error_string(verify), ") for \"",
                           name, "\"");
      }
      WriteAvailable().IgnoreError();  // the alert, if it fits
      return Broken(absl::StrCat("TLS handshake: ", why));
    }
    // Send what the handshake produced, then wait for the server's part.
    LEAKPROF_RETURN_IF_ERROR(WriteAvailable());
    LEAKPROF_RETURN_IF_ERROR(Wait(deadline));
    char buf[16384];
    for (;;) {
      const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n > 0) {
        BIO_write(SSL_get_rbio(ssl_), buf, static_cast<int>(n));
        continue;
      }
      if (n == 0) return Broken("closed during the TLS handshake");
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return Broken(absl::StrCat("TLS handshake: ", ErrnoText(errno)));
    }
    LEAKPROF_RETURN_IF_ERROR(WriteAvailable());
  }
  const unsigned char* alpn = nullptr;
  unsigned int alpn_len = 0;
  SSL_get0_alpn_selected(ssl_, &alpn, &alpn_len);
  if (alpn_len != 2 || std::memcmp(alpn, "h2", 2) != 0) {
    return Broken("the server did not select ALPN \"h2\" (not HTTP/2)");
  }
  return absl::OkStatus();
}

absl::Status H2Connection::StartSession() {
  nghttp2_session_callbacks* cbs = nullptr;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_on_begin_headers_callback(
      cbs, &Callbacks::OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(cbs, &Callbacks::OnHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs,
                                                            &Callbacks::OnData);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs,
                                                       &Callbacks::OnFrame);
  nghttp2_session_callbacks_set_on_stream_close_callback(
      cbs, &Callbacks::OnStreamClose);
  const int rv = nghttp2_session_client_new(&session_, cbs, this);
  nghttp2_session_callbacks_del(cbs);
  if (rv != 0) {
    session_ = nullptr;
    return Broken(absl::StrCat("nghttp2: ", nghttp2_strerror(rv)));
  }
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE,
       static_cast<uint32_t>(kInitialWindow)},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE,
       static_cast<uint32_t>(max_header_bytes_)},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings,
                          sizeof(settings) / sizeof(settings[0]));
  return Pump();  // the preface and SETTINGS go out with the first request
}

void H2Connection::DrainTlsOutput() {
  BIO* wbio = SSL_get_wbio(ssl_);
  char buf[16384];
  int n;
  while ((n = BIO_read(wbio, buf, sizeof(buf))) > 0) {
    out_.append(buf, static_cast<size_t>(n));
  }
}

absl::Status H2Connection::Pump() {
  while (out_.size() - out_off_ < kMaxQueued) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) {
      return Broken(
          absl::StrCat("nghttp2: ", nghttp2_strerror(static_cast<int>(n))));
    }
    if (n == 0) break;
    if (ssl_ == nullptr) {
      out_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
      continue;
    }
    // Into the memory BIO: never blocks.
    ERR_clear_error();
    const int w = SSL_write(ssl_, data, static_cast<int>(n));
    if (w != n) return Broken(absl::StrCat("TLS write: ", OpenSslErrors()));
    DrainTlsOutput();
  }
  return absl::OkStatus();
}

absl::Status H2Connection::WriteAvailable() {
  while (out_off_ < out_.size()) {
    const ssize_t n =
        send(fd_, out_.data() + out_off_, out_.size() - out_off_, MSG_NOSIGNAL);
    if (n > 0) {
      out_off_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return Broken(absl::StrCat("send: ", ErrnoText(errno)));
  }
  if (out_off_ == out_.size()) {
    out_.clear();
    out_off_ = 0;
  } else if (out_off_ > (1 << 20)) {
    out_.erase(0, out_off_);
    out_off_ = 0;
  }
  return absl::OkStatus();
}

absl::Status H2Connection::FeedSession(const uint8_t* data, size_t n) {
  const ssize_t r = nghttp2_session_mem_recv(session_, data, n);
  if (r < 0) {
    return Broken(
        absl::StrCat("HTTP/2: ", nghttp2_strerror(static_cast<int>(r))));
  }
  return absl::OkStatus();
}

absl::Status H2Connection::Feed(const char* data, size_t n) {
  if (ssl_ == nullptr) {
    return FeedSession(reinterpret_cast<const uint8_t*>(data), n);
  }
  BIO_write(SSL_get_rbio(ssl_), data, static_cast<int>(n));
  uint8_t plain[16384];
  for (;;) {
    ERR_clear_error();
    const int r = SSL_read(ssl_, plain, sizeof(plain));
    if (r > 0) {
      LEAKPROF_RETURN_IF_ERROR(FeedSession(plain, static_cast<size_t>(r)));
      continue;
    }
    const int err = SSL_get_error(ssl_, r);
    DrainTlsOutput();
    if (err == SSL_ERROR_WANT_READ) return absl::OkStatus();
    if (err == SSL_ERROR_ZERO_RETURN)
      return Broken("closed (TLS close_notify)");
    return Broken(absl::StrCat("TLS: ", OpenSslErrors()));
  }
}

absl::Status H2Connection::ReadAvailable() {
  char buf[16384];
  for (;;) {
    const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n > 0) {
      LEAKPROF_RETURN_IF_ERROR(Feed(buf, static_cast<size_t>(n)));
      continue;
    }
    if (n == 0) return Broken("closed by the server");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return absl::OkStatus();
    return Broken(absl::StrCat("recv: ", ErrnoText(errno)));
  }
}

absl::Status H2Connection::Wait(absl::Time deadline) {
  struct pollfd p = {fd_, POLLIN, 0};
  if (out_off_ < out_.size()) p.events |= POLLOUT;
  for (;;) {
    const int r = poll(&p, 1, PollTimeoutMs(deadline));
    if (r > 0) return absl::OkStatus();
    if (r == 0) {
      broken_ = true;  // the exchange is in an unknown state
      return absl::DeadlineExceededError(absl::StrCat(
          "no answer from ", description_, " before the deadline"));
    }
    if (errno != EINTR) return Broken(absl::StrCat("poll: ", ErrnoText(errno)));
  }
}

bool H2Connection::usable() const {
  return !broken_ && !goaway_ && session_ != nullptr &&
         nghttp2_session_want_read(session_) != 0;
}

bool H2Connection::Refresh() {
  if (!usable()) return false;
  // What the frames read ask to send (a SETTINGS or PING ack) stays queued:
  // the next request's write carries it, one send() instead of two.
  if (!ReadAvailable().ok() || !Pump().ok()) return false;
  return usable();
}

absl::Status H2Connection::Ping(absl::Time deadline) {
  if (!usable()) {
    return absl::UnavailableError(
        absl::StrCat("connection to ", description_, " is closed"));
  }
  const int64_t acks = ping_acks_;
  if (const int rv = nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, nullptr);
      rv != 0) {
    return Broken(absl::StrCat("nghttp2 ping: ", nghttp2_strerror(rv)));
  }
  for (;;) {
    LEAKPROF_RETURN_IF_ERROR(Pump());
    LEAKPROF_RETURN_IF_ERROR(WriteAvailable());
    if (ping_acks_ > acks) return absl::OkStatus();
    if (!usable()) return Broken("closed while waiting for a PING ack");
    LEAKPROF_RETURN_IF_ERROR(Wait(deadline));
    absl::Status read = ReadAvailable();
    if (ping_acks_ > acks) return absl::OkStatus();
    LEAKPROF_RETURN_IF_ERROR(read);
  }
}

absl::StatusOr<H2Response> H2Connection::RoundTrip(
    const std::vector<H2Header>& headers, absl::string_view body,
    size_t max_body, absl::Time deadline) {
  failed_early_ = false;
  if (!usable()) {
    failed_early_ = true;
    return absl::UnavailableError(
        absl::StrCat("connection to ", description_, " is closed"));
  }
  std::vector<nghttp2_nv> nva;
  nva.reserve(headers.size());
  for (const H2Header& h : headers) {
    nva.push_back(
        {reinterpret_cast<uint8_t*>(const_cast<char*>(h.name.data())),
         reinterpret_cast<uint8_t*>(const_cast<char*>(h.value.data())),
         h.name.size(), h.value.size(), NGHTTP2_NV_FLAG_NONE});
  }
  H2Response response;
  response_ = &response;
  body_ = body;
  body_off_ = 0;
  max_body_ = max_body;
  header_bytes_ = 0;
  started_ = false;
  closed_ = false;
  too_large_ = false;
  nghttp2_data_provider provider;
  provider.source.ptr = nullptr;
  provider.read_callback = &Callbacks::ReadBody;
  stream_id_ = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                      &provider, nullptr);
  if (stream_id_ < 0) {
    const int rv = stream_id_;
    response_ = nullptr;
    stream_id_ = -1;
    failed_early_ = true;
    return Broken(absl::StrCat("nghttp2 request: ", nghttp2_strerror(rv)));
  }
  absl::Status status;
  for (;;) {
    status = Pump();
    if (status.ok()) status = WriteAvailable();
    if (!status.ok() || closed_) break;
    if (nghttp2_session_want_read(session_) == 0 &&
        nghttp2_session_want_write(session_) == 0 && out_off_ == out_.size()) {
      status = Broken("the HTTP/2 session ended");
      break;
    }
    status = Wait(deadline);
    if (!status.ok()) break;
    status = ReadAvailable();
    if (closed_) break;  // a close right after the response is fine
    if (!status.ok()) break;
  }
  response_ = nullptr;
  const int32_t stream = stream_id_;
  stream_id_ = -1;
  if (closed_) {
    if (too_large_) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "response from ", description_, " larger than ", max_body,
          " bytes of body or ", max_header_bytes_, " of headers"));
    }
    return response;
  }
  if (status.ok()) status = Broken("stream ended without closing");
  // The server cannot have processed a stream it never saw: a connection
  // that broke before any response byte, or a GOAWAY below our stream.
  if (!started_ && (absl::IsUnavailable(status) ||
                    (goaway_ && goaway_last_stream_ < stream))) {
    failed_early_ = true;
  }
  return status;
}

}  // namespace agent
}  // namespace leakprof
