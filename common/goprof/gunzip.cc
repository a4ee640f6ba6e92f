// Copyright 2026 The leakprof Authors.

#include "common/goprof/gunzip.h"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"

namespace leakprof {
namespace goprof {

bool IsGzip(absl::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

namespace {

absl::Status OverBound(int64_t max_output_bytes, size_t member,
                       size_t compressed_offset, size_t compressed_size) {
  return absl::ResourceExhaustedError(absl::StrCat(
      "gzip: decompressed body exceeds the bound of ", max_output_bytes,
      " bytes (in member ", member, ", which starts at compressed byte ",
      compressed_offset, " of ", compressed_size, ")"));
}

// Makes `*out` exactly `size` bytes long, keeping its first `keep` bytes.
// A fresh string, not out->resize(): libstdc++ rounds a growing capacity up
// to twice the old one, which could overshoot the bound.
void GrowExactly(std::string* out, size_t keep, size_t size) {
  std::string bigger;
  bigger.resize(size);
  if (keep > 0) std::memcpy(&bigger[0], out->data(), keep);
  out->swap(bigger);
}

// zlib, streaming: slower than libdeflate, but it says where the input went
// wrong. Called only once libdeflate has refused `data`, to explain why.
// The output is decompressed into a small scratch buffer and dropped, so
// this allocates nothing in proportion to the body; it still counts the
// output against the bound, which it reports the same way Gunzip does.
absl::Status ExplainFailure(absl::string_view data, int64_t max_output_bytes) {
  z_stream z = {};
  // 15 window bits + 16: gzip wrapper only.
  if (inflateInit2(&z, 15 + 16) != Z_OK) {
    return absl::InternalError("gzip: inflateInit2 failed");
  }
  constexpr size_t kScratch = 64 << 10;
  std::unique_ptr<Bytef[]> scratch(new Bytef[kScratch]);
  const Bytef* const begin = reinterpret_cast<const Bytef*>(data.data());
  const Bytef* const end = begin + data.size();
  z.next_in = const_cast<Bytef*>(begin);
  int64_t produced = 0;
  size_t member = 1;
  size_t member_start = 0;
  absl::Status status =
      absl::InvalidArgumentError("gzip: corrupt data (zlib accepts it)");
  while (true) {
    // avail_in is a 32-bit count: feed a larger body in pieces.
    const size_t left = static_cast<size_t>(end - z.next_in);
    z.avail_in = static_cast<uInt>(std::min<size_t>(left, UINT_MAX));
    z.next_out = scratch.get();
    z.avail_out = static_cast<uInt>(kScratch);
    const int rc = inflate(&z, Z_NO_FLUSH);
    produced += static_cast<int64_t>(kScratch - z.avail_out);
    const size_t offset = static_cast<size_t>(z.next_in - begin);
    if (produced > max_output_bytes) {
      status = OverBound(max_output_bytes, member, member_start, data.size());
      break;
    }
    if (rc == Z_STREAM_END) {
      if (offset == data.size()) break;  // zlib accepts the whole body
      // Another gzip member follows (concatenated gzip).
      if (inflateReset(&z) != Z_OK) {
        status = absl::InternalError("gzip: inflateReset failed");
        break;
      }
      ++member;
      member_start = offset;
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR) {
      // No progress was possible: zlib wants input that is not there.
      status = absl::InvalidArgumentError(
          absl::StrCat("gzip: truncated stream: input ended after ",
                       data.size(), " compressed bytes"));
      break;
    }
    status = absl::InvalidArgumentError(absl::StrCat(
        "gzip: corrupt data at compressed byte ", offset, " (member ", member,
        "): ", z.msg != nullptr ? z.msg : "inflate failed"));
    break;
  }
  inflateEnd(&z);
  return status;
}

}  // namespace

absl::StatusOr<std::string> Gunzip(absl::string_view data,
                                   int64_t max_output_bytes) {
  if (max_output_bytes < 0) max_output_bytes = 0;
  // The output buffer is never larger than this: one byte more than the
  // bound, so that a body of exactly the bound is told apart from a larger
  // one.
  const size_t limit =
      static_cast<size_t>(std::min<int64_t>(
          max_output_bytes, static_cast<int64_t>(SIZE_MAX / 2))) +
      1;
  // The gzip trailer's ISIZE (size mod 2^32 of the last member) sizes the
  // first try; a lie only costs a retry, never more than the bound.
  size_t guess = std::max<size_t>(4096, 4 * data.size());
  if (data.size() >= 18) {
    const unsigned char* t =
        reinterpret_cast<const unsigned char*>(data.data()) + data.size() - 4;
    const size_t isize = size_t{t[0]} | size_t{t[1]} << 8 | size_t{t[2]} << 16 |
                         size_t{t[3]} << 24;
    if (isize > 0) guess = isize;
  }
  std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)>
      d(libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
  if (d == nullptr) return absl::InternalError("gzip: out of memory");

  std::string out;
  GrowExactly(&out, 0, std::min(limit, guess));
  size_t produced = 0;
  size_t member = 1;
  absl::string_view in = data;
  // One gzip member per round (Go writes one; gzip allows several, whose
  // outputs are concatenated). A member is decompressed whole into the
  // space left, or not at all: when it does not fit, the buffer doubles (up
  // to `limit`) and the member is tried again. The retries cost at most as
  // much work as the final buffer size.
  while (!in.empty()) {
    size_t in_used = 0;
    size_t out_n = 0;
    const libdeflate_result r = libdeflate_gzip_decompress_ex(
        d.get(), in.data(), in.size(), &out[0] + produced,
        out.size() - produced, &in_used, &out_n);
    if (r == LIBDEFLATE_SUCCESS) {
      produced += out_n;
      if (produced > static_cast<size_t>(max_output_bytes)) {
        return OverBound(max_output_bytes, member, data.size() - in.size(),
                         data.size());
      }
      in.remove_prefix(in_used);
      ++member;
      continue;
    }
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
      if (out.size() >= limit) {
        // Already one byte over the bound and the member needs more.
        return OverBound(max_output_bytes, member, data.size() - in.size(),
                         data.size());
      }
      const size_t doubled =
          out.size() > limit / 2 ? limit : std::max<size_t>(2 * out.size(), 1);
      GrowExactly(&out, produced, std::min(limit, doubled));
      continue;
    }
    // Corrupt or truncated: let zlib say which, and where.
    return ExplainFailure(data, max_output_bytes);
  }
  out.resize(produced);  // shrinking: no reallocation
  return out;
}

}  // namespace goprof
}  // namespace leakprof
