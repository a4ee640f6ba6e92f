// Copyright 2026 The leakprof Authors.

#include "agent/grpc_wire.h"

#include <string>

#include "agent/h2_connection.h"
#include "gtest/gtest.h"

namespace leakprof {
namespace agent {
namespace {

H2Response Grpc(std::string body, std::vector<H2Header> trailers,
                std::string encoding = "") {
  H2Response r;
  r.headers = {{":status", "200"}, {"content-type", "application/grpc"}};
  if (!encoding.empty()) r.headers.push_back({"grpc-encoding", encoding});
  r.body = std::move(body);
  r.trailers = std::move(trailers);
  return r;
}

TEST(GrpcWireTest, FrameRoundTripPlainAndGzip) {
  const std::string message(100000, 'x');
  for (bool gzip : {false, true}) {
    absl::StatusOr<std::string> framed = FrameGrpcMessage(message, gzip);
    ASSERT_TRUE(framed.ok()) << framed.status();
    EXPECT_EQ((*framed)[0], gzip ? 1 : 0);
    if (gzip) {
      EXPECT_LT(framed->size(), 1000u);
    }
    absl::StatusOr<std::string> back =
        UnframeGrpcMessage(*framed, gzip ? "gzip" : "identity", 1 << 20);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, message);
  }
}

TEST(GrpcWireTest, GzipFramerReusesItsState) {
  GzipFramer framer;
  for (const std::string& m :
       {std::string(70000, 'a'), std::string("short"), std::string()}) {
    absl::StatusOr<std::string> framed = framer.Frame(m);
    ASSERT_TRUE(framed.ok()) << framed.status();
    EXPECT_EQ(*framed, *FrameGrpcMessage(m, true));
    EXPECT_EQ(*UnframeGrpcMessage(*framed, "gzip", 1 << 20), m);
  }
}

TEST(GrpcWireTest, UnframeRejectsMalformed) {
  const std::string ok = *FrameGrpcMessage("abc", false);
  EXPECT_EQ(UnframeGrpcMessage("", "", 100).status().code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(UnframeGrpcMessage(ok.substr(0, 6), "", 100).status().code(),
            absl::StatusCode::kInternal);  // truncated
  EXPECT_EQ(UnframeGrpcMessage(ok + "x", "", 100).status().code(),
            absl::StatusCode::kInternal);  // two messages' worth
  std::string flag2 = ok;
  flag2[0] = 2;
  EXPECT_EQ(UnframeGrpcMessage(flag2, "", 100).status().code(),
            absl::StatusCode::kInternal);
  const std::string gz = *FrameGrpcMessage("abc", true);
  EXPECT_EQ(UnframeGrpcMessage(gz, "deflate", 100).status().code(),
            absl::StatusCode::kInternal);  // unknown encoding
  std::string corrupt = gz;
  corrupt[corrupt.size() - 6] ^= 0x55;  // the CRC
  EXPECT_EQ(UnframeGrpcMessage(corrupt, "gzip", 100).status().code(),
            absl::StatusCode::kInternal);
  // Bounded: plain and decompressed.
  EXPECT_EQ(UnframeGrpcMessage(ok, "", 2).status().code(),
            absl::StatusCode::kResourceExhausted);
  const std::string bomb = *FrameGrpcMessage(std::string(1 << 20, 0), true);
  EXPECT_EQ(UnframeGrpcMessage(bomb, "gzip", 4096).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(GrpcWireTest, GrpcTimeoutHeader) {
  EXPECT_EQ(GrpcTimeoutHeader(absl::Seconds(10)), "10000m");
  EXPECT_EQ(GrpcTimeoutHeader(absl::Microseconds(1500)), "2m");
  EXPECT_EQ(GrpcTimeoutHeader(absl::Hours(30)), "108000S");
  EXPECT_EQ(GrpcTimeoutHeader(absl::Hours(24 * 365 * 100)), "52560000M");
  EXPECT_EQ(GrpcTimeoutHeader(absl::ZeroDuration()), "1n");
  EXPECT_EQ(GrpcTimeoutHeader(-absl::Seconds(1)), "1n");
}

TEST(GrpcWireTest, PercentDecode) {
  EXPECT_EQ(PercentDecode("a%20b%25c%C3%A9"), "a b%c\xC3\xA9");
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
}

TEST(GrpcWireTest, StatusFromTrailersOrTrailersOnly) {
  const std::string body = *FrameGrpcMessage("payload", true);
  absl::StatusOr<std::string> r =
      UnaryResult(Grpc(body, {{"grpc-status", "0"}}, "gzip"), 100);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "payload");

  r = UnaryResult(Grpc("", {{"grpc-status", "3"},
                            {"grpc-message", "bad%20snapshot%3A%20x"}}),
                  100);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "bad snapshot: x");

  H2Response only;  // trailers-only: grpc-status in the headers
  only.headers = {{":status", "200"},
                  {"content-type", "application/grpc"},
                  {"grpc-status", "16"},
                  {"grpc-message", "no token"}};
  EXPECT_EQ(UnaryResult(only, 100).status().code(),
            absl::StatusCode::kUnauthenticated);

  EXPECT_EQ(UnaryResult(Grpc("", {{"grpc-status", "x"}}), 100).status().code(),
            absl::StatusCode::kUnknown);
  EXPECT_EQ(UnaryResult(Grpc("", {{"grpc-status", "17"}}), 100).status().code(),
            absl::StatusCode::kUnknown);
  EXPECT_EQ(UnaryResult(Grpc(body, {}), 100).status().code(),
            absl::StatusCode::kUnknown);  // no grpc-status at all
}

TEST(GrpcWireTest, HttpStatusWithoutGrpcStatus) {
  const std::pair<int, absl::StatusCode> cases[] = {
      {400, absl::StatusCode::kInternal},
      {401, absl::StatusCode::kUnauthenticated},
      {403, absl::StatusCode::kPermissionDenied},
      {404, absl::StatusCode::kUnimplemented},
      {429, absl::StatusCode::kUnavailable},
      {502, absl::StatusCode::kUnavailable},
      {503, absl::StatusCode::kUnavailable},
      {504, absl::StatusCode::kUnavailable},
      {500, absl::StatusCode::kUnknown},
      {302, absl::StatusCode::kUnknown},
  };
  for (const auto& [http, code] : cases) {
    EXPECT_EQ(HttpStatusToCode(http), code) << http;
    H2Response r;
    r.headers = {{":status", std::to_string(http)},
                 {"content-type", "text/html"}};
    EXPECT_EQ(UnaryResult(r, 100).status().code(), code) << http;
  }
}

TEST(GrpcWireTest, ResetStreamAndContentType) {
  H2Response r;
  r.reset = true;
  r.reset_code = 0x7;  // REFUSED_STREAM
  EXPECT_EQ(UnaryResult(r, 100).status().code(),
            absl::StatusCode::kUnavailable);
  r.reset_code = 0x8;
  EXPECT_EQ(UnaryResult(r, 100).status().code(), absl::StatusCode::kCancelled);
  r.reset_code = 0xb;
  EXPECT_EQ(UnaryResult(r, 100).status().code(),
            absl::StatusCode::kResourceExhausted);
  r.reset_code = 0x2;
  EXPECT_EQ(UnaryResult(r, 100).status().code(), absl::StatusCode::kInternal);

  H2Response html = Grpc(*FrameGrpcMessage("x", false), {{"grpc-status", "0"}});
  html.headers[1].value = "text/html";
  EXPECT_EQ(UnaryResult(html, 100).status().code(), absl::StatusCode::kUnknown);
}

TEST(HostPortTest, Forms) {
  absl::StatusOr<HostPort> hp = ParseHostPort("[::1]:7070");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->host, "::1");
  EXPECT_EQ(hp->port, 7070);
  hp = ParseHostPort("collector.internal:443");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->host, "collector.internal");
  EXPECT_EQ(hp->port, 443);
  for (const char* bad : {"", "x", "::1:7070", "[::1]", "[::1]x7070", "[]:1",
                          "h:0", "h:70000", "h:", ":1"}) {
    EXPECT_EQ(ParseHostPort(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

}  // namespace
}  // namespace agent
}  // namespace leakprof
