// Copyright 2026 The leakprof Authors.

#include "common/base/malloc_tuning.h"

#include <malloc.h>

#include <memory>

#include "gtest/gtest.h"

namespace leakprof {
namespace {

TEST(MallocTuningTest, KeepsLargeFreedBlocksInTheHeap) {
  ASSERT_TRUE(KeepFreedHeapForReuse(size_t{16} << 20));
  // A 4 MiB block now comes from the heap (not mmap) and, once freed, stays
  // in it: the heap's free bytes grow by at least its size.
  const struct mallinfo2 before = mallinfo2();
  auto block = std::make_unique<char[]>(4 << 20);
  block[0] = 1;
  const struct mallinfo2 during = mallinfo2();
  EXPECT_EQ(during.hblkhd, before.hblkhd);  // no new mmap()ed block
  block.reset();
  const struct mallinfo2 after = mallinfo2();
  EXPECT_GE(after.fordblks, size_t{4} << 20);
}

TEST(MallocTuningTest, ClampsHugeValues) {
  EXPECT_TRUE(KeepFreedHeapForReuse(size_t{1} << 40));
}

}  // namespace
}  // namespace leakprof
