// On-disk encodings of the collector's RocksDB keys and values: big-endian
// fixed-width key fields (so keys sort by time), LEB128 varints, zigzag, and
// the two compressed chunk codecs. docs/storage.md specifies each byte.
//
// Thread safety: free functions over caller-owned buffers; all are reentrant.
#ifndef LEAKPROF_COLLECTOR_FORMAT_H_
#define LEAKPROF_COLLECTOR_FORMAT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace leakprof::collector {

// Length of a series window (one chunk per site, instance and window).
inline constexpr int64_t kWindowSeconds = 2 * 3600;

// Start of the window holding `unix_seconds` (floor to kWindowSeconds).
int64_t WindowStart(int64_t unix_seconds);

// XXH3-64 of the service name: the 8-byte service prefix of every key.
uint64_t ServiceHash(absl::string_view service);

void PutFixed64BE(std::string* out, uint64_t v);
void PutFixed32BE(std::string* out, uint32_t v);
uint64_t GetFixed64BE(const char* p);
uint32_t GetFixed32BE(const char* p);
void PutVarint(std::string* out, uint64_t v);
inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Reads varints from a byte range; any overrun makes ok() false for good.
class VarintReader {
 public:
  explicit VarintReader(absl::string_view data) : data_(data) {}
  uint64_t Next();
  int64_t NextSigned() { return UnZigZag(Next()); }
  bool ok() const { return ok_; }
  bool done() const { return pos_ >= data_.size(); }
  size_t pos() const { return pos_; }

 private:
  absl::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Instance timestamps of one window part ("snaps" column family):
// n, first timestamp, first total, then per later point the zigzag
// delta-of-delta of the timestamp and the zigzag delta of the total.
struct SnapsChunk {
  std::vector<int64_t> timestamps;  // Unix seconds, ascending
  std::vector<int64_t> totals;      // total_goroutines, same length
};
std::string EncodeSnaps(const SnapsChunk& chunk);
absl::StatusOr<SnapsChunk> DecodeSnaps(absl::string_view data);

// One site's counts on one instance in one window part ("series" column
// family): first index (into the part's timestamps), n, then n zigzag
// deltas (the first against 0). Points outside [first, first + n) are 0.
struct CountsChunk {
  uint32_t first = 0;
  std::vector<int64_t> counts;
};
std::string EncodeCounts(const CountsChunk& chunk);
absl::StatusOr<CountsChunk> DecodeCounts(absl::string_view data);
// The number of points a counts value holds, without decoding it; 0 when
// malformed.
uint64_t CountsPoints(absl::string_view data);

// Keys. Every multi-byte field is big-endian.
std::string SeriesKey(uint64_t service_hash, uint64_t site_id,
                      int64_t window_start, uint32_t instance_id,
                      uint64_t part);
std::string SeriesPrefix(uint64_t service_hash, uint64_t site_id);
std::string SnapsKey(uint64_t service_hash, int64_t window_start,
                     uint32_t instance_id, uint64_t part);
std::string HeadKey(uint64_t service_hash, uint32_t instance_id,
                    int64_t timestamp_nanos, uint64_t sequence);
std::string SeqKey(uint64_t service_hash, uint32_t instance_id,
                   uint64_t sequence);
std::string StackKey(uint64_t stack_id);
std::string SiteStackKey(uint64_t service_hash, uint64_t site_id,
                         uint64_t stack_id);
std::string EvidenceKey(uint64_t service_hash, uint32_t instance_id,
                        int64_t unix_seconds, uint64_t sequence);

}  // namespace leakprof::collector

#endif  // LEAKPROF_COLLECTOR_FORMAT_H_
