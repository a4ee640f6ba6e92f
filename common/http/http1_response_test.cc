// Copyright 2026 The leakprof Authors.

#include "common/http/http1_response.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace leakprof {
namespace http {
namespace {

using State = Http1Response::State;
using ::testing::HasSubstr;

// Feeds `bytes` whole, then again one byte at a time on a reset reader; both
// must end in the same state. Returns the state of the byte-wise run, whose
// reader is left in `r`.
State FeedBothWays(Http1Response& r, absl::string_view bytes,
                   uint64_t bound = 1 << 20) {
  r.Reset(bound);
  const State whole = r.Feed(bytes.data(), bytes.size());
  const std::string whole_body = r.body();
  r.Reset(bound);
  State bytewise = State::kNeedMore;
  for (char c : bytes) {
    if (bytewise != State::kNeedMore) break;
    bytewise = r.Feed(&c, 1);
  }
  EXPECT_EQ(whole, bytewise) << bytes;
  // A body over the bound is cut wherever the pieces ended.
  if (whole != State::kTooLarge) {
    EXPECT_EQ(whole_body, r.body());
  }
  return bytewise;
}

TEST(Http1ResponseTest, ContentLength) {
  Http1Response r;
  EXPECT_EQ(FeedBothWays(r,
                         "HTTP/1.1 200 OK\r\nContent-Type: application/"
                         "octet-stream\r\nContent-Length: 5\r\n\r\nhello"),
            State::kDone);
  EXPECT_EQ(r.status(), 200);
  EXPECT_EQ(r.body(), "hello");
  EXPECT_EQ(r.content_type(), "application/octet-stream");
  EXPECT_TRUE(r.reusable());
  EXPECT_EQ(r.TakeBody(), "hello");
}

TEST(Http1ResponseTest, Chunked) {
  Http1Response r;
  EXPECT_EQ(FeedBothWays(r,
                         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                         "content-type: text/plain\r\n\r\n"
                         "3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\n\r\n"),
            State::kDone);
  EXPECT_EQ(r.body(), "abcdefg");
  EXPECT_EQ(r.content_type(), "text/plain");
  EXPECT_TRUE(r.reusable());
}

TEST(Http1ResponseTest, NotDoneUntilTheLastChunk) {
  Http1Response r;
  r.Reset(100);
  const std::string head =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n";
  EXPECT_EQ(r.Feed(head.data(), head.size()), State::kNeedMore);
  EXPECT_EQ(r.status(), 200);
  EXPECT_EQ(r.Eof(), State::kTruncated);
  EXPECT_THAT(r.error(), HasSubstr("before the response ended"));
}

TEST(Http1ResponseTest, ConnectionCloseIsNotReusable) {
  Http1Response r;
  EXPECT_EQ(FeedBothWays(r,
                         "HTTP/1.1 200 OK\r\nConnection: close\r\n"
                         "Content-Length: 2\r\n\r\nok"),
            State::kDone);
  EXPECT_FALSE(r.reusable());
}

TEST(Http1ResponseTest, Http10IsNotReusable) {
  Http1Response r;
  EXPECT_EQ(FeedBothWays(r, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"),
            State::kDone);
  EXPECT_FALSE(r.reusable());
}

TEST(Http1ResponseTest, BodyDelimitedByTheClose) {
  Http1Response r;
  EXPECT_EQ(FeedBothWays(r, "HTTP/1.0 200 OK\r\n\r\nuntil the end"),
            State::kNeedMore);
  EXPECT_EQ(r.Eof(), State::kDone);
  EXPECT_EQ(r.body(), "until the end");
  EXPECT_FALSE(r.reusable());
}

TEST(Http1ResponseTest, ContentLengthOverTheBoundIsRefusedBeforeTheBody) {
  Http1Response r;
  r.Reset(4);
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
  EXPECT_EQ(r.Feed(head.data(), head.size()), State::kTooLarge);
}

TEST(Http1ResponseTest, ChunkedOverTheBound) {
  Http1Response r;
  EXPECT_EQ(FeedBothWays(r,
                         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n",
                         5),
            State::kTooLarge);
  EXPECT_EQ(FeedBothWays(r,
                         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n",
                         6),
            State::kDone);
  EXPECT_EQ(r.body(), "abcdef");
}

TEST(Http1ResponseTest, ZeroBoundTakesOnlyAnEmptyBody) {
  Http1Response r;
  EXPECT_EQ(FeedBothWays(r, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0),
            State::kDone);
  EXPECT_EQ(FeedBothWays(r, "HTTP/1.0 200 OK\r\n\r\nx", 0), State::kTooLarge);
}

TEST(Http1ResponseTest, RedirectKeepsStatusAndLocation) {
  Http1Response r;
  EXPECT_EQ(FeedBothWays(r,
                         "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\n"
                         "Content-Length: 5\r\n\r\nmoved"),
            State::kDone);
  EXPECT_EQ(r.status(), 302);
  EXPECT_EQ(r.location(), "/elsewhere");
  EXPECT_EQ(r.error_body(), "moved");
  EXPECT_EQ(r.body(), "");
  EXPECT_TRUE(r.reusable());
}

TEST(Http1ResponseTest, ErrorBodyIsCutAtTheSnippet) {
  Http1Response r;
  const std::string bytes =
      absl::StrCat("HTTP/1.1 500 Oops\r\nContent-Length: 100000\r\n\r\n",
                   std::string(1000, 'e'));
  r.Reset(10);  // the bound is for 200 bodies only
  EXPECT_EQ(r.Feed(bytes.data(), bytes.size()), State::kDone);
  EXPECT_EQ(r.status(), 500);
  EXPECT_EQ(r.error_body(),
            std::string(Http1Response::kErrorSnippetBytes, 'e'));
  EXPECT_FALSE(r.reusable());  // the rest of the body was not read
}

TEST(Http1ResponseTest, InterimResponsesAreSkipped) {
  Http1Response r;
  EXPECT_EQ(FeedBothWays(r,
                         "HTTP/1.1 100 Continue\r\nContent-Type: bogus\r\n\r\n"
                         "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
            State::kDone);
  EXPECT_EQ(r.status(), 200);
  EXPECT_EQ(r.content_type(), "");
  EXPECT_EQ(r.body(), "ok");
}

TEST(Http1ResponseTest, SwitchingProtocolsIsFinalAndNotReusable) {
  Http1Response r;
  r.Reset(100);
  const std::string bytes =
      "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
      "Upgrade: h2c\r\n\r\nPRI * HTTP/2.0";
  EXPECT_EQ(r.Feed(bytes.data(), bytes.size()), State::kDone);
  EXPECT_EQ(r.status(), 101);
  EXPECT_FALSE(r.reusable());
}

TEST(Http1ResponseTest, BytesAfterTheResponseSpoilReuse) {
  Http1Response r;
  r.Reset(100);
  const std::string bytes =
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n";
  EXPECT_EQ(r.Feed(bytes.data(), bytes.size()), State::kDone);
  EXPECT_EQ(r.body(), "ok");
  EXPECT_FALSE(r.reusable());
}

TEST(Http1ResponseTest, MalformedSaysWhatAndWhere) {
  Http1Response r;
  r.Reset(100);
  const std::string bytes = "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n";
  EXPECT_EQ(r.Feed(bytes.data(), bytes.size()), State::kMalformed);
  EXPECT_THAT(r.error(), HasSubstr("HPE_INVALID_CONTENT_LENGTH"));
  EXPECT_THAT(r.error(), HasSubstr("at byte 33"));

  r.Reset(100);
  EXPECT_EQ(r.Feed("SSH-2.0-OpenSSH\r\n", 17), State::kMalformed);
  EXPECT_THAT(r.error(), HasSubstr("HPE_INVALID_CONSTANT"));
  // Stays so: more bytes are not parsed.
  EXPECT_EQ(r.Feed("HTTP/1.1", 8), State::kMalformed);
}

TEST(Http1ResponseTest, StatusUnder100IsMalformed) {
  Http1Response r;
  r.Reset(100);
  const std::string bytes = "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(r.Feed(bytes.data(), bytes.size()), State::kMalformed);
  EXPECT_THAT(r.error(), HasSubstr("status code 20 is not three digits"));
}

TEST(Http1ResponseTest, ContentLengthAndChunkedTogetherAreMalformed) {
  Http1Response r;
  r.Reset(100);
  const std::string bytes =
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
      "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
  EXPECT_EQ(r.Feed(bytes.data(), bytes.size()), State::kMalformed);
}

TEST(Http1ResponseTest, CutShortAndNothingAtAll) {
  Http1Response r;
  r.Reset(100);
  EXPECT_EQ(r.Eof(), State::kTruncated);
  EXPECT_EQ(r.bytes_fed(), 0u);

  r.Reset(100);
  const std::string bytes = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
  EXPECT_EQ(r.Feed(bytes.data(), bytes.size()), State::kNeedMore);
  EXPECT_EQ(r.Eof(), State::kTruncated);
  EXPECT_EQ(r.bytes_fed(), bytes.size());
  EXPECT_THAT(r.error(), HasSubstr("before the response ended"));
}

TEST(Http1ResponseTest, ResetReadsTheNextResponse) {
  Http1Response r;
  for (int i = 0; i < 3; ++i) {
    r.Reset(100);
    const std::string bytes =
        absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n", i);
    ASSERT_EQ(r.Feed(bytes.data(), bytes.size()), State::kDone);
    EXPECT_EQ(r.TakeBody(), absl::StrCat(i));
    EXPECT_EQ(r.content_type(), "");
  }
}

}  // namespace
}  // namespace http
}  // namespace leakprof
