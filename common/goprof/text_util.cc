// Copyright 2026 The leakprof Authors.

#include "common/goprof/text_util.h"

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"

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

std::optional<int64_t> ParseDecimal(absl::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
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

}  // namespace internal
}  // namespace goprof
}  // namespace leakprof
