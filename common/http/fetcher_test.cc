// Copyright 2026 The leakprof Authors.
//
// CurlFetcher and the keep-alive fetcher against a real HTTP/1.1 server on
// 127.0.0.1 (port 0), run by a thread of this test over plain POSIX sockets.

#include "common/http/fetcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/http/keepalive_fetcher.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace leakprof {
namespace http {
namespace {

using ::testing::HasSubstr;

// Serves fixed responses by path:
//   /ok        200, "hello", Content-Type text/plain
//   /big       200, 10000 bytes with Content-Length
//   /bigstream 200, 10000 bytes, no Content-Length (ends at close)
//   /exact     200, exactly 1000 bytes
//   /chunked   200, "hello" in two chunks
//   /chunkedbig 200, 10000 bytes in chunks of 1000
//   /garbage   not HTTP, then closes
//   /missing   404
//   /error     500
//   /teapot    418
//   /redirect  302 to /ok
//   /hang      reads the request, never answers
//   /close     closes without answering
//   /keep      200, "kept", and keeps the connection open for more requests
//   /flaky     like /keep on a connection's first request; a later request
//              on the same connection is read and the connection closed
//              without an answer (a server dropping an idle connection)
class TestServer {
 public:
  TestServer() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ok_ = listen_fd_ >= 0 &&
          bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) ==
              0 &&
          listen(listen_fd_, 16) == 0;
    socklen_t len = sizeof(addr);
    ok_ = ok_ && getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr),
                             &len) == 0;
    port_ = ntohs(addr.sin_port);
    ok_ = ok_ && pipe(stop_pipe_) == 0;
    if (ok_) acceptor_ = std::thread([this] { AcceptLoop(); });
  }

  ~TestServer() {
    if (ok_) {
      close(stop_pipe_[1]);  // wakes every poll() on stop_pipe_[0]
      acceptor_.join();
      absl::MutexLock lock(&mu_);
      for (std::thread& t : handlers_) t.join();
      close(stop_pipe_[0]);
    }
    if (listen_fd_ >= 0) close(listen_fd_);
  }

  bool ok() const { return ok_; }
  std::string Url(absl::string_view path) const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }
  int requests() const { return requests_.load(); }
  int connections() const { return connections_.load(); }

 private:
  // Waits for `fd` to be readable; false once the server is stopping.
  bool WaitReadable(int fd) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    while (true) {
      int n = poll(fds, 2, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || fds[1].revents != 0) return false;
      if (fds[0].revents != 0) return true;
    }
  }

  void AcceptLoop() {
    while (WaitReadable(listen_fd_)) {
      int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      connections_.fetch_add(1);
      absl::MutexLock lock(&mu_);
      handlers_.emplace_back([this, fd] {
        Handle(fd);
        close(fd);
      });
    }
  }

  static void WriteAll(int fd, absl::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;  // client went away (e.g. it hit its bound)
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

  static std::string Response(absl::string_view status, absl::string_view body,
                              absl::string_view extra_headers = "") {
    return absl::StrCat(
        "HTTP/1.1 ", status, "\r\nContent-Length: ", body.size(),
        "\r\nConnection: close\r\n", extra_headers, "\r\n", body);
  }

  // Serves requests on `fd` until a response that closes the connection.
  void Handle(int fd) {
    std::string pending;
    for (int served = 0;; ++served) {
      std::string path;
      if (!ReadRequest(fd, &pending, &path)) return;
      requests_.fetch_add(1);
      if (path == "/keep" || (path == "/flaky" && served == 0)) {
        WriteAll(fd,
                 "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n"
                 "Connection: keep-alive\r\n\r\nkept");
        continue;
      }
      if (path != "/flaky") Respond(fd, path);
      return;
    }
  }

  // Reads one request's head from `fd` (bytes past it stay in `pending`);
  // false when the client closed or the server is stopping.
  bool ReadRequest(int fd, std::string* pending, std::string* path) {
    char buf[4096];
    size_t end;
    while ((end = pending->find("\r\n\r\n")) == std::string::npos) {
      if (!WaitReadable(fd)) return false;
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) return false;
      pending->append(buf, static_cast<size_t>(n));
    }
    const std::string request = pending->substr(0, end);
    pending->erase(0, end + 4);
    // "GET /path HTTP/1.1"
    const size_t start = request.find(' ') + 1;
    *path = request.substr(start, request.find(' ', start) - start);
    return true;
  }

  void Respond(int fd, const std::string& path) {
    if (path == "/ok") {
      WriteAll(fd, Response("200 OK", "hello", "Content-Type: text/plain\r\n"));
    } else if (path == "/big") {
      WriteAll(fd, Response("200 OK", std::string(10000, 'x')));
    } else if (path == "/bigstream") {
      WriteAll(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
      for (int i = 0; i < 10; ++i) WriteAll(fd, std::string(1000, 'x'));
    } else if (path == "/exact") {
      WriteAll(fd, Response("200 OK", std::string(1000, 'x')));
    } else if (path == "/chunked") {
      WriteAll(fd,
               "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
               "Connection: close\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n");
    } else if (path == "/chunkedbig") {
      WriteAll(fd,
               "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
               "Connection: close\r\n\r\n");
      for (int i = 0; i < 10; ++i) {
        WriteAll(fd, absl::StrCat("3e8\r\n", std::string(1000, 'x'), "\r\n"));
      }
      WriteAll(fd, "0\r\n\r\n");
    } else if (path == "/garbage") {
      WriteAll(fd, "SSH-2.0-OpenSSH_9.2\r\n");
    } else if (path == "/missing") {
      WriteAll(fd, Response("404 Not Found", "no such page"));
    } else if (path == "/error") {
      WriteAll(fd, Response("500 Internal Server Error", "boom"));
    } else if (path == "/teapot") {
      WriteAll(fd, Response("418 I'm a teapot", ""));
    } else if (path == "/redirect") {
      WriteAll(fd, Response("302 Found", "", "Location: /ok\r\n"));
    } else if (path == "/hang") {
      WaitReadable(stop_pipe_[0]);  // until the server stops
    } else if (path == "/close") {
      // Close without a byte of response.
    } else {
      WriteAll(fd, Response("400 Bad Request", ""));
    }
  }

  int listen_fd_ = -1;
  int port_ = 0;
  int stop_pipe_[2] = {-1, -1};
  bool ok_ = false;
  std::atomic<int> requests_{0};
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  absl::Mutex mu_;
  std::vector<std::thread> handlers_ ABSL_GUARDED_BY(mu_);
};

// Every test runs against both fetchers.
class FetcherTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.ok()) << "test server failed to start";
    options_.timeout = absl::Seconds(10);
    options_.max_body_bytes = 1000;
  }

  TestServer server_;
  std::unique_ptr<Fetcher> fetcher_ =
      GetParam() == "curl" ? NewCurlFetcher() : NewKeepAliveFetcher();
  FetchOptions options_;
};

TEST_P(FetcherTest, Ok) {
  absl::StatusOr<FetchResult> r = fetcher_->Get(server_.Url("/ok"), options_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->http_status, 200);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->content_type, "text/plain");
}

TEST_P(FetcherTest, BodyExactlyAtTheBoundIsAccepted) {
  absl::StatusOr<FetchResult> r =
      fetcher_->Get(server_.Url("/exact"), options_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body.size(), 1000u);
  EXPECT_EQ(r->content_type, "");
}

TEST_P(FetcherTest, NotFound) {
  const std::string url = server_.Url("/missing");
  absl::StatusOr<FetchResult> r = fetcher_->Get(url, options_);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr(url));
  EXPECT_THAT(r.status().message(), HasSubstr("404"));
}

TEST_P(FetcherTest, ServerErrorIsUnavailable) {
  const std::string url = server_.Url("/error");
  absl::StatusOr<FetchResult> r = fetcher_->Get(url, options_);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr(url));
  EXPECT_THAT(r.status().message(), HasSubstr("500"));
}

TEST_P(FetcherTest, OtherStatusIsFailedPrecondition) {
  absl::StatusOr<FetchResult> r =
      fetcher_->Get(server_.Url("/teapot"), options_);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition)
      << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("418"));
}

TEST_P(FetcherTest, RedirectIsNotFollowed) {
  absl::StatusOr<FetchResult> r =
      fetcher_->Get(server_.Url("/redirect"), options_);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition)
      << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("302"));
  EXPECT_EQ(server_.requests(), 1);  // /ok was never asked for
}

TEST_P(FetcherTest, BodyOverTheBoundWithContentLength) {
  const std::string url = server_.Url("/big");
  absl::StatusOr<FetchResult> r = fetcher_->Get(url, options_);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted)
      << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr(url));
  EXPECT_THAT(r.status().message(), HasSubstr("1000"));
}

TEST_P(FetcherTest, BodyOverTheBoundWithoutContentLength) {
  const std::string url = server_.Url("/bigstream");
  absl::StatusOr<FetchResult> r = fetcher_->Get(url, options_);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted)
      << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr(url));
  EXPECT_THAT(r.status().message(), HasSubstr("1000"));
}

TEST_P(FetcherTest, ChunkedBody) {
  absl::StatusOr<FetchResult> r =
      fetcher_->Get(server_.Url("/chunked"), options_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "hello");
}

TEST_P(FetcherTest, ChunkedBodyOverTheBound) {
  const std::string url = server_.Url("/chunkedbig");
  absl::StatusOr<FetchResult> r = fetcher_->Get(url, options_);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted)
      << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr(url));
}

TEST_P(FetcherTest, NotHttpIsUnavailable) {
  // libcurl takes it for HTTP/0.9, refused as kInvalidArgument
  // ("Unsupported protocol"): CurlFetcher's mapping, left as it is.
  if (GetParam() == "curl") GTEST_SKIP() << "CurlFetcher maps it otherwise";
  const std::string url = server_.Url("/garbage");
  absl::StatusOr<FetchResult> r = fetcher_->Get(url, options_);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr(url));
  EXPECT_THAT(r.status().message(),
              HasSubstr("malformed HTTP response: HPE_INVALID_CONSTANT"));
}

// https is TLS (cpp-httplib's, with OpenSSL): the plain-text server sees a
// handshake, never a request, and the call fails without a body.
TEST_P(FetcherTest, HttpsIsTlsNotPlainText) {
  if (GetParam() == "curl") GTEST_SKIP() << "the keep-alive fetcher's path";
  options_.timeout = absl::Milliseconds(500);
  absl::StatusOr<FetchResult> r = fetcher_->Get(
      absl::StrCat("https", server_.Url("/ok").substr(4)), options_);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_EQ(server_.requests(), 0);
}

TEST_P(FetcherTest, ZeroBoundAcceptsOnlyAnEmptyBody) {
  options_.max_body_bytes = 0;
  absl::StatusOr<FetchResult> r = fetcher_->Get(server_.Url("/ok"), options_);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted)
      << r.status();
}

TEST_P(FetcherTest, ServerThatNeverAnswersTimesOut) {
  options_.timeout = absl::Milliseconds(300);
  const std::string url = server_.Url("/hang");
  const absl::Time start = absl::Now();
  absl::StatusOr<FetchResult> r = fetcher_->Get(url, options_);
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded)
      << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr(url));
  EXPECT_GE(took, absl::Milliseconds(290));
  EXPECT_LT(took, absl::Seconds(5));
}

TEST_P(FetcherTest, ClosedWithoutAnswerIsUnavailable) {
  absl::StatusOr<FetchResult> r =
      fetcher_->Get(server_.Url("/close"), options_);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
}

TEST_P(FetcherTest, ConnectionRefusedIsUnavailable) {
  // A bound socket that does not listen: connecting to it is refused, and
  // holding it keeps the port from being reused meanwhile.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string url =
      absl::StrCat("http://127.0.0.1:", ntohs(addr.sin_port), "/ok");
  absl::StatusOr<FetchResult> r = fetcher_->Get(url, options_);
  close(fd);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr(url));
}

TEST_P(FetcherTest, MalformedUrlsAreInvalidArgument) {
  for (const char* url :
       {"", "not a url", "http://", "127.0.0.1:80/debug", "ftp://127.0.0.1/x",
        "file:///etc/passwd", "http://[::1/x", "http://user:pw@127.0.0.1/"}) {
    absl::StatusOr<FetchResult> r = fetcher_->Get(url, options_);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument)
        << "url \"" << url << "\": " << r.status();
  }
  EXPECT_EQ(fetcher_->Get(std::string("http://127.0.0.1/\0x", 19), options_)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(server_.requests(), 0);
}

TEST_P(FetcherTest, BadOptionsAreInvalidArgument) {
  FetchOptions bad = options_;
  bad.max_body_bytes = -1;
  EXPECT_EQ(fetcher_->Get(server_.Url("/ok"), bad).status().code(),
            absl::StatusCode::kInvalidArgument);
  bad = options_;
  bad.timeout = absl::ZeroDuration();
  EXPECT_EQ(fetcher_->Get(server_.Url("/ok"), bad).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(FetcherTest, ConcurrentCalls) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      absl::StatusOr<FetchResult> r =
          fetcher_->Get(server_.Url("/ok"), options_);
      if (r.ok() && r->body == "hello") ok.fetch_add(1);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
}

TEST_P(FetcherTest, KeepsTheConnectionWhenTheServerDoes) {
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<FetchResult> r =
        fetcher_->Get(server_.Url("/keep"), options_);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->body, "kept");
  }
  EXPECT_EQ(server_.requests(), 3);
  // libcurl's fetcher opens one connection per call; the keep-alive one
  // reuses its first.
  EXPECT_EQ(server_.connections(), GetParam() == "curl" ? 3 : 1);
}

// The keep-alive fetcher remembers 16 parsed URLs; more are parsed each
// time (the fragment makes each URL distinct, the request the same).
TEST_P(FetcherTest, ManyDistinctUrls) {
  for (int i = 0; i < 40; ++i) {
    absl::StatusOr<FetchResult> r =
        fetcher_->Get(server_.Url(absl::StrCat("/keep#", i % 20)), options_);
    ASSERT_TRUE(r.ok()) << i << ": " << r.status();
    EXPECT_EQ(r->body, "kept");
  }
  EXPECT_EQ(server_.connections(), GetParam() == "curl" ? 40 : 1);
}

TEST_P(FetcherTest, AKeptConnectionTheServerDropsIsRetriedOnANewOne) {
  ASSERT_TRUE(fetcher_->Get(server_.Url("/flaky"), options_).ok());
  // The keep-alive fetcher sends this on the kept connection, which the
  // server reads and closes: it must reconnect and ask again.
  absl::StatusOr<FetchResult> r =
      fetcher_->Get(server_.Url("/flaky"), options_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "kept");
  EXPECT_EQ(server_.connections(), 2);
}

TEST_P(FetcherTest, AnErrorDoesNotSpoilTheNextCall) {
  EXPECT_EQ(fetcher_->Get(server_.Url("/big"), options_).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(fetcher_->Get(server_.Url("/close"), options_).status().code(),
            absl::StatusCode::kUnavailable);
  absl::StatusOr<FetchResult> r = fetcher_->Get(server_.Url("/ok"), options_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "hello");
}

INSTANTIATE_TEST_SUITE_P(Fetchers, FetcherTest,
                         ::testing::Values("curl", "keepalive"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace http
}  // namespace leakprof
