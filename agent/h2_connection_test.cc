// Copyright 2026 The leakprof Authors.
//
// H2Connection against a real grpc++ server (TestCollector) and a silent
// TCP listener on loopback: PING liveness checks, and that a PING before
// each push does not make a gRPC server call the client abusive.

#include "agent/h2_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/grpc_wire.h"
#include "agent/testing/test_collector.h"
#include "gtest/gtest.h"
#include "proto/snapshot.pb.h"

namespace leakprof {
namespace agent {
namespace {

absl::Time Deadline() { return absl::Now() + absl::Seconds(30); }

std::vector<H2Header> PushHeaders(int port) {
  return {{":method", "POST"},
          {":scheme", "http"},
          {":path", "/leakprof.v1.Collector/Push"},
          {":authority", absl::StrCat("127.0.0.1:", port)},
          {"content-type", "application/grpc"},
          {"te", "trailers"}};
}

std::string PushBody(uint64_t sequence) {
  v1::PushRequest request;
  request.mutable_snapshot()->set_service("svc");
  request.mutable_snapshot()->set_instance("svc-0");
  request.mutable_snapshot()->set_sequence(sequence);
  return *FrameGrpcMessage(request.SerializeAsString(), /*gzip=*/false);
}

TEST(H2ConnectionTest, PingBeforeEachPushKeepsTheConnection) {
  testing::TestCollector collector;
  ASSERT_TRUE(collector.Start().ok());
  H2ConnectOptions o;
  o.endpoint = {"127.0.0.1", collector.port()};
  absl::StatusOr<std::unique_ptr<H2Connection>> c =
      H2Connection::Connect(o, Deadline());
  ASSERT_TRUE(c.ok()) << c.status();
  H2Connection& conn = **c;
  for (uint64_t seq = 1; seq <= 8; ++seq) {
    ASSERT_TRUE(conn.Refresh()) << "push " << seq;
    absl::Status ping = conn.Ping(Deadline());
    ASSERT_TRUE(ping.ok()) << "push " << seq << ": " << ping;
    absl::StatusOr<H2Response> r = conn.RoundTrip(
        PushHeaders(collector.port()), PushBody(seq), 1 << 20, Deadline());
    ASSERT_TRUE(r.ok()) << r.status();
    absl::StatusOr<std::string> message = UnaryResult(*r, 1 << 20);
    ASSERT_TRUE(message.ok()) << message.status();
    v1::PushResponse response;
    ASSERT_TRUE(response.ParseFromString(*message));
    EXPECT_TRUE(response.stored());
  }
  // No GOAWAY (too_many_pings) came meanwhile.
  EXPECT_TRUE(conn.Refresh());
  EXPECT_EQ(collector.Stored().size(), 8u);
  collector.Stop();
  // The server going away is seen without a request.
  EXPECT_FALSE(conn.Refresh());
}

TEST(H2ConnectionTest, PingToSilentPeerTimesOut) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  H2ConnectOptions o;
  o.endpoint = {"127.0.0.1", ntohs(a.sin_port)};
  absl::StatusOr<std::unique_ptr<H2Connection>> c =
      H2Connection::Connect(o, Deadline());
  ASSERT_TRUE(c.ok()) << c.status();  // the kernel's backlog accepted
  EXPECT_EQ((*c)->Ping(absl::Now() + absl::Milliseconds(300)).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE((*c)->usable());
  close(fd);
}

TEST(H2ConnectionTest, ConnectRefusedIsUnavailable) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  H2ConnectOptions o;
  o.endpoint = {"127.0.0.1", ntohs(a.sin_port)};  // bound, not listening
  absl::StatusOr<std::unique_ptr<H2Connection>> c =
      H2Connection::Connect(o, Deadline());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kUnavailable);
  close(fd);
}

}  // namespace
}  // namespace agent
}  // namespace leakprof
