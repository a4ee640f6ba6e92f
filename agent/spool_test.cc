// Copyright 2026 The leakprof Authors.
//
// Spool on a real directory under TEST_TMPDIR.

#include "agent/spool.h"

#include <dirent.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace leakprof {
namespace agent {
namespace {

std::string Dir(const std::string& name) {
  return absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
}

std::unique_ptr<Spool> Open(const std::string& dir, int64_t max = 1000) {
  SpoolOptions o;
  o.dir = dir;
  o.max_bytes = max;
  auto s = Spool::Open(o);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : nullptr;
}

std::string Front(Spool& s) {
  auto f = s.Front();
  EXPECT_TRUE(f.ok()) << f.status();
  return f.ok() && f->has_value() ? (*f)->bytes : "<none>";
}

// Removes the oldest entry.
void Pop(Spool& s) {
  auto f = s.Front();
  if (f.ok() && f->has_value()) s.Remove((*f)->position);
}

TEST(SpoolTest, FifoAcrossReopen) {
  const std::string dir = Dir("fifo");
  {
    auto s = Open(dir);
    ASSERT_TRUE(s->Append("one").ok());
    ASSERT_TRUE(s->Append("two").ok());
    ASSERT_TRUE(s->Append("three").ok());
    EXPECT_EQ(s->entries(), 3);
    EXPECT_EQ(s->bytes(), 11);
    EXPECT_EQ(Front(*s), "one");
    Pop(*s);
  }
  auto s = Open(dir);
  EXPECT_EQ(s->entries(), 2);
  EXPECT_EQ(Front(*s), "two");
  ASSERT_TRUE(s->Append("four").ok());
  Pop(*s);
  EXPECT_EQ(Front(*s), "three");
  Pop(*s);
  EXPECT_EQ(Front(*s), "four");
  Pop(*s);
  EXPECT_EQ(Front(*s), "<none>");
  EXPECT_EQ(s->bytes(), 0);
}

TEST(SpoolTest, DropsOldestWhenFull) {
  auto s = Open(Dir("full"), 10);
  ASSERT_TRUE(s->Append("aaaa").ok());
  ASSERT_TRUE(s->Append("bbbb").ok());
  ASSERT_TRUE(s->Append("cccc").ok());  // 12 > 10: "aaaa" goes
  EXPECT_EQ(s->dropped(), 1);
  EXPECT_EQ(s->entries(), 2);
  EXPECT_EQ(Front(*s), "bbbb");
  EXPECT_EQ(s->Append(std::string(11, 'x')).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(s->entries(), 2);  // nothing dropped for an entry that never fits
}

TEST(SpoolTest, SmallerBoundOnReopenDropsOldest) {
  const std::string dir = Dir("shrink");
  {
    auto s = Open(dir, 100);
    for (const char* e : {"11111", "22222", "33333"}) {
      ASSERT_TRUE(s->Append(e).ok());
    }
  }
  auto s = Open(dir, 10);
  EXPECT_EQ(s->entries(), 2);
  EXPECT_EQ(s->dropped(), 1);
  EXPECT_EQ(Front(*s), "22222");
}

TEST(SpoolTest, RemoveOfAnEntryDroppedMeanwhileIsANoOp) {
  auto s = Open(Dir("race"), 10);
  ASSERT_TRUE(s->Append("aaaa").ok());
  ASSERT_TRUE(s->Append("bbbb").ok());
  auto front = s->Front();  // the sender starts pushing "aaaa"
  ASSERT_TRUE(front.ok() && front->has_value());
  ASSERT_TRUE(s->Append("cccc").ok());  // drops "aaaa" for room
  s->Remove((*front)->position);        // pushed: must not remove "bbbb"
  EXPECT_EQ(Front(*s), "bbbb");
  EXPECT_EQ(s->entries(), 2);
}

TEST(SpoolTest, SequencesPersist) {
  const std::string dir = Dir("seq");
  {
    auto s = Open(dir);
    EXPECT_EQ(*s->NextSequence("a/1"), 1u);
    EXPECT_EQ(*s->NextSequence("a/1"), 2u);
    EXPECT_EQ(*s->NextSequence("b/1"), 1u);
  }
  auto s = Open(dir);
  EXPECT_EQ(*s->NextSequence("a/1"), 3u);
  EXPECT_EQ(*s->NextSequence("b/1"), 2u);
}

TEST(SpoolTest, AfterACrashSequencesSkipAheadNeverBack) {
  const std::string dir = Dir("seqcrash");
  std::string on_disk_while_running;
  {
    auto s = Open(dir);
    EXPECT_EQ(*s->NextSequence("a/1"), 1u);
    EXPECT_EQ(*s->NextSequence("a/1"), 2u);
    // What a crash now would leave: the end of the reserved block.
    DIR* d = opendir(dir.c_str());
    ASSERT_NE(d, nullptr);
    while (dirent* e = readdir(d)) {
      if (absl::StartsWith(e->d_name, "sequence-")) {
        std::ifstream in(dir + "/" + e->d_name);
        std::getline(in, on_disk_while_running);
        on_disk_while_running =
            dir + "/" + e->d_name + "=" + on_disk_while_running;
      }
    }
    closedir(d);
  }
  const size_t eq = on_disk_while_running.find('=');
  ASSERT_NE(eq, std::string::npos);
  EXPECT_EQ(std::stoull(on_disk_while_running.substr(eq + 1)), 1001u);
  // The clean stop stored 3; put back what the crash would have left.
  {
    std::ofstream out(on_disk_while_running.substr(0, eq));
    out << on_disk_while_running.substr(eq + 1) << "\n";
  }
  auto s = Open(dir);
  EXPECT_EQ(*s->NextSequence("a/1"), 1001u);
  EXPECT_EQ(*s->NextSequence("a/1"), 1002u);
}

TEST(SpoolTest, BadOptions) {
  SpoolOptions o;
  EXPECT_EQ(Spool::Open(o).status().code(), absl::StatusCode::kInvalidArgument);
  o.dir = Dir("zero");
  o.max_bytes = 0;
  EXPECT_EQ(Spool::Open(o).status().code(), absl::StatusCode::kInvalidArgument);
  o.dir = "/proc/no/such/dir";
  o.max_bytes = 10;
  EXPECT_EQ(Spool::Open(o).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace agent
}  // namespace leakprof
