// Copyright 2026 The leakprof Authors.
//
// Pusher's dictionary logic, against a scripted PushTransport (a unit test
// of one class; agent_test proves it over real gRPC).

#include "agent/pusher.h"

#include <deque>
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

}  // namespace
}  // namespace agent
}  // namespace leakprof
