// Copyright 2026 The leakprof Authors.
//
// Pusher's dictionary logic, against a scripted PushTransport (a unit test
// of one class; agent_test proves it over real gRPC).

#include "agent/pusher.h"

#include <deque>
#include <map>
#include <vector>

#include "gtest/gtest.h"

namespace leakprof {
namespace agent {
namespace {

class ScriptedTransport : public PushTransport {
 public:
  absl::StatusOr<v1::PushResponse> Push(const v1::Snapshot& s) override {
    sent.push_back(s);
    if (answers.empty()) {
      v1::PushResponse r;
      r.set_stored(true);
      return r;
    }
    auto a = answers.front();
    answers.pop_front();
    return a;
  }
  std::vector<v1::Snapshot> sent;
  std::deque<absl::StatusOr<v1::PushResponse>> answers;
};

v1::Snapshot Points(std::vector<uint64_t> ids) {
  v1::Snapshot s;
  s.set_service("svc");
  for (uint64_t id : ids) {
    s.add_stack_ids(id);
    s.add_counts(1);
  }
  return s;
}

void Define(DefinitionStore& store, uint64_t id) {
  StackDefinition d;
  d.frames.push_back({"main.f", "main.go", static_cast<int64_t>(id)});
  store.Add(id, d);
}

// A snapshot's points as {id: count}, whether named by id or by ref
// (resolved through `table`, ref -> id).
std::map<uint64_t, int64_t> PointsOf(
    const v1::Snapshot& s, const std::map<uint32_t, uint64_t>& table) {
  std::map<uint64_t, int64_t> points;
  uint32_t ref = 0;
  for (int i = 0; i < s.counts_size(); ++i) {
    if (s.stack_ids_size() > 0) {
      points[s.stack_ids(i)] = s.counts(i);
    } else {
      ref += s.stack_refs(i);
      points[table.at(ref)] = s.counts(i);
    }
  }
  return points;
}

// Applies a push's bindings to a collector-side table.
void Bind(const v1::Snapshot& s, std::map<uint32_t, uint64_t>* table) {
  for (int k = 0; k < s.bind_stack_ids_size(); ++k) {
    (*table)[s.bind_first_ref() + k] = s.bind_stack_ids(k);
  }
}

v1::PushResponse RefsUnknown() {
  v1::PushResponse r;
  r.set_refs_unknown(true);
  return r;
}

v1::PushResponse Unknown(std::vector<uint64_t> ids) {
  v1::PushResponse r;
  for (uint64_t id : ids) r.add_unknown_stack_ids(id);
  return r;
}

TEST(PusherTest, DefinesOnlyUnacknowledgedIds) {
  ScriptedTransport t;
  DefinitionStore store;
  for (uint64_t id : {1, 2, 3}) Define(store, id);
  Pusher p(&t, &store);
  ASSERT_TRUE(p.Push(Points({1, 2})).ok());
  ASSERT_TRUE(p.Push(Points({1, 2, 3})).ok());
  ASSERT_TRUE(p.Push(Points({1, 2, 3})).ok());
  ASSERT_EQ(t.sent.size(), 3u);
  EXPECT_EQ(t.sent[0].definitions_size(), 2);
  ASSERT_EQ(t.sent[1].definitions_size(), 1);
  EXPECT_EQ(t.sent[1].definitions(0).stack_id(), 3u);
  EXPECT_EQ(t.sent[2].definitions_size(), 0);
  EXPECT_EQ(t.sent[2].strings_size(), 0);
}

TEST(PusherTest, ResendsUnknownIdsAtOnce) {
  ScriptedTransport t;
  DefinitionStore store;
  for (uint64_t id : {1, 2}) Define(store, id);
  Pusher p(&t, &store);
  ASSERT_TRUE(p.Push(Points({1, 2})).ok());
  t.answers.push_back(Unknown({2}));
  ASSERT_TRUE(p.Push(Points({1, 2})).ok());
  ASSERT_EQ(t.sent.size(), 3u);
  EXPECT_EQ(t.sent[1].definitions_size(), 0);
  ASSERT_EQ(t.sent[2].definitions_size(), 1);
  EXPECT_EQ(t.sent[2].definitions(0).stack_id(), 2u);
}

TEST(PusherTest, GivesUpAfterBoundedRetries) {
  ScriptedTransport t;
  DefinitionStore store;
  Define(store, 1);
  PusherOptions o;
  o.max_unknown_retries = 2;
  Pusher p(&t, &store, o);
  for (int i = 0; i < 5; ++i) t.answers.push_back(Unknown({1}));
  const absl::Status s = p.Push(Points({1}));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(t.sent.size(), 3u);
  EXPECT_FALSE(IsRetryable(s));
}

TEST(PusherTest, ErrorsKeepTheirCodeAndLabel) {
  ScriptedTransport t;
  DefinitionStore store;
  std::vector<std::string> labels;
  Pusher p(
      &t, &store, PusherOptions(),
      [&](absl::string_view l, absl::Duration) { labels.emplace_back(l); });
  t.answers.push_back(absl::UnavailableError("down"));
  t.answers.push_back(absl::ResourceExhaustedError("busy"));
  t.answers.push_back(absl::UnauthenticatedError("who"));
  t.answers.push_back(absl::InvalidArgumentError("bad"));
  EXPECT_EQ(p.Push(Points({})).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(p.Push(Points({})).code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(p.Push(Points({})).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(p.Push(Points({})).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(p.Push(Points({})).ok());
  EXPECT_EQ(labels,
            (std::vector<std::string>{"unavailable", "refused",
                                      "unauthenticated", "error", "ok"}));
  EXPECT_TRUE(IsRetryable(absl::UnavailableError("")));
  EXPECT_TRUE(IsRetryable(absl::UnauthenticatedError("")));
  EXPECT_FALSE(IsRetryable(absl::InvalidArgumentError("")));
}

TEST(PusherTest, DefinitionsCarriedInASpooledSnapshotAreLearned) {
  ScriptedTransport t;
  DefinitionStore old_store;
  Define(old_store, 5);
  const v1::Snapshot record = WithDefinitions(Points({5}), {5}, old_store);
  DefinitionStore store;  // a restarted agent
  Pusher p(&t, &store);
  ASSERT_TRUE(p.Push(record).ok());
  EXPECT_TRUE(store.Contains(5));
  ASSERT_EQ(t.sent.size(), 1u);
  EXPECT_EQ(t.sent[0].definitions_size(), 1);
}

TEST(PusherTest, NamesPointsByRefAndSendsEachBindingOnce) {
  ScriptedTransport t;
  DefinitionStore store;
  for (uint64_t id : {10, 20, 30}) Define(store, id);
  Pusher p(&t, &store);
  v1::Snapshot a = Points({20, 10});
  a.set_counts(0, 7);
  ASSERT_TRUE(p.Push(a).ok());
  v1::Snapshot b = Points({30, 10, 20});
  b.set_counts(0, 3);
  ASSERT_TRUE(p.Push(b).ok());
  ASSERT_TRUE(p.Push(b).ok());
  ASSERT_EQ(t.sent.size(), 3u);

  // First push: refs 1 (id 20) and 2 (id 10), sorted by ref, delta-coded.
  EXPECT_EQ(t.sent[0].stack_ids_size(), 0);
  EXPECT_NE(t.sent[0].ref_session(), 0u);
  EXPECT_EQ(std::vector<uint32_t>(t.sent[0].stack_refs().begin(),
                                  t.sent[0].stack_refs().end()),
            (std::vector<uint32_t>{1, 1}));
  EXPECT_EQ(t.sent[0].bind_first_ref(), 1u);
  EXPECT_EQ(std::vector<uint64_t>(t.sent[0].bind_stack_ids().begin(),
                                  t.sent[0].bind_stack_ids().end()),
            (std::vector<uint64_t>{20, 10}));
  // Second: only the new binding (ref 3 = id 30).
  EXPECT_EQ(t.sent[1].bind_first_ref(), 3u);
  EXPECT_EQ(t.sent[1].bind_stack_ids_size(), 1);
  EXPECT_EQ(t.sent[1].ref_session(), t.sent[0].ref_session());
  // Third: none.
  EXPECT_EQ(t.sent[2].bind_stack_ids_size(), 0);
  EXPECT_EQ(std::vector<uint32_t>(t.sent[2].stack_refs().begin(),
                                  t.sent[2].stack_refs().end()),
            (std::vector<uint32_t>{1, 1, 1}));

  std::map<uint32_t, uint64_t> table;
  for (const v1::Snapshot& s : t.sent) Bind(s, &table);
  EXPECT_EQ(PointsOf(t.sent[0], table), PointsOf(a, {}));
  EXPECT_EQ(PointsOf(t.sent[2], table), PointsOf(b, {}));
}

TEST(PusherTest, RefsUnknownResendsTheWholeTableAtOnce) {
  ScriptedTransport t;
  DefinitionStore store;
  for (uint64_t id : {1, 2, 3}) Define(store, id);
  Pusher p(&t, &store);
  ASSERT_TRUE(p.Push(Points({1, 2})).ok());
  ASSERT_TRUE(p.Push(Points({3})).ok());
  t.answers.push_back(RefsUnknown());  // e.g. the collector restarted
  ASSERT_TRUE(p.Push(Points({3})).ok());
  ASSERT_EQ(t.sent.size(), 4u);
  EXPECT_EQ(t.sent[2].bind_stack_ids_size(), 0);
  EXPECT_EQ(t.sent[3].bind_first_ref(), 1u);
  EXPECT_EQ(std::vector<uint64_t>(t.sent[3].bind_stack_ids().begin(),
                                  t.sent[3].bind_stack_ids().end()),
            (std::vector<uint64_t>{1, 2, 3}));
  // Acknowledged again: the next push carries no bindings.
  ASSERT_TRUE(p.Push(Points({3})).ok());
  EXPECT_EQ(t.sent[4].bind_stack_ids_size(), 0);
  EXPECT_EQ(PushResultLabel(RefsUnknown()), "unknown_refs");
}

TEST(PusherTest, RefsUnknownForeverGivesUp) {
  ScriptedTransport t;
  DefinitionStore store;
  Define(store, 1);
  PusherOptions o;
  o.max_unknown_retries = 2;
  Pusher p(&t, &store, o);
  for (int i = 0; i < 5; ++i) t.answers.push_back(RefsUnknown());
  EXPECT_EQ(p.Push(Points({1})).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(t.sent.size(), 3u);
}

TEST(PusherTest, AFullTableStartsANewSession) {
  ScriptedTransport t;
  DefinitionStore store;
  for (uint64_t id : {1, 2, 3}) Define(store, id);
  PusherOptions o;
  o.max_refs_per_table = 2;
  Pusher p(&t, &store, o);
  ASSERT_TRUE(p.Push(Points({1, 2})).ok());
  ASSERT_TRUE(p.Push(Points({2, 3})).ok());
  ASSERT_EQ(t.sent.size(), 2u);
  EXPECT_NE(t.sent[1].ref_session(), t.sent[0].ref_session());
  EXPECT_EQ(t.sent[1].bind_first_ref(), 1u);
  std::map<uint32_t, uint64_t> table;
  Bind(t.sent[1], &table);
  EXPECT_EQ(PointsOf(t.sent[1], table), PointsOf(Points({2, 3}), {}));
}

TEST(PusherTest, TargetsHaveTablesOfTheirOwn) {
  ScriptedTransport t;
  DefinitionStore store;
  for (uint64_t id : {1, 2}) Define(store, id);
  Pusher p(&t, &store);
  v1::Snapshot a = Points({1});
  a.set_instance("a");
  v1::Snapshot b = Points({2});
  b.set_instance("b");
  ASSERT_TRUE(p.Push(a).ok());
  ASSERT_TRUE(p.Push(b).ok());
  EXPECT_NE(t.sent[0].ref_session(), t.sent[1].ref_session());
  EXPECT_EQ(t.sent[1].bind_first_ref(), 1u);  // b's ref 1 is id 2
  EXPECT_EQ(t.sent[1].bind_stack_ids(0), 2u);
}

TEST(PusherTest, WithoutRefsPointsCarryIds) {
  ScriptedTransport t;
  DefinitionStore store;
  Define(store, 1);
  PusherOptions o;
  o.use_refs = false;
  Pusher p(&t, &store, o);
  ASSERT_TRUE(p.Push(Points({1})).ok());
  EXPECT_EQ(t.sent[0].stack_ids_size(), 1);
  EXPECT_EQ(t.sent[0].stack_refs_size(), 0);
  EXPECT_EQ(t.sent[0].ref_session(), 0u);
}

TEST(WithRefsTest, ExtrasFollowTheirPoints) {
  v1::Snapshot s = Points({7, 8, 9});
  s.add_extras()->set_point(0);  // id 7
  s.mutable_extras(0)->set_leaked(70);
  s.add_extras()->set_point(2);  // id 9
  s.mutable_extras(1)->set_leaked(90);
  const std::map<uint64_t, uint32_t> refs = {{7, 3}, {8, 5}, {9, 1}};
  const v1::Snapshot r =
      WithRefs(s, 42, [&refs](uint64_t id) { return refs.at(id); });
  EXPECT_EQ(r.ref_session(), 42u);
  // Sorted by ref: 1 (id 9), 3 (id 7), 5 (id 8).
  EXPECT_EQ(std::vector<uint32_t>(r.stack_refs().begin(), r.stack_refs().end()),
            (std::vector<uint32_t>{1, 2, 2}));
  for (const v1::StackExtra& e : r.extras()) {
    EXPECT_EQ(e.point(), e.leaked() == 90 ? 0u : 1u);
  }
}

}  // namespace
}  // namespace agent
}  // namespace leakprof
