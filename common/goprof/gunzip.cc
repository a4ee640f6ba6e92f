// Copyright 2026 The leakprof Authors.

#include "common/goprof/gunzip.h"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"

namespace leakprof {
namespace goprof {

bool IsGzip(absl::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

namespace {

// zlib, streaming: slower than libdeflate but it says where input went wrong.
// Used to explain a failure, and as the reference in tests.
absl::StatusOr<std::string> GunzipZlib(absl::string_view data,
                                       int64_t max_output_bytes) {
  z_stream z = {};
  // 15 window bits + 16: gzip wrapper only.
  if (inflateInit2(&z, 15 + 16) != Z_OK) {
    return absl::InternalError("gzip: inflateInit2 failed");
  }
  std::string out;
  // Compressed pprof bodies expand about 3-10x; grow as needed.
  out.resize(static_cast<size_t>(
      std::min<int64_t>(max_output_bytes + 1,
                        std::max<int64_t>(4096, 4 * int64_t(data.size())))));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  size_t produced = 0;
  absl::Status status;
  while (true) {
    if (produced == out.size()) {
      if (static_cast<int64_t>(produced) > max_output_bytes) {
        status = absl::ResourceExhaustedError(
            absl::StrCat("gzip: decompressed body exceeds the bound of ",
                         max_output_bytes, " bytes (after ", z.total_in, " of ",
                         data.size(), " compressed bytes)"));
        break;
      }
      out.resize(static_cast<size_t>(std::min<int64_t>(
          max_output_bytes + 1, static_cast<int64_t>(out.size()) * 2)));
    }
    z.next_out = reinterpret_cast<Bytef*>(&out[produced]);
    z.avail_out = static_cast<uInt>(out.size() - produced);
    const int rc = inflate(&z, Z_NO_FLUSH);
    produced = out.size() - z.avail_out;
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      // Another gzip member follows (concatenated gzip).
      if (inflateReset(&z) != Z_OK) {
        status = absl::InternalError("gzip: inflateReset failed");
        break;
      }
      continue;
    }
    if (rc == Z_BUF_ERROR && z.avail_in == 0) {
      status = absl::InvalidArgumentError(
          absl::StrCat("gzip: truncated stream: input ended after ",
                       data.size(), " compressed bytes"));
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      status = absl::InvalidArgumentError(
          absl::StrCat("gzip: corrupt data at compressed byte ", z.total_in,
                       ": ", z.msg != nullptr ? z.msg : "inflate failed"));
      break;
    }
  }
  inflateEnd(&z);
  if (!status.ok()) return status;
  out.resize(produced);
  return out;
}

}  // namespace

absl::StatusOr<std::string> Gunzip(absl::string_view data,
                                   int64_t max_output_bytes) {
  // The gzip trailer's ISIZE (size mod 2^32 of the last member) sizes the
  // first try; a lie only costs a retry, never more than the bound.
  int64_t guess =
      std::max<int64_t>(4096, 4 * static_cast<int64_t>(data.size()));
  if (data.size() >= 18) {
    const unsigned char* t =
        reinterpret_cast<const unsigned char*>(data.data()) + data.size() - 4;
    const int64_t isize = int64_t{t[0]} | int64_t{t[1]} << 8 |
                          int64_t{t[2]} << 16 | int64_t{t[3]} << 24;
    if (isize > 0) guess = isize;
  }
  std::string out;
  size_t produced = 0;
  size_t capacity = static_cast<size_t>(std::min(max_output_bytes + 1, guess));
  std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)>
      d(libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
  if (d == nullptr) return absl::InternalError("gzip: out of memory");
  absl::string_view in = data;
  while (!in.empty()) {
    if (out.size() < capacity) out.resize(capacity);
    size_t in_used = 0;
    size_t out_n = 0;
    const libdeflate_result r = libdeflate_gzip_decompress_ex(
        d.get(), in.data(), in.size(), &out[produced], out.size() - produced,
        &in_used, &out_n);
    if (r == LIBDEFLATE_SUCCESS) {
      produced += out_n;
      in.remove_prefix(in_used);  // another member may follow
      if (produced == out.size() && !in.empty()) capacity = out.size() * 2;
      continue;
    }
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
      if (static_cast<int64_t>(out.size()) > max_output_bytes) {
        return absl::ResourceExhaustedError(
            absl::StrCat("gzip: decompressed body exceeds the bound of ",
                         max_output_bytes, " bytes"));
      }
      capacity = static_cast<size_t>(std::min<int64_t>(
          max_output_bytes + 1, static_cast<int64_t>(out.size()) * 2));
      continue;
    }
    // Corrupt or truncated: let zlib say which, and where.
    absl::StatusOr<std::string> slow = GunzipZlib(data, max_output_bytes);
    if (!slow.ok()) return slow.status();
    return absl::InvalidArgumentError("gzip: corrupt data");
  }
  if (static_cast<int64_t>(produced) > max_output_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("gzip: decompressed body exceeds the bound of ",
                     max_output_bytes, " bytes"));
  }
  out.resize(produced);
  return out;
}

}  // namespace goprof
}  // namespace leakprof
