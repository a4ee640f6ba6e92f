// Copyright 2026 The leakprof Authors.

#include "common/base/malloc_tuning.h"

#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

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

// Arenas malloc_info() reports ("<heap nr=...>" elements).
int Arenas() {
  char* buf = nullptr;
  size_t size = 0;
  FILE* f = open_memstream(&buf, &size);
  malloc_info(0, f);
  fclose(f);
  const std::string xml(buf, size);
  free(buf);
  int n = 0;
  for (size_t at = 0; (at = xml.find("<heap nr=", at)) != std::string::npos;
       ++at) {
    ++n;
  }
  return n;
}

TEST(MallocTuningTest, OneArenaForAllThreads) {
  ASSERT_TRUE(UseOneMallocArena());
  std::thread t([] {
    std::unique_ptr<char[]> p(new char[1000]);
    p[0] = 1;
  });
  t.join();
  EXPECT_EQ(Arenas(), 1);
}

}  // namespace
}  // namespace leakprof
