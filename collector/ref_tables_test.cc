#include "collector/ref_tables.h"

#include <atomic>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace leakprof::collector {
namespace {

namespace v1 = ::leakprof::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A snapshot of api/pod-1 in `session` with the given bindings (from
// `first`) and points named by `refs` (absolute; delta-coded here).
v1::Snapshot Make(uint64_t session, uint32_t first,
                  const std::vector<uint64_t>& binds,
                  const std::vector<uint32_t>& refs,
                  const std::string& instance = "pod-1") {
  v1::Snapshot s;
  s.set_service("api");
  s.set_instance(instance);
  s.set_ref_session(session);
  s.set_bind_first_ref(first);
  for (uint64_t id : binds) s.add_bind_stack_ids(id);
  uint32_t prev = 0;
  for (uint32_t r : refs) {
    s.add_stack_refs(r - prev);
    s.add_counts(1);
    prev = r;
  }
  return s;
}

std::vector<uint64_t> Ids(const v1::Snapshot& s) {
  return std::vector<uint64_t>(s.stack_ids().begin(), s.stack_ids().end());
}

void ExpectOrdinary(const v1::Snapshot& s) {
  EXPECT_EQ(s.ref_session(), 0u);
  EXPECT_EQ(s.stack_refs_size(), 0);
  EXPECT_EQ(s.bind_first_ref(), 0u);
  EXPECT_EQ(s.bind_stack_ids_size(), 0);
}

TEST(RefTablesTest, SnapshotWithoutRefsIsUntouched) {
  RefTables tables;
  v1::Snapshot s;
  s.set_service("api");
  s.set_instance("pod-1");
  s.add_stack_ids(5);
  s.add_counts(2);
  auto r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->refs_unknown);
  EXPECT_EQ(r->resolved, 0);
  EXPECT_THAT(Ids(s), ElementsAre(5));
  EXPECT_EQ(tables.Stats().tables, 0);
}

TEST(RefTablesTest, BindFirstThenRefsOnly) {
  RefTables tables;
  v1::Snapshot s = Make(77, 1, {100, 200, 300}, {1, 3});
  auto r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->refs_unknown);
  EXPECT_EQ(r->bound, 3);
  EXPECT_EQ(r->resolved, 2);
  EXPECT_THAT(Ids(s), ElementsAre(100, 300));
  ExpectOrdinary(s);

  v1::Snapshot next = Make(77, 0, {}, {1, 2, 3});
  r = tables.Resolve(&next);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->refs_unknown);
  EXPECT_EQ(r->bound, 0);
  EXPECT_THAT(Ids(next), ElementsAre(100, 200, 300));
  ExpectOrdinary(next);
  EXPECT_THAT(next.counts(), ElementsAre(1, 1, 1));
  RefTablesStats stats = tables.Stats();
  EXPECT_EQ(stats.tables, 1);
  EXPECT_EQ(stats.refs, 3);
  EXPECT_EQ(stats.resets, 0);
}

TEST(RefTablesTest, ExtendWithoutGapAndOverlap) {
  RefTables tables;
  v1::Snapshot s = Make(7, 1, {10, 20}, {});
  ASSERT_TRUE(tables.Resolve(&s).ok());
  // Extends right after the end (first = n + 1).
  s = Make(7, 3, {30}, {2, 3});
  auto r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->refs_unknown);
  EXPECT_THAT(Ids(s), ElementsAre(20, 30));
  // Overlapping re-send of acknowledged refs plus a new one.
  s = Make(7, 2, {20, 30, 40}, {4});
  r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->refs_unknown);
  EXPECT_THAT(Ids(s), ElementsAre(40));
  EXPECT_EQ(tables.Stats().refs, 4);
}

TEST(RefTablesTest, GapIsRefsUnknownAndAppliesNothing) {
  RefTables tables;
  v1::Snapshot s = Make(7, 1, {10, 20}, {});
  ASSERT_TRUE(tables.Resolve(&s).ok());
  s = Make(7, 4, {40}, {4});  // ref 3 never bound
  auto r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->refs_unknown);
  EXPECT_EQ(r->bound, 0);
  EXPECT_EQ(tables.Stats().refs, 2);
}

TEST(RefTablesTest, NoTableIsRefsUnknown) {
  RefTables tables;
  v1::Snapshot s = Make(7, 0, {}, {1});
  auto r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->refs_unknown);
  // Bindings past ref 1 without a table: also unknown, no table created.
  s = Make(7, 2, {20}, {2});
  r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->refs_unknown);
  EXPECT_EQ(tables.Stats().tables, 0);
}

TEST(RefTablesTest, RefPastTableIsRefsUnknownButBindingsStay) {
  RefTables tables;
  v1::Snapshot s = Make(7, 1, {10, 20}, {1, 3});
  auto r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->refs_unknown);
  EXPECT_EQ(r->bound, 2);
  s = Make(7, 0, {}, {1, 2});
  r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->refs_unknown);
  EXPECT_THAT(Ids(s), ElementsAre(10, 20));
}

TEST(RefTablesTest, OtherSessionIsUnknownUntilItBindsFromOne) {
  RefTables tables;
  v1::Snapshot s = Make(1, 1, {10, 20, 30}, {});
  ASSERT_TRUE(tables.Resolve(&s).ok());
  // The agent restarted: session 2's refs are not session 1's.
  s = Make(2, 0, {}, {1});
  auto r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->refs_unknown);
  s = Make(2, 2, {99}, {2});
  r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->refs_unknown);
  // bind_first_ref = 1 takes the table over, emptied first.
  s = Make(2, 1, {50}, {1});
  r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->refs_unknown);
  EXPECT_THAT(Ids(s), ElementsAre(50));
  EXPECT_EQ(tables.Stats().refs, 1);
  s = Make(2, 0, {}, {2});
  r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->refs_unknown);  // session 1's ref 2 is gone
  // And the old session's refs are now unknown.
  s = Make(1, 0, {}, {1});
  r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->refs_unknown);
}

TEST(RefTablesTest, FirstRefOneSameSessionResendsWholeTable) {
  RefTables tables;
  v1::Snapshot s = Make(5, 1, {10, 20, 30}, {});
  ASSERT_TRUE(tables.Resolve(&s).ok());
  s = Make(5, 1, {10, 20}, {3});  // shorter re-send keeps ref 3
  auto r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->refs_unknown);
  EXPECT_THAT(Ids(s), ElementsAre(30));
  EXPECT_EQ(tables.Stats().refs, 3);
}

TEST(RefTablesTest, InstancesHaveTheirOwnTables) {
  RefTables tables;
  v1::Snapshot a = Make(5, 1, {10}, {1}, "pod-a");
  v1::Snapshot b = Make(5, 1, {20}, {1}, "pod-b");
  ASSERT_TRUE(tables.Resolve(&a).ok());
  ASSERT_TRUE(tables.Resolve(&b).ok());
  EXPECT_THAT(Ids(a), ElementsAre(10));
  EXPECT_THAT(Ids(b), ElementsAre(20));
  EXPECT_EQ(tables.Stats().tables, 2);
}

TEST(RefTablesTest, DeltaDecoding) {
  RefTables tables;
  std::vector<uint64_t> binds;
  for (uint64_t i = 1; i <= 1000; ++i) binds.push_back(i * 11);
  v1::Snapshot s = Make(9, 1, binds, {});
  ASSERT_TRUE(tables.Resolve(&s).ok());
  s = v1::Snapshot();
  s.set_service("api");
  s.set_instance("pod-1");
  s.set_ref_session(9);
  for (uint32_t d : {3u, 1u, 1u, 100u, 895u}) {
    s.add_stack_refs(d);
    s.add_counts(d);
  }
  auto r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->refs_unknown);
  // Refs 3, 4, 5, 105, 1000.
  EXPECT_THAT(Ids(s), ElementsAre(33, 44, 55, 1155, 11000));
  EXPECT_THAT(s.counts(), ElementsAre(3, 1, 1, 100, 895));
}

// Asserts Resolve() fails with `code` and a message containing `what`, and
// changed no table.
void ExpectError(RefTables* tables, v1::Snapshot s, absl::StatusCode code,
                 const std::string& what) {
  const RefTablesStats before = tables->Stats();
  auto r = tables->Resolve(&s);
  ASSERT_FALSE(r.ok()) << what;
  EXPECT_EQ(r.status().code(), code) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr(what));
  const RefTablesStats after = tables->Stats();
  EXPECT_EQ(after.tables, before.tables) << what;
  EXPECT_EQ(after.refs, before.refs) << what;
}

TEST(RefTablesTest, InvalidInput) {
  RefTables tables;
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  v1::Snapshot s = Make(0, 0, {}, {1});
  ExpectError(&tables, s, kInvalid, "snapshot.stack_refs: set without");
  s = Make(0, 1, {10}, {});
  ExpectError(&tables, s, kInvalid, "snapshot.bind_stack_ids: set without");
  s = Make(3, 0, {10}, {});
  ExpectError(&tables, s, kInvalid, "snapshot.bind_first_ref: 0 with bindings");
  s = Make(3, 1, {10, 0, 30}, {1});
  ExpectError(&tables, s, kInvalid, "snapshot.bind_stack_ids[1]: zero id");
  s = Make(3, 1, {10}, {1});
  s.add_stack_ids(10);
  ExpectError(&tables, s, kInvalid,
              "snapshot.stack_refs: 1 entries and 1 stack_ids");
  s = Make(3, 1, {10}, {1});
  s.add_counts(4);
  ExpectError(&tables, s, kInvalid, "snapshot.stack_refs: 1 entries but 2");
  s = Make(3, 1, {10, 20}, {});
  s.add_stack_refs(0);
  s.add_counts(1);
  ExpectError(&tables, s, kInvalid, "snapshot.stack_refs[0]: ref 0");
  s = Make(3, 1, {10, 20}, {1, 2});
  s.set_stack_refs(1, 0);
  ExpectError(&tables, s, kInvalid, "snapshot.stack_refs[1]: delta 0");
  s = Make(3, 1, {10}, {});
  for (uint32_t d : {2u, std::numeric_limits<uint32_t>::max() - 2, 1u}) {
    s.add_stack_refs(d);
    s.add_counts(1);
  }
  ExpectError(&tables, s, kInvalid,
              "snapshot.stack_refs[2]: ref 4294967296 past 2^32 - 1");
  s = Make(3, 1, {10}, {1});
  s.clear_service();
  ExpectError(&tables, s, kInvalid, "snapshot.service: empty");
  s = Make(3, 1, {10}, {1}, std::string(300, 'x'));
  ExpectError(&tables, s, kInvalid, "snapshot.instance: 300 bytes");
  EXPECT_EQ(tables.Stats().tables, 0);
}

TEST(RefTablesTest, ValidPartsOfALaterFailureAreNotApplied) {
  // A bad ref after good bindings: nothing bound.
  RefTables tables;
  v1::Snapshot s = Make(3, 1, {10, 20}, {1, 2});
  s.set_stack_refs(1, 0);
  EXPECT_EQ(tables.Resolve(&s).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(tables.Stats().tables, 0);
}

TEST(RefTablesTest, LoneBindFirstRefOrSessionIsOrdinary) {
  RefTables tables;
  v1::Snapshot s;
  s.set_service("api");
  s.set_instance("pod-1");
  s.set_bind_first_ref(4);
  s.add_stack_ids(8);
  s.add_counts(1);
  auto r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->refs_unknown);
  ExpectOrdinary(s);
  s.set_ref_session(12);
  r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->refs_unknown);
  ExpectOrdinary(s);
  EXPECT_THAT(Ids(s), ElementsAre(8));
  EXPECT_EQ(tables.Stats().tables, 0);
}

TEST(RefTablesTest, Bounds) {
  RefTablesOptions options;
  options.max_refs_per_instance = 4;
  options.max_points = 3;
  RefTables tables(options);
  v1::Snapshot s = Make(3, 1, {1, 2, 3, 4, 5}, {});
  ExpectError(&tables, s, absl::StatusCode::kResourceExhausted,
              "snapshot.bind_stack_ids: binds refs up to 5, over the limit "
              "of 4");
  s = Make(3, 1, {1, 2, 3, 4}, {});
  ASSERT_TRUE(tables.Resolve(&s).ok());
  s = Make(3, 5, {5}, {});
  ExpectError(&tables, s, absl::StatusCode::kResourceExhausted,
              "up to 5, over the limit of 4");
  s = Make(3, 0, {}, {1, 2, 3, 4});
  ExpectError(&tables, s, absl::StatusCode::kResourceExhausted,
              "snapshot.stack_refs: 4 stacks, over the limit of 3");
  // A huge bind_first_ref does not wrap around.
  s = Make(3, std::numeric_limits<uint32_t>::max(), {1, 2}, {});
  ExpectError(&tables, s, absl::StatusCode::kResourceExhausted,
              "up to 4294967296");
  EXPECT_EQ(tables.Stats().refs, 4);
}

TEST(RefTablesTest, MemoryBoundDropsEveryTable) {
  RefTablesOptions options;
  options.max_ref_memory_bytes = 8 * 10;  // 10 refs
  RefTables tables(options);
  v1::Snapshot s = Make(1, 1, {1, 2, 3, 4}, {}, "a");
  ASSERT_TRUE(tables.Resolve(&s).ok());
  s = Make(1, 1, {1, 2, 3, 4}, {}, "b");
  ASSERT_TRUE(tables.Resolve(&s).ok());
  EXPECT_EQ(tables.Stats().refs, 8);
  // 8 + 4 > 10: every table is dropped, then c's bindings (from 1) apply.
  s = Make(1, 1, {7, 8, 9, 10}, {2}, "c");
  auto r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->reset);
  EXPECT_FALSE(r->refs_unknown);
  EXPECT_THAT(Ids(s), ElementsAre(8));
  RefTablesStats stats = tables.Stats();
  EXPECT_EQ(stats.tables, 1);
  EXPECT_EQ(stats.refs, 4);
  EXPECT_EQ(stats.resets, 1);
  // a lost its table: refs_unknown until it re-sends it.
  s = Make(1, 0, {}, {1}, "a");
  r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->refs_unknown);
  s = Make(1, 1, {1, 2, 3, 4}, {1}, "a");
  r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->refs_unknown);
  EXPECT_THAT(Ids(s), ElementsAre(1));
  // An extension (first > 1) that passes the bound: reset, then unknown.
  s = Make(1, 5, {5, 6, 7}, {5}, "a");
  r = tables.Resolve(&s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->reset);
  EXPECT_TRUE(r->refs_unknown);
  stats = tables.Stats();
  EXPECT_EQ(stats.tables, 0);
  EXPECT_EQ(stats.refs, 0);
  EXPECT_EQ(stats.resets, 2);
  // One table larger than the whole bound on its own.
  s = Make(1, 1, std::vector<uint64_t>(11, 3), {}, "a");
  ExpectError(&tables, s, absl::StatusCode::kResourceExhausted,
              "binds refs up to 11 (8 bytes each), over "
              "--max-ref-memory-bytes 80 on their own");
  EXPECT_EQ(tables.Stats().resets, 2);
  EXPECT_EQ(tables.Stats().tables, 0);
}

TEST(RefTablesTest, ConcurrentInstances) {
  RefTables tables;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const std::string inst = "pod-" + std::to_string(t);
      for (int i = 0; i < 200; ++i) {
        v1::Snapshot s = Make(t + 1, i + 1, {uint64_t(1000 * t + i + 1)},
                              {uint32_t(i + 1)}, inst);
        auto r = tables.Resolve(&s);
        if (!r.ok() || r->refs_unknown || s.stack_ids_size() != 1 ||
            s.stack_ids(0) != uint64_t(1000 * t + i + 1)) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(tables.Stats().tables, 4);
  EXPECT_EQ(tables.Stats().refs, 800);
}

}  // namespace
}  // namespace leakprof::collector
