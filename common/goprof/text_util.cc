// Copyright 2026 The leakprof Authors.

#include "common/goprof/text_util.h"

#include <algorithm>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/goprof/parser.h"

namespace leakprof {
namespace goprof {
namespace internal {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | ((cp >> 18) & 0x07)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// An unquoted label key or value in a debug=2 header: up to ',', ':' or '}'.
std::string ParseBare(absl::string_view* s, absl::string_view stops) {
  size_t end = 0;
  while (end < s->size() && stops.find((*s)[end]) == absl::string_view::npos) {
    ++end;
  }
  std::string out(absl::StripAsciiWhitespace(s->substr(0, end)));
  s->remove_prefix(end);
  return out;
}

}  // namespace

absl::string_view SkipLeadingWhitespace(absl::string_view body,
                                        int64_t* first_line) {
  const absl::string_view rest = absl::StripLeadingAsciiWhitespace(body);
  *first_line = 1 + std::count(body.begin(), body.end() - rest.size(), '\n');
  return rest;
}

std::optional<int64_t> ParseDecimal(absl::string_view s) {
  if (s.empty()) return std::nullopt;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    if (v > (kMax - digit) / 10) return std::nullopt;  // v * 10 + digit > kMax
    v = v * 10 + digit;
  }
  return v;
}

bool IsDecimal(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return c >= '0' && c <= '9'; });
}

absl::StatusOr<int64_t> ParseCount(absl::string_view s,
                                   absl::string_view what) {
  if (!IsDecimal(s)) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " \"", s.substr(0, 40), "\" is not a decimal number"));
  }
  std::optional<int64_t> v = ParseDecimal(s);
  if (!v || *v > kMaxGoroutines) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", s.substr(0, 40), " is over ", kMaxGoroutines,
                     ", more goroutines than a process can have"));
  }
  return *v;
}

absl::Status AddToTotal(int64_t count, int64_t* total) {
  if (count < 0 || count > kMaxGoroutines - *total) {
    return absl::InvalidArgumentError(
        absl::StrCat("the counts add up to more than ", kMaxGoroutines,
                     " goroutines, more than a process can have"));
  }
  *total += count;
  return absl::OkStatus();
}

std::optional<FrameRef> ParseFileLine(absl::string_view s) {
  const size_t colon = s.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return std::nullopt;
  std::optional<int64_t> line = ParseDecimal(s.substr(colon + 1));
  if (!line) return std::nullopt;
  return FrameRef{"", s.substr(0, colon), *line};
}

std::optional<std::string> ParseGoQuoted(absl::string_view* s) {
  if (s->empty() || (*s)[0] != '"') return std::nullopt;
  std::string out;
  size_t i = 1;
  while (i < s->size()) {
    char c = (*s)[i];
    if (c == '"') {
      s->remove_prefix(i + 1);
      return out;
    }
    if (c != '\\') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= s->size()) return std::nullopt;
    char e = (*s)[i + 1];
    i += 2;
    switch (e) {
      case 'n':
        out.push_back('\n');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 'a':
        out.push_back('\a');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'v':
        out.push_back('\v');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '"':
        out.push_back('"');
        break;
      case '\'':
        out.push_back('\'');
        break;
      case 'x':
      case 'u':
      case 'U': {
        const size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (i + n > s->size()) return std::nullopt;
        uint32_t v = 0;
        for (size_t k = 0; k < n; ++k) {
          int h = HexValue((*s)[i + k]);
          if (h < 0) return std::nullopt;
          v = v * 16 + static_cast<uint32_t>(h);
        }
        i += n;
        if (e == 'x') {
          out.push_back(static_cast<char>(v));
        } else {
          if (v > 0x10FFFF) return std::nullopt;
          AppendUtf8(v, &out);
        }
        break;
      }
      default:
        if (e >= '0' && e <= '7') {  // \ooo
          if (i + 2 > s->size()) return std::nullopt;
          uint32_t v = static_cast<uint32_t>(e - '0');
          for (size_t k = 0; k < 2; ++k) {
            char o = (*s)[i + k];
            if (o < '0' || o > '7') return std::nullopt;
            v = v * 8 + static_cast<uint32_t>(o - '0');
          }
          i += 2;
          if (v > 255) return std::nullopt;
          out.push_back(static_cast<char>(v));
          break;
        }
        return std::nullopt;
    }
  }
  return std::nullopt;  // no closing quote
}

std::optional<Labels> ParseLabelMap(absl::string_view s) {
  s = absl::StripAsciiWhitespace(s);
  if (!absl::ConsumePrefix(&s, "{") || !absl::ConsumeSuffix(&s, "}")) {
    return std::nullopt;
  }
  Labels labels;
  s = absl::StripLeadingAsciiWhitespace(s);
  while (!s.empty()) {
    if (labels.size() >= 64) return std::nullopt;
    std::string key;
    if (s[0] == '"') {
      std::optional<std::string> k = ParseGoQuoted(&s);
      if (!k) return std::nullopt;
      key = std::move(*k);
    } else {
      key = ParseBare(&s, ":");
    }
    s = absl::StripLeadingAsciiWhitespace(s);
    if (!absl::ConsumePrefix(&s, ":")) return std::nullopt;
    s = absl::StripLeadingAsciiWhitespace(s);
    std::string value;
    if (!s.empty() && s[0] == '"') {
      std::optional<std::string> v = ParseGoQuoted(&s);
      if (!v) return std::nullopt;
      value = std::move(*v);
    } else {
      value = ParseBare(&s, ",");
    }
    labels.emplace_back(std::move(key), std::move(value));
    s = absl::StripLeadingAsciiWhitespace(s);
    if (!s.empty() && !absl::ConsumePrefix(&s, ",")) return std::nullopt;
    s = absl::StripLeadingAsciiWhitespace(s);
  }
  return labels;
}

absl::Status CheckLabels(const ProfileBuilder& builder, const Labels& labels) {
  for (const auto& [key, value] : labels) {
    absl::Status s = builder.CheckString(key, "label key");
    if (s.ok()) s = builder.CheckString(value, "label value");
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace internal
}  // namespace goprof
}  // namespace leakprof
