// Copyright 2026 The leakprof Authors.
//
// BuildSnapshot and the dictionary helpers (definitions.h) over real Go 1.19
// bodies and the Go 1.27 goroutineleak forms in common/goprof/testdata.

#include "agent/snapshot_builder.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "agent/definitions.h"
#include "common/goprof/parser.h"
#include "common/goprof/stack_id.h"
#include "gtest/gtest.h"

namespace leakprof {
namespace agent {
namespace {

goprof::Profile Load(const std::string& name) {
  std::ifstream in("common/goprof/testdata/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  absl::StatusOr<goprof::Profile> p = goprof::Parse(ss.str());
  EXPECT_TRUE(p.ok()) << name << ": " << p.status();
  return p.ok() ? *p : goprof::Profile();
}

SnapshotMeta Meta() {
  SnapshotMeta m;
  m.service = "payments";
  m.instance = "pod-1";
  m.labels = {{"version", "1.2"}};
  m.timestamp_unix_nanos = 1795000000000000000;
  m.sequence = 7;
  m.go_version = "go1.19.8";
  m.agent_version = "test";
  return m;
}

TEST(SnapshotBuilderTest, PointsAndDefinitionsFromDebug0) {
  const goprof::Profile p = Load("go119_tiny.debug0");
  DefinitionStore store;
  const v1::Snapshot s = BuildSnapshot(p, Meta(), &store);
  EXPECT_EQ(s.service(), "payments");
  EXPECT_EQ(s.instance(), "pod-1");
  EXPECT_EQ(s.sequence(), 7u);
  EXPECT_EQ(s.kind(), v1::PROFILE_KIND_GOROUTINE);
  EXPECT_EQ(s.total_goroutines(), p.total_goroutines);
  EXPECT_GE(s.total_goroutines(), 60);
  ASSERT_EQ(s.stack_ids_size(), static_cast<int>(p.stacks.size()));
  ASSERT_EQ(s.counts_size(), s.stack_ids_size());
  for (size_t i = 0; i < p.stacks.size(); ++i) {
    EXPECT_EQ(s.stack_ids(i), p.stacks[i].id);
    EXPECT_EQ(s.counts(i), p.stacks[i].count);
  }
  // No definitions in the points; every stack is in the store.
  EXPECT_EQ(s.definitions_size(), 0);
  EXPECT_EQ(s.strings_size(), 0);
  EXPECT_EQ(s.extras_size(), 0);
  EXPECT_EQ(store.size(), p.stacks.size());

  // The wire form with definitions: classes are goprof + 1, frames resolve
  // through the interned strings, the site id matches the parser's.
  const std::vector<uint64_t> ids(s.stack_ids().begin(), s.stack_ids().end());
  const v1::Snapshot w = WithDefinitions(s, ids, store);
  ASSERT_EQ(w.definitions_size(), s.stack_ids_size());
  ASSERT_GE(w.strings_size(), 2);
  EXPECT_EQ(w.strings(0), "");
  std::set<std::string> unique(w.strings().begin(), w.strings().end());
  EXPECT_EQ(unique.size(), static_cast<size_t>(w.strings_size()));
  for (int i = 0; i < w.definitions_size(); ++i) {
    const v1::StackDef& d = w.definitions(i);
    const goprof::Stack& st = p.stacks[i];
    EXPECT_EQ(d.stack_id(), st.id);
    EXPECT_EQ(static_cast<int>(d.block_class()),
              static_cast<int>(st.block_class) + 1);
    EXPECT_EQ(d.site_id(), goprof::SiteId(st.block_class, p.SiteFrame(st)));
    ASSERT_EQ(d.frames_size(), static_cast<int>(st.frame_indices.size()));
    for (int f = 0; f < d.frames_size(); ++f) {
      EXPECT_EQ(w.strings(d.frames(f).function()), p.FrameOf(st, f).function);
      EXPECT_EQ(w.strings(d.frames(f).file()), p.FrameOf(st, f).file);
      EXPECT_EQ(d.frames(f).line(), p.FrameOf(st, f).line);
    }
  }
  // Round trip through a spool record: a fresh store learns the same.
  DefinitionStore fresh;
  fresh.AddFrom(w);
  EXPECT_EQ(fresh.size(), store.size());
  EXPECT_EQ(WithDefinitions(s, ids, fresh).SerializeAsString(),
            w.SerializeAsString());
  // Stripping gives back the points.
  EXPECT_EQ(WithoutDefinitions(w).SerializeAsString(), s.SerializeAsString());
}

TEST(SnapshotBuilderTest, Debug2AddsWaitAgesForEveryStack) {
  DefinitionStore store;
  BuildSnapshot(Load("go119_tiny.debug0"), Meta(), &store);
  const goprof::Profile p2 = Load("go119_tiny.debug2");
  const v1::Snapshot s = BuildSnapshot(p2, Meta(), &store);
  ASSERT_EQ(s.extras_size(), s.stack_ids_size());
  for (int i = 0; i < s.extras_size(); ++i) {
    EXPECT_EQ(s.extras(i).point(), static_cast<uint32_t>(i));
    ASSERT_EQ(s.extras(i).wait().buckets_size(), 5);
    int64_t total = 0;
    for (int64_t b : s.extras(i).wait().buckets()) total += b;
    EXPECT_EQ(total, s.counts(i));
  }
}

TEST(SnapshotBuilderTest, GoroutineLeakProfile) {
  const goprof::Profile p = Load("go127_goroutineleak.debug1");
  DefinitionStore store;
  const v1::Snapshot s = BuildSnapshot(p, Meta(), &store);
  EXPECT_EQ(s.kind(), v1::PROFILE_KIND_GOROUTINELEAK);
  ASSERT_GT(s.extras_size(), 0);
  for (const v1::StackExtra& e : s.extras()) {
    EXPECT_EQ(e.leaked(), s.counts(e.point()));
  }
}

// Two stacks that differ only in a leading runtime frame have one id.
goprof::Profile TwoStacksOneId() {
  goprof::Profile p;
  p.frames = {{"runtime.gopark", "proc.go", 1},
              {"runtime.chanrecv1", "chan.go", 2},
              {"runtime.chanrecv2", "chan.go", 3},
              {"main.worker", "main.go", 10},
              {"main.other", "main.go", 20}};
  auto add = [&p](std::vector<int32_t> frames, int64_t count) {
    goprof::Stack st;
    st.frame_indices = frames;
    st.count = count;
    st.block_class = goprof::BlockClass::kChanReceive;
    st.site_frame = static_cast<int>(frames.size()) - 1;
    st.id = goprof::StackId(p.FramesOf(st));
    p.stacks.push_back(st);
    p.total_goroutines += count;
  };
  add({0, 1, 3}, 5);
  add({0, 2, 3}, 7);
  add({0, 1, 4}, 2);
  return p;
}

TEST(SnapshotBuilderTest, EqualIdsBecomeOnePoint) {
  const goprof::Profile p = TwoStacksOneId();
  ASSERT_EQ(p.stacks[0].id, p.stacks[1].id);
  DefinitionStore store;
  const v1::Snapshot s = BuildSnapshot(p, Meta(), &store);
  ASSERT_EQ(s.stack_ids_size(), 2);
  EXPECT_EQ(s.stack_ids(0), p.stacks[0].id);
  EXPECT_EQ(s.counts(0), 12);
  EXPECT_EQ(s.stack_ids(1), p.stacks[2].id);
  EXPECT_EQ(s.counts(1), 2);
  EXPECT_EQ(s.total_goroutines(), 14);
}

TEST(SnapshotBuilderTest, PointBoundKeepsTheLargest) {
  const goprof::Profile p = TwoStacksOneId();
  DefinitionStore store;
  const v1::Snapshot s = BuildSnapshot(p, Meta(), &store, /*max_points=*/1);
  ASSERT_EQ(s.stack_ids_size(), 1);
  EXPECT_EQ(s.counts(0), 12);
  EXPECT_EQ(s.total_goroutines(), 14);
}

TEST(DefinitionsTest, ClassMapping) {
  EXPECT_EQ(ToProtoClass(goprof::BlockClass::kChanSend),
            v1::BLOCK_CLASS_CHAN_SEND);
  EXPECT_EQ(ToProtoClass(goprof::BlockClass::kOther), v1::BLOCK_CLASS_OTHER);
  EXPECT_EQ(FromProtoClass(v1::BLOCK_CLASS_MUTEX), goprof::BlockClass::kMutex);
  EXPECT_EQ(FromProtoClass(0), std::nullopt);
  EXPECT_EQ(FromProtoClass(17), std::nullopt);
}

TEST(DefinitionsTest, StoreIsBounded) {
  DefinitionStoreOptions o;
  o.max_definitions = 3;
  DefinitionStore store(o);
  for (uint64_t id = 1; id <= 3; ++id) store.Add(id, StackDefinition());
  EXPECT_EQ(store.size(), 3u);
  store.Add(4, StackDefinition());
  EXPECT_EQ(store.size(), 1u);
  EXPECT_TRUE(store.Contains(4));
}

TEST(DefinitionsTest, BadStringIndicesAreSkipped) {
  v1::Snapshot s;
  s.add_strings("");
  v1::StackDef* d = s.add_definitions();
  d->set_stack_id(9);
  d->add_frames()->set_function(5);  // out of range
  DefinitionStore store;
  store.AddFrom(s);
  EXPECT_FALSE(store.Contains(9));
}

TEST(SnapshotBuilderTest, StackWithoutFramesCountsOnlyInTotal) {
  // Go sometimes reports a goroutine caught starting or exiting with no
  // frames; the collector refuses definitions without frames.
  goprof::Profile p = Load("go119_tiny.debug0");
  ASSERT_GE(p.stacks.size(), 2u);
  goprof::Stack empty;
  empty.id = 42;
  empty.count = 1;
  p.stacks.insert(p.stacks.begin(), empty);
  p.total_goroutines += 1;
  DefinitionStore store;
  const v1::Snapshot s = BuildSnapshot(p, Meta(), &store);
  EXPECT_EQ(s.total_goroutines(), p.total_goroutines);
  ASSERT_EQ(s.stack_ids_size(), static_cast<int>(p.stacks.size()) - 1);
  EXPECT_EQ(s.stack_ids(0), p.stacks[1].id);
  EXPECT_FALSE(store.Contains(42));
  for (const v1::StackExtra& e : s.extras()) {
    EXPECT_LT(e.point(), static_cast<uint32_t>(s.stack_ids_size()));
  }
}

}  // namespace
}  // namespace agent
}  // namespace leakprof
