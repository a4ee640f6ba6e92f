// Copyright 2026 The leakprof Authors.
//
// Reads one HTTP/1.x response from bytes as they arrive, with no sockets:
// the part of the keep-alive fetcher (keepalive_fetcher.cc) that handles what
// a server sends, separate so that it can be unit-tested and fuzzed.
//
// The parsing is Debian's libhttp-parser (nodejs http-parser 2.9.4): it
// checks the status line, headers (80 KiB at most, its compiled-in bound),
// Content-Length, chunked framing and keep-alive rules without allocating.
// This class keeps only what the fetcher needs: the status, Content-Type,
// Location, the body bounded by `max_body_bytes` while it arrives, the first
// bytes of a non-200 body for the error message, and whether the connection
// may carry another request.
//
// Interim 1xx responses (100 Continue, ...) are skipped; 101 is final.
//
// Thread safety: none; one response at a time. Reset() starts the next one
// and keeps the buffers already allocated.

#ifndef LEAKPROF_COMMON_HTTP_HTTP1_RESPONSE_H_
#define LEAKPROF_COMMON_HTTP_HTTP1_RESPONSE_H_

#include <http_parser.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace leakprof {
namespace http {

class Http1Response {
 public:
  // How much of a non-200 body is kept for the error message.
  static constexpr size_t kErrorSnippetBytes = 200;

  enum class State {
    kNeedMore,   // the response is not complete: feed more bytes, or Eof()
    kDone,       // complete; or, not 200, the snippet is full (read no more)
    kTooLarge,   // 200 and the body passed max_body_bytes: read no more
    kMalformed,  // the bytes are not an HTTP/1.x response: error()
    kTruncated,  // Eof() before the response ended: error()
  };

  Http1Response();
  Http1Response(const Http1Response&) = delete;
  Http1Response& operator=(const Http1Response&) = delete;

  // Starts a new response whose 200 body may hold at most `max_body_bytes`.
  // A 200 body is reserved from its Content-Length, or, without one
  // (chunked), from `expected_body_bytes` (e.g. the size of the last body
  // from the same server), either capped at the bound.
  void Reset(uint64_t max_body_bytes, uint64_t expected_body_bytes = 0);

  // Feeds the next `n` bytes received. Call while the state is kNeedMore;
  // afterwards it returns the state it ended in.
  State Feed(const char* data, size_t n);

  // The peer closed the connection. Ends a body delimited by the close;
  // kTruncated when the response was not complete.
  State Eof();

  State state() const { return state_; }
  // Bytes fed so far: 0 means the server sent nothing yet.
  uint64_t bytes_fed() const { return fed_; }
  // The final status; 0 until its status line and headers are all read.
  int status() const { return status_; }
  // As sent; empty when absent.
  const std::string& content_type() const { return content_type_; }
  const std::string& location() const { return location_; }
  // For status 200: the body received so far (complete when kDone). Move it
  // out with TakeBody().
  std::string TakeBody() { return std::move(body_); }
  const std::string& body() const { return body_; }
  // For other statuses: the first bytes of the body, at most
  // kErrorSnippetBytes.
  const std::string& error_body() const { return error_body_; }
  // kDone with the whole response read, keep-alive (HTTP/1.1 without
  // "Connection: close", or 1.0 with keep-alive), no upgrade and no byte
  // after it: the connection can carry the next request.
  bool reusable() const { return reusable_; }
  // What was rejected, and where, for kMalformed and kTruncated.
  const std::string& error() const { return error_; }

 private:
  static const http_parser_settings& Settings();
  static int OnHeaderField(http_parser* p, const char* at, size_t n);
  static int OnHeaderValue(http_parser* p, const char* at, size_t n);
  static int OnHeadersComplete(http_parser* p);
  static int OnBody(http_parser* p, const char* at, size_t n);
  static int OnMessageComplete(http_parser* p);

  // The state after http_parser_execute consumed `parsed` of `n` bytes.
  State AfterExecute(size_t parsed, size_t n);

  http_parser parser_;
  uint64_t max_body_bytes_ = 0;
  uint64_t expected_body_bytes_ = 0;
  uint64_t fed_ = 0;
  State state_ = State::kNeedMore;
  int status_ = 0;
  bool too_large_ = false;
  bool complete_ = false;  // the final response ended (or was cut for good)
  bool reusable_ = false;
  // The header being read: its name, pieces appended as they arrive, and
  // where its value goes (nullptr: a header we do not keep).
  std::string field_;
  bool in_value_ = false;
  std::string* value_ = nullptr;
  std::string content_type_;
  std::string location_;
  std::string body_;
  std::string error_body_;
  std::string error_;
};

}  // namespace http
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_HTTP_HTTP1_RESPONSE_H_
