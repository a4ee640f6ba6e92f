// Copyright 2026 The leakprof Authors.
//
// Heap settings for processes that parse profiles over and over (the agent,
// leakprofctl parse --repeat, the parser benchmark).
//
// A parse allocates a few MiB and frees it all. With glibc's defaults, blocks
// over 128 KiB come from fresh mmap()s and freed memory above 128 KiB is
// returned to the kernel at once, so every parse pays the page faults of
// memory it just gave back (a quarter of the time on a 100k-goroutine
// profile). Go's runtime keeps its heap warm between collections; this does
// the same for glibc by raising both thresholds to `keep_bytes`.
//
// Thread safety: call once, early in main(), before threads start.

#ifndef LEAKPROF_COMMON_BASE_MALLOC_TUNING_H_
#define LEAKPROF_COMMON_BASE_MALLOC_TUNING_H_

#include <cstddef>

namespace leakprof {

// Keeps up to `keep_bytes` of freed heap for reuse instead of returning it to
// the kernel, and serves allocations below it from the heap rather than from
// mmap(). Returns false when the allocator refused (not glibc).
bool KeepFreedHeapForReuse(size_t keep_bytes = size_t{64} << 20);

// Makes every thread allocate from the one main heap instead of glibc's
// per-thread arenas (M_ARENA_MAX = 1). For processes whose threads mostly
// sleep (the agent): each arena keeps its own touched pages and free lists,
// ~0.6 MiB of RSS in the agent. Returns false when the allocator refused.
bool UseOneMallocArena();

}  // namespace leakprof

#endif  // LEAKPROF_COMMON_BASE_MALLOC_TUNING_H_
