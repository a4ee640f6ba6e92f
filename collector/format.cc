#include "collector/format.h"

#include <xxhash.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace leakprof::collector {

int64_t WindowStart(int64_t unix_seconds) {
  int64_t w = unix_seconds / kWindowSeconds;
  if (unix_seconds < 0 && unix_seconds % kWindowSeconds != 0) --w;
  return w * kWindowSeconds;
}

uint64_t ServiceHash(absl::string_view service) {
  return XXH3_64bits(service.data(), service.size());
}

void PutFixed64BE(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(b, 8);
}

void PutFixed32BE(std::string* out, uint32_t v) {
  char b[4];
  for (int i = 3; i >= 0; --i) {
    b[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(b, 4);
}

uint64_t GetFixed64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

uint32_t GetFixed32BE(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

uint64_t VarintReader::Next() {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= data_.size()) {
      ok_ = false;
      return 0;
    }
    uint8_t b = static_cast<uint8_t>(data_[pos_++]);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  ok_ = false;
  return 0;
}

std::string EncodeSnaps(const SnapsChunk& chunk) {
  std::string out;
  const size_t n = chunk.timestamps.size();
  PutVarint(&out, n);
  if (n == 0) return out;
  PutVarint(&out, ZigZag(chunk.timestamps[0]));
  PutVarint(&out, ZigZag(chunk.totals[0]));
  int64_t prev_delta = 0;
  for (size_t i = 1; i < n; ++i) {
    int64_t delta = chunk.timestamps[i] - chunk.timestamps[i - 1];
    PutVarint(&out, ZigZag(delta - prev_delta));
    prev_delta = delta;
    PutVarint(&out, ZigZag(chunk.totals[i] - chunk.totals[i - 1]));
  }
  return out;
}

absl::StatusOr<SnapsChunk> DecodeSnaps(absl::string_view data) {
  VarintReader r(data);
  uint64_t n = r.Next();
  if (!r.ok() || n > data.size()) {
    return absl::DataLossError("snaps chunk: bad point count");
  }
  SnapsChunk chunk;
  chunk.timestamps.reserve(n);
  chunk.totals.reserve(n);
  int64_t ts = 0, total = 0, delta = 0;
  for (uint64_t i = 0; i < n; ++i) {
    if (i == 0) {
      ts = r.NextSigned();
      total = r.NextSigned();
    } else {
      delta += r.NextSigned();
      ts += delta;
      total += r.NextSigned();
    }
    chunk.timestamps.push_back(ts);
    chunk.totals.push_back(total);
  }
  if (!r.ok() || !r.done()) {
    return absl::DataLossError("snaps chunk: truncated or trailing bytes");
  }
  return chunk;
}

std::string EncodeCounts(const CountsChunk& chunk) {
  std::string out;
  PutVarint(&out, chunk.first);
  PutVarint(&out, chunk.counts.size());
  int64_t prev = 0;
  for (int64_t c : chunk.counts) {
    PutVarint(&out, ZigZag(c - prev));
    prev = c;
  }
  return out;
}

absl::StatusOr<CountsChunk> DecodeCounts(absl::string_view data) {
  VarintReader r(data);
  CountsChunk chunk;
  uint64_t first = r.Next();
  uint64_t n = r.Next();
  if (!r.ok() || n > data.size() || first > UINT32_MAX) {
    return absl::DataLossError("counts chunk: bad header");
  }
  chunk.first = static_cast<uint32_t>(first);
  chunk.counts.reserve(n);
  int64_t c = 0;
  for (uint64_t i = 0; i < n; ++i) {
    c += r.NextSigned();
    chunk.counts.push_back(c);
  }
  if (!r.ok() || !r.done()) {
    return absl::DataLossError("counts chunk: truncated or trailing bytes");
  }
  return chunk;
}

uint64_t CountsPoints(absl::string_view data) {
  VarintReader r(data);
  r.Next();
  uint64_t n = r.Next();
  return r.ok() ? n : 0;
}

std::string SeriesKey(uint64_t service_hash, uint64_t site_id,
                      int64_t window_start, uint32_t instance_id,
                      uint64_t part) {
  std::string k;
  k.reserve(32);
  PutFixed64BE(&k, service_hash);
  PutFixed64BE(&k, site_id);
  PutFixed32BE(&k, static_cast<uint32_t>(window_start / kWindowSeconds));
  PutFixed32BE(&k, instance_id);
  PutFixed64BE(&k, part);
  return k;
}

std::string SeriesPrefix(uint64_t service_hash, uint64_t site_id) {
  std::string k;
  PutFixed64BE(&k, service_hash);
  PutFixed64BE(&k, site_id);
  return k;
}

std::string SnapsKey(uint64_t service_hash, int64_t window_start,
                     uint32_t instance_id, uint64_t part) {
  std::string k;
  PutFixed64BE(&k, service_hash);
  PutFixed32BE(&k, static_cast<uint32_t>(window_start / kWindowSeconds));
  PutFixed32BE(&k, instance_id);
  PutFixed64BE(&k, part);
  return k;
}

std::string HeadKey(uint64_t service_hash, uint32_t instance_id,
                    int64_t timestamp_nanos, uint64_t sequence) {
  std::string k;
  PutFixed64BE(&k, service_hash);
  PutFixed32BE(&k, instance_id);
  PutFixed64BE(&k, static_cast<uint64_t>(timestamp_nanos));
  PutFixed64BE(&k, sequence);
  return k;
}

std::string SeqKey(uint64_t service_hash, uint32_t instance_id,
                   uint64_t sequence) {
  std::string k;
  PutFixed64BE(&k, service_hash);
  PutFixed32BE(&k, instance_id);
  PutFixed64BE(&k, sequence);
  return k;
}

std::string StackKey(uint64_t stack_id) {
  std::string k;
  PutFixed64BE(&k, stack_id);
  return k;
}

std::string SiteStackKey(uint64_t service_hash, uint64_t site_id,
                         uint64_t stack_id) {
  std::string k;
  PutFixed64BE(&k, service_hash);
  PutFixed64BE(&k, site_id);
  PutFixed64BE(&k, stack_id);
  return k;
}

std::string EvidenceKey(uint64_t service_hash, uint32_t instance_id,
                        int64_t unix_seconds, uint64_t sequence) {
  std::string k;
  PutFixed64BE(&k, service_hash);
  PutFixed32BE(&k, instance_id);
  PutFixed64BE(&k, static_cast<uint64_t>(unix_seconds));
  PutFixed64BE(&k, sequence);
  return k;
}

}  // namespace leakprof::collector
