// Copyright 2026 The leakprof Authors.

#include "common/base/malloc_tuning.h"

#include <malloc.h>

#include <algorithm>
#include <climits>

namespace leakprof {

bool KeepFreedHeapForReuse(size_t keep_bytes) {
  const int bytes = static_cast<int>(std::min<size_t>(keep_bytes, INT_MAX));
  // M_MMAP_THRESHOLD is capped by glibc at 32 MiB on 64-bit (HEAP_MAX/2);
  // mallopt() fails above it, so clamp.
  const int mmap_bytes = std::min(bytes, 32 << 20);
  const bool mmap_ok = mallopt(M_MMAP_THRESHOLD, mmap_bytes) == 1;
  const bool trim_ok = mallopt(M_TRIM_THRESHOLD, bytes) == 1;
  return mmap_ok && trim_ok;
}

bool UseOneMallocArena() { return mallopt(M_ARENA_MAX, 1) == 1; }

}  // namespace leakprof
