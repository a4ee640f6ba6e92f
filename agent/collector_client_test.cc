// Copyright 2026 The leakprof Authors.
//
// collector_client against a real grpc++ server (TestCollector) over
// loopback: plain and TLS/mTLS pushes, gzip of a large snapshot, one kept
// connection for many pushes, errors, reconnects and deadlines. The client
// library itself links no gRPC; only this test's server does.

#include "agent/collector_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "agent/testing/test_collector.h"
#include "gtest/gtest.h"

namespace leakprof {
namespace agent {
namespace {

using ::leakprof::agent::testing::TestCollector;

std::string ReadTestFile(const std::string& name) {
  std::ifstream in("agent/testdata/tls/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A snapshot of `points` stacks; with `defs` definitions of the first ones.
v1::Snapshot MakeSnapshot(uint64_t sequence, int points = 3, int defs = -1) {
  if (defs < 0) defs = points;
  v1::Snapshot s;
  s.set_service("svc");
  s.set_instance("svc-0");
  s.set_sequence(sequence);
  s.set_timestamp_unix_nanos(1700000000000000000 + sequence);
  s.set_kind(v1::PROFILE_KIND_GOROUTINE);
  s.set_total_goroutines(points * 3);
  s.add_strings("");
  for (int i = 0; i < 50; ++i) {
    s.add_strings(absl::StrCat("main.(*Server).handler", i, ".func1"));
    s.add_strings(absl::StrCat("/src/app/server", i, ".go"));
  }
  for (int i = 0; i < points; ++i) {
    const uint64_t id = 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(i + 1);
    s.add_stack_ids(id);
    s.add_counts(1 + i % 7);
    if (i < defs) {
      v1::StackDef* d = s.add_definitions();
      d->set_stack_id(id);
      d->set_site_id(id ^ 0x5555);
      d->set_block_class(v1::BLOCK_CLASS_CHAN_RECEIVE);
      for (int f = 0; f < 8; ++f) {
        v1::Frame* fr = d->add_frames();
        fr->set_function(1 + 2 * ((i + f) % 50));
        fr->set_file(2 + 2 * ((i + f) % 50));
        fr->set_line(10 + i + f);
      }
    }
  }
  return s;
}

std::unique_ptr<PushTransport> Client(CollectorClientOptions o) {
  absl::StatusOr<std::unique_ptr<PushTransport>> c = NewCollectorClient(o);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *std::move(c) : nullptr;
}

std::set<std::string> Peers(const TestCollector& collector) {
  std::set<std::string> peers;
  for (const auto& p : collector.Pushes()) peers.insert(p.peer);
  return peers;
}

std::shared_ptr<grpc::ServerCredentials> ServerTls(bool require_client_cert) {
  grpc::SslServerCredentialsOptions ssl(
      require_client_cert
          ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
          : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  ssl.pem_root_certs = ReadTestFile("ca.pem");
  ssl.pem_key_cert_pairs.push_back(
      {ReadTestFile("server.key"), ReadTestFile("server.pem")});
  return grpc::SslServerCredentials(ssl);
}

// A loopback TCP listener on a free port: the port is reserved while the
// object lives. Accepts nothing by itself.
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Listener() { close(fd_); }
  int fd() const { return fd_; }
  int port() const { return port_; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A TCP proxy from a Listener to `target_port`, one thread per direction
// and connection. After DropNext(), the next bytes the client sends on an
// existing connection make the proxy close that connection without
// forwarding them (a connection that died while idle, noticed only when
// used).
class Proxy {
 public:
  explicit Proxy(int target_port) : target_port_(target_port) {
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~Proxy() {
    stop_ = true;
    accept_thread_.join();
    for (std::thread& t : threads_) t.join();
  }
  std::string address() const { return listener_.address(); }
  int connections() const { return connections_; }
  void DropNext() { drop_ = true; }
  // The connections open now go silent: what the client sends is read and
  // discarded, nothing comes back, nothing is closed (a NAT that forgot the
  // flow). New connections work.
  void Blackhole() { blackhole_below_ = connections_.load(); }

 private:
  void AcceptLoop() {
    while (!stop_) {
      pollfd p = {listener_.fd(), POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const int client = accept(listener_.fd(), nullptr, nullptr);
      if (client < 0) continue;
      const int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in a = {};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<uint16_t>(target_port_));
      if (connect(server, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
        close(client);
        close(server);
        continue;
      }
      const int index = connections_++;
      threads_.emplace_back(
          [this, client, server, index] { Pipe(client, server, index); });
    }
  }

  void Pipe(int client, int server, int index) {
    char buf[65536];
    pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    while (!stop_) {
      if (poll(p, 2, 50) <= 0) continue;
      const bool silent = index < blackhole_below_;
      if (p[0].revents) {
        if (!silent && drop_.exchange(false)) break;
        const ssize_t n = read(client, buf, sizeof(buf));
        if (n <= 0) break;
        if (!silent && write(server, buf, n) != n) break;
      }
      if (p[1].revents) {
        if (silent) {
          const ssize_t n = read(server, buf, sizeof(buf));
          if (n <= 0) break;
          continue;
        }
        const ssize_t n = read(server, buf, sizeof(buf));
        if (n <= 0 || write(client, buf, n) != n) break;
      }
    }
    close(client);
    close(server);
  }

  const int target_port_;
  Listener listener_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> drop_{false};
  std::atomic<int> blackhole_below_{0};
  std::atomic<int> connections_{0};
  std::thread accept_thread_;
  std::vector<std::thread> threads_;  // only the accept thread adds
};

class CollectorClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(collector_.Start().ok()); }
  void TearDown() override { collector_.Stop(); }

  CollectorClientOptions Options() const {
    CollectorClientOptions o;
    o.address = collector_.address();
    o.timeout = absl::Seconds(30);  // a loaded 2-core VM
    return o;
  }

  TestCollector collector_;
};

TEST_F(CollectorClientTest, PlainPushStoredThenDuplicate) {
  auto client = Client(Options());
  absl::StatusOr<v1::PushResponse> r = client->Push(MakeSnapshot(1));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->stored());
  EXPECT_FALSE(r->duplicate());
  r = client->Push(MakeSnapshot(1));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->duplicate());
  ASSERT_EQ(collector_.Stored().size(), 1u);
  EXPECT_EQ(collector_.Stored()[0].SerializeAsString(),
            MakeSnapshot(1).SerializeAsString());
}

TEST_F(CollectorClientTest, UnknownStackIdsComeBack) {
  auto client = Client(Options());
  absl::StatusOr<v1::PushResponse> r = client->Push(MakeSnapshot(1, 5, 2));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->stored());
  EXPECT_EQ(r->unknown_stack_ids_size(), 3);
}

TEST_F(CollectorClientTest, LargeSnapshotGzipRoundTrip) {
  auto client = Client(Options());
  const v1::Snapshot big = MakeSnapshot(1, 20000);
  ASSERT_GT(big.ByteSizeLong(), 500000u);
  absl::StatusOr<v1::PushResponse> r = client->Push(big);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->stored());
  ASSERT_EQ(collector_.Stored().size(), 1u);
  EXPECT_EQ(collector_.Stored()[0].SerializeAsString(),
            big.SerializeAsString());
  // And a small one after it on the same connection.
  r = client->Push(MakeSnapshot(2, 20000, 0));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->stored());
  EXPECT_EQ(Peers(collector_).size(), 1u);
}

TEST_F(CollectorClientTest, GzipResponse) {
  collector_.CompressResponses(true);
  auto client = Client(Options());
  // 20,000 unknown ids: a 160 KB response under "grpc-encoding: gzip".
  // grpc++ 1.51 still sends this message with the compressed flag 0 (seen
  // on the wire): the flag decides, per message. Decompression itself is
  // grpc_wire_test's.
  absl::StatusOr<v1::PushResponse> r = client->Push(MakeSnapshot(1, 20000, 0));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->stored());
  EXPECT_EQ(r->unknown_stack_ids_size(), 20000);
}

TEST_F(CollectorClientTest, ManyPushesOnOneConnection) {
  auto client = Client(Options());
  for (uint64_t seq = 1; seq <= 60; ++seq) {
    absl::StatusOr<v1::PushResponse> r = client->Push(MakeSnapshot(seq));
    ASSERT_TRUE(r.ok()) << "push " << seq << ": " << r.status();
    ASSERT_TRUE(r->stored());
    if (seq % 20 == 0) client->Idle();  // keeps the connection
  }
  EXPECT_EQ(collector_.Stored().size(), 60u);
  const std::set<std::string> peers = Peers(collector_);
  EXPECT_EQ(peers.size(), 1u) << "connections: " << peers.size();
}

TEST_F(CollectorClientTest, ConcurrentPushesAreSerialized) {
  auto client = Client(Options());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        v1::Snapshot s = MakeSnapshot(1 + t * 10 + i);
        s.set_instance(absl::StrCat("svc-", t));
        if (client->Push(s).ok()) ++ok;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 40);
  EXPECT_EQ(collector_.Stored().size(), 40u);
  EXPECT_EQ(Peers(collector_).size(), 1u);
}

TEST_F(CollectorClientTest, BearerTokenSeenByTheServer) {
  collector_.RequireToken("s3cret");
  CollectorClientOptions o = Options();
  o.bearer_token = "s3cret";
  absl::StatusOr<v1::PushResponse> r = Client(o)->Push(MakeSnapshot(1));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->stored());

  o.bearer_token = "wrong";
  r = Client(o)->Push(MakeSnapshot(2));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(absl::StartsWith(r.status().message(),
                               absl::StrCat("Push to ", o.address, ": ")))
      << r.status();
  EXPECT_TRUE(absl::StrContains(r.status().message(), "bearer token"))
      << r.status();
  o.bearer_token = "";
  EXPECT_EQ(Client(o)->Push(MakeSnapshot(2)).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(CollectorClientTest, ServerErrorStatusPropagates) {
  auto client = Client(Options());
  collector_.Refuse(grpc::StatusCode::INVALID_ARGUMENT);
  absl::StatusOr<v1::PushResponse> r = client->Push(MakeSnapshot(1));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), absl::StrCat("Push to ", collector_.address(),
                                               ": refused by the test"));
  collector_.Refuse(grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(client->Push(MakeSnapshot(1)).status().code(),
            absl::StatusCode::kResourceExhausted);
  // An error status does not spoil the connection.
  collector_.Refuse(grpc::StatusCode::OK);
  EXPECT_TRUE(client->Push(MakeSnapshot(1)).ok());
  EXPECT_EQ(Peers(collector_).size(), 1u);
}

TEST_F(CollectorClientTest, ServerDownIsUnavailable) {
  CollectorClientOptions o = Options();
  {
    Listener reserved;  // a free port, then nobody listens on it
    o.address = absl::StrCat("127.0.0.1:", reserved.port());
  }
  absl::StatusOr<v1::PushResponse> r = Client(o)->Push(MakeSnapshot(1));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_TRUE(absl::StartsWith(r.status().message(), "Push to ")) << r.status();
}

TEST_F(CollectorClientTest, ServerRestartedBetweenPushes) {
  auto client = Client(Options());
  ASSERT_TRUE(client->Push(MakeSnapshot(1)).ok());
  const int port = collector_.port();
  collector_.Stop();
  EXPECT_EQ(client->Push(MakeSnapshot(2)).status().code(),
            absl::StatusCode::kUnavailable);
  ASSERT_TRUE(collector_.Start(port).ok());
  absl::StatusOr<v1::PushResponse> r = client->Push(MakeSnapshot(2));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->stored());
  // Restarted without a stop in between the pushes: GOAWAY or a close.
  collector_.Stop();
  ASSERT_TRUE(collector_.Start(port).ok());
  r = client->Push(MakeSnapshot(3));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Peers(collector_).size(), 3u);
}

TEST_F(CollectorClientTest, DeadConnectionFoundOnUseIsRetriedOnce) {
  Proxy proxy(collector_.port());
  CollectorClientOptions o = Options();
  o.address = proxy.address();
  auto client = Client(o);
  ASSERT_TRUE(client->Push(MakeSnapshot(1)).ok());
  EXPECT_EQ(proxy.connections(), 1);
  proxy.DropNext();  // the kept connection dies when next used
  absl::StatusOr<v1::PushResponse> r = client->Push(MakeSnapshot(2));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->stored());
  EXPECT_EQ(proxy.connections(), 2);
  EXPECT_EQ(collector_.Stored().size(), 2u);
}

TEST_F(CollectorClientTest, SilentlyDroppedConnectionIsFoundByPing) {
  Proxy proxy(collector_.port());
  CollectorClientOptions o = Options();
  o.address = proxy.address();
  o.timeout = absl::Seconds(20);
  ConnectionPolicy policy;
  policy.ping_after_idle = absl::ZeroDuration();  // a PING before each push
  policy.ping_timeout = absl::Seconds(1);
  absl::StatusOr<std::unique_ptr<PushTransport>> client =
      NewCollectorClient(o, policy);
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE((*client)->Push(MakeSnapshot(1)).ok());
  ASSERT_TRUE((*client)->Push(MakeSnapshot(2)).ok());  // PING answered
  EXPECT_EQ(proxy.connections(), 1);
  proxy.Blackhole();
  // Without the PING this push would wait its 20 s and fail; with it, the
  // silent connection is replaced after 1 s.
  absl::StatusOr<v1::PushResponse> r = (*client)->Push(MakeSnapshot(3));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->stored());
  EXPECT_EQ(proxy.connections(), 2);
  EXPECT_EQ(collector_.Stored().size(), 3u);
}

TEST_F(CollectorClientTest, SilentServerIsDeadlineExceeded) {
  Listener silent;  // the kernel accepts; nobody ever reads or answers
  CollectorClientOptions o = Options();
  o.address = silent.address();
  o.timeout = absl::Seconds(1);
  auto client = Client(o);
  absl::StatusOr<v1::PushResponse> r = client->Push(MakeSnapshot(1));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded)
      << r.status();
  // The same during a TLS handshake.
  o.tls_ca = ReadTestFile("ca.pem");
  r = Client(o)->Push(MakeSnapshot(1));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded)
      << r.status();
}

TEST_F(CollectorClientTest, ServerThatHangsUpIsUnavailable) {
  Listener listener;
  std::thread hang_up([&] {  // accepts the push's connection, closes it
    const int fd = accept(listener.fd(), nullptr, nullptr);
    if (fd >= 0) close(fd);
  });
  CollectorClientOptions o = Options();
  o.address = listener.address();
  absl::StatusOr<v1::PushResponse> r = Client(o)->Push(MakeSnapshot(1));
  hang_up.join();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
}

TEST_F(CollectorClientTest, Ipv6Literal) {
  const int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 a = {};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      listen(fd, 4) != 0) {
    if (fd >= 0) close(fd);
    GTEST_SKIP() << "no IPv6 loopback here";
  }
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  CollectorClientOptions o = Options();
  o.address = absl::StrCat("[::1]:", ntohs(a.sin6_port));
  o.timeout = absl::Seconds(1);
  // Connected (the listener's backlog accepts), then nobody answers: the
  // deadline, not a refusal.
  absl::StatusOr<v1::PushResponse> r = Client(o)->Push(MakeSnapshot(1));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded)
      << r.status();
  close(fd);
}

TEST_F(CollectorClientTest, Tls) {
  collector_.Stop();
  ASSERT_TRUE(collector_.Start(0, ServerTls(false)).ok());
  CollectorClientOptions o = Options();
  o.tls_ca = ReadTestFile("ca.pem");
  auto client = Client(o);  // checks 127.0.0.1 against the IP SAN
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    absl::StatusOr<v1::PushResponse> r = client->Push(MakeSnapshot(seq));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->stored());
  }
  EXPECT_EQ(Peers(collector_).size(), 1u);
  o.tls_server_name = "localhost";  // a DNS name: SNI and host name check
  absl::StatusOr<v1::PushResponse> r = Client(o)->Push(MakeSnapshot(6));
  ASSERT_TRUE(r.ok()) << r.status();
  // Plain text to a TLS server fails.
  CollectorClientOptions plain = Options();
  EXPECT_EQ(Client(plain)->Push(MakeSnapshot(7)).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(CollectorClientTest, WrongCaOrNameIsUnavailable) {
  collector_.Stop();
  ASSERT_TRUE(collector_.Start(0, ServerTls(false)).ok());
  CollectorClientOptions o = Options();
  o.tls_ca = ReadTestFile("client.pem");  // a certificate, not the issuer
  absl::StatusOr<v1::PushResponse> r = Client(o)->Push(MakeSnapshot(1));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(r.status().message(), "verify failed"))
      << r.status();

  o.tls_ca = ReadTestFile("ca.pem");
  o.tls_server_name = "collector.example.com";
  r = Client(o)->Push(MakeSnapshot(1));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(r.status().message(), "collector.example.com"))
      << r.status();
  EXPECT_EQ(collector_.pushes_seen(), 0);
}

TEST_F(CollectorClientTest, MutualTls) {
  collector_.Stop();
  ASSERT_TRUE(collector_.Start(0, ServerTls(true)).ok());
  collector_.RequireToken("tok");
  CollectorClientOptions o = Options();
  o.tls_ca = ReadTestFile("ca.pem");
  o.bearer_token = "tok";
  absl::StatusOr<v1::PushResponse> r = Client(o)->Push(MakeSnapshot(1));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_EQ(collector_.pushes_seen(), 0);

  o.tls_cert = ReadTestFile("client.pem");
  o.tls_key = ReadTestFile("client.key");
  auto client = Client(o);
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    r = client->Push(MakeSnapshot(seq));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->stored());
  }
  EXPECT_EQ(Peers(collector_).size(), 1u);
}

TEST(CollectorClientOptionsTest, BadOptionsAreInvalidArgument) {
  auto code = [](CollectorClientOptions o) {
    return NewCollectorClient(o).status().code();
  };
  CollectorClientOptions o;
  EXPECT_EQ(code(o), absl::StatusCode::kOk);
  for (const char* bad : {"", "localhost", "::1:7070", "[::1]7070", "[::1]:",
                          "host:0", "host:65536", "host:x", ":7070"}) {
    o.address = bad;
    EXPECT_EQ(code(o), absl::StatusCode::kInvalidArgument) << bad;
  }
  for (const char* good : {"[::1]:7070", "localhost:1", "10.0.0.1:65535"}) {
    o.address = good;
    EXPECT_EQ(code(o), absl::StatusCode::kOk) << good;
  }
  o.address = "127.0.0.1:1";
  o.tls_ca = "not a PEM";
  EXPECT_EQ(code(o), absl::StatusCode::kInvalidArgument);
  o.tls_ca = ReadTestFile("ca.pem");
  EXPECT_EQ(code(o), absl::StatusCode::kOk);
  o.tls_cert = ReadTestFile("client.pem");
  EXPECT_EQ(code(o), absl::StatusCode::kInvalidArgument);  // no key
  o.tls_key = ReadTestFile("server.key");  // not this certificate's key
  EXPECT_EQ(code(o), absl::StatusCode::kInvalidArgument);
  o.tls_key = ReadTestFile("client.key");
  EXPECT_EQ(code(o), absl::StatusCode::kOk);
}

}  // namespace
}  // namespace agent
}  // namespace leakprof
