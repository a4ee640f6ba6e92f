// Copyright 2026 The leakprof Authors.

#include "common/http/http1_response.h"

#include <http_parser.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace leakprof {
namespace http {
namespace {

Http1Response* Self(http_parser* p) {
  return static_cast<Http1Response*>(p->data);
}

// An interim response (100 Continue, 103 Early Hints): the final one
// follows. 101 Switching Protocols is final: nothing HTTP follows it.
bool Interim(const http_parser* p) {
  return p->status_code >= 100 && p->status_code < 200 && p->status_code != 101;
}

}  // namespace

// Callbacks return 0 to go on; anything else stops the parser with
// HPE_CB_<name>, which AfterExecute() reads back through too_large_.
const http_parser_settings& Http1Response::Settings() {
  static const http_parser_settings settings = [] {
    http_parser_settings s;
    http_parser_settings_init(&s);
    s.on_header_field = &Http1Response::OnHeaderField;
    s.on_header_value = &Http1Response::OnHeaderValue;
    s.on_headers_complete = &Http1Response::OnHeadersComplete;
    s.on_body = &Http1Response::OnBody;
    s.on_message_complete = &Http1Response::OnMessageComplete;
    return s;
  }();
  return settings;
}

Http1Response::Http1Response() { Reset(0); }

void Http1Response::Reset(uint64_t max_body_bytes,
                          uint64_t expected_body_bytes) {
  http_parser_init(&parser_, HTTP_RESPONSE);
  parser_.data = this;
  max_body_bytes_ = max_body_bytes;
  expected_body_bytes_ = expected_body_bytes;
  fed_ = 0;
  state_ = State::kNeedMore;
  status_ = 0;
  too_large_ = false;
  complete_ = false;
  reusable_ = false;
  field_.clear();
  in_value_ = false;
  value_ = nullptr;
  content_type_.clear();
  location_.clear();
  body_.clear();  // valid after TakeBody() too: a moved-from string
  error_body_.clear();
  error_.clear();
}

Http1Response::State Http1Response::Feed(const char* data, size_t n) {
  if (state_ != State::kNeedMore) return state_;
  fed_ += n;
  const size_t parsed = http_parser_execute(&parser_, &Settings(), data, n);
  return state_ = AfterExecute(parsed, n);
}

Http1Response::State Http1Response::AfterExecute(size_t parsed, size_t n) {
  if (too_large_) return State::kTooLarge;
  if (complete_) {
    // Bytes after the response: the server is out of step with us (or
    // pipelines junk); the next request must not read them as its answer.
    if (parsed < n) reusable_ = false;
    return State::kDone;
  }
  const http_errno err = HTTP_PARSER_ERRNO(&parser_);
  if (err != HPE_OK) {
    if (error_.empty()) {  // else a callback said what it refused
      error_ = absl::StrCat(http_errno_name(err), " (",
                            http_errno_description(err), ")");
    }
    absl::StrAppend(&error_, " at byte ", fed_ - n + parsed,
                    " of the response");
    return State::kMalformed;
  }
  return State::kNeedMore;
}

Http1Response::State Http1Response::Eof() {
  if (state_ != State::kNeedMore) return state_;
  if (fed_ == 0) {
    error_ = "connection closed before any response byte";
    return state_ = State::kTruncated;
  }
  // Length 0 tells the parser the stream ended: a body delimited by the
  // close is complete, anything else unfinished is HPE_INVALID_EOF_STATE.
  http_parser_execute(&parser_, &Settings(), nullptr, 0);
  if (complete_) {
    reusable_ = false;  // the server closed it
    return state_ = State::kDone;
  }
  error_ = absl::StrCat("connection closed after ", fed_,
                        " bytes, before the response ended");
  return state_ = State::kTruncated;
}

int Http1Response::OnHeaderField(http_parser* p, const char* at, size_t n) {
  Http1Response* self = Self(p);
  if (self->in_value_) {  // the previous header is done: a new name starts
    self->field_.clear();
    self->in_value_ = false;
  }
  // Names are bounded with the whole head by the parser (80 KiB).
  self->field_.append(at, n);
  return 0;
}

int Http1Response::OnHeaderValue(http_parser* p, const char* at, size_t n) {
  Http1Response* self = Self(p);
  if (!self->in_value_) {  // the name is complete: keep this value?
    self->in_value_ = true;
    self->value_ = nullptr;
    if (absl::EqualsIgnoreCase(self->field_, "content-type")) {
      self->value_ = &self->content_type_;
    } else if (absl::EqualsIgnoreCase(self->field_, "location")) {
      self->value_ = &self->location_;
    }
    if (self->value_ != nullptr) self->value_->clear();  // the last one wins
  }
  if (self->value_ != nullptr) self->value_->append(at, n);
  return 0;
}

int Http1Response::OnHeadersComplete(http_parser* p) {
  Http1Response* self = Self(p);
  self->field_.clear();
  self->in_value_ = false;
  if (p->status_code < 100) {  // the parser takes 1 to 3 digits
    self->error_ =
        absl::StrCat("status code ", p->status_code, " is not three digits");
    return -1;
  }
  if (Interim(p)) return 0;  // its headers are dropped in OnMessageComplete
  self->status_ = p->status_code;
  if (self->status_ != 200) return 0;
  if ((p->flags & F_CONTENTLENGTH) != 0) {
    // Refused before the body is read, as the agent's bound promises.
    if (p->content_length > self->max_body_bytes_) {
      self->too_large_ = true;
      return -1;
    }
    self->body_.reserve(p->content_length);
  } else {
    // One allocation instead of a dozen doublings, each a copy.
    self->body_.reserve(
        std::min(self->expected_body_bytes_, self->max_body_bytes_));
  }
  return 0;
}

int Http1Response::OnBody(http_parser* p, const char* at, size_t n) {
  Http1Response* self = Self(p);
  if (self->status_ == 200) {
    if (n > self->max_body_bytes_ - self->body_.size()) {
      self->too_large_ = true;
      return -1;
    }
    self->body_.append(at, n);
    return 0;
  }
  // Not 200: the status decides; the body only adds its first bytes to the
  // message, and the rest is not worth reading.
  std::string& snippet = self->error_body_;
  snippet.append(at, std::min(n, kErrorSnippetBytes - snippet.size()));
  if (snippet.size() == kErrorSnippetBytes) {
    self->complete_ = true;  // reusable_ stays false: the rest is unread
    http_parser_pause(p, 1);
  }
  return 0;
}

int Http1Response::OnMessageComplete(http_parser* p) {
  Http1Response* self = Self(p);
  if (Interim(p)) {  // the final response follows on the same bytes
    self->content_type_.clear();
    self->location_.clear();
    return 0;
  }
  self->complete_ = true;
  self->reusable_ =
      http_should_keep_alive(p) != 0 && p->upgrade == 0 && self->status_ != 101;
  // Pausing stops http_parser_execute right after this response, so Feed()
  // sees whether any byte follows it.
  http_parser_pause(p, 1);
  return 0;
}

}  // namespace http
}  // namespace leakprof
