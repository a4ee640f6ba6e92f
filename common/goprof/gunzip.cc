// Copyright 2026 The leakprof Authors.

#include "common/goprof/gunzip.h"

#include <zlib.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace leakprof {
namespace goprof {

bool IsGzip(absl::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

absl::StatusOr<std::string> Gunzip(absl::string_view data,
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

}  // namespace goprof
}  // namespace leakprof
