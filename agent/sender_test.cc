// Copyright 2026 The leakprof Authors.
//
// Sender's hand-off rules, against a scripted PushTransport (a unit test of
// one class; agent_test and tests/scenarios prove delivery over real gRPC).

#include "agent/sender.h"

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace leakprof {
namespace agent {
namespace {

// Records each push's sequence and thread; fails while `down`; holds a push
// while `hold` is set until Release().
class ScriptedTransport : public PushTransport {
 public:
  absl::StatusOr<v1::PushResponse> Push(const v1::Snapshot& s) override {
    absl::MutexLock lock(&mu_);
    pushes_.push_back({s.sequence(), std::this_thread::get_id()});
    if (hold_) {
      holding_ = true;
      mu_.Await(absl::Condition(
          +[](bool* hold) { return !*hold; }, &hold_));
      holding_ = false;
    }
    if (down_) return absl::UnavailableError("collector down");
    v1::PushResponse r;
    r.set_stored(true);
    return r;
  }
  void SetDown(bool down) {
    absl::MutexLock lock(&mu_);
    down_ = down;
  }
  void Hold() {
    absl::MutexLock lock(&mu_);
    hold_ = true;
  }
  void AwaitHolding() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&holding_));
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    hold_ = false;
  }
  struct PushRecord {
    uint64_t sequence;
    std::thread::id thread;
  };
  std::vector<PushRecord> pushes() {
    absl::MutexLock lock(&mu_);
    return pushes_;
  }

 private:
  absl::Mutex mu_;
  std::vector<PushRecord> pushes_ ABSL_GUARDED_BY(mu_);
  bool down_ ABSL_GUARDED_BY(mu_) = false;
  bool hold_ ABSL_GUARDED_BY(mu_) = false;
  bool holding_ ABSL_GUARDED_BY(mu_) = false;
};

v1::Snapshot Numbered(uint64_t sequence) {
  v1::Snapshot s;
  s.set_service("svc");
  s.set_instance("i");
  s.set_sequence(sequence);
  return s;
}

class SenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SpoolOptions so;
    so.dir = std::string(std::getenv("TEST_TMPDIR")) + "/spool-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name();
    auto spool = Spool::Open(so);
    ASSERT_TRUE(spool.ok()) << spool.status();
    spool_ = *std::move(spool);
    pusher_ = std::make_unique<Pusher>(&transport_, &store_);
    SenderOptions o;
    o.initial_backoff = absl::Milliseconds(10);
    o.max_backoff = absl::Milliseconds(50);
    sender_ = std::make_unique<Sender>(pusher_.get(), spool_.get(), &store_, o);
    sender_->Start();
  }
  void TearDown() override { sender_->Stop(); }

  // Sequences of every push, in order.
  std::vector<uint64_t> Pushed() {
    std::vector<uint64_t> seqs;
    for (const auto& p : transport_.pushes()) seqs.push_back(p.sequence);
    return seqs;
  }

  ScriptedTransport transport_;
  DefinitionStore store_;
  std::unique_ptr<Spool> spool_;
  std::unique_ptr<Pusher> pusher_;
  std::unique_ptr<Sender> sender_;
};

TEST_F(SenderTest, SendPushesOnTheCallersThreadWhenNothingIsAhead) {
  sender_->Send(Numbered(1));
  sender_->Send(Numbered(2));
  // Send returns after the push: nothing to wait for.
  EXPECT_EQ(sender_->delivered(), 2);
  const auto pushes = transport_.pushes();
  ASSERT_EQ(pushes.size(), 2u);
  EXPECT_EQ(pushes[0].thread, std::this_thread::get_id());
  EXPECT_EQ(pushes[1].thread, std::this_thread::get_id());
  EXPECT_EQ(spool_->entries(), 0);
}

TEST_F(SenderTest, AFailedSendIsSpooledAndRetriedInOrderByTheBackgroundThread) {
  transport_.SetDown(true);
  sender_->Send(Numbered(1));  // fails: spooled
  EXPECT_EQ(spool_->entries(), 1);
  sender_->Send(Numbered(2));  // behind the spool: spooled, not pushed here
  sender_->Send(Numbered(3));
  EXPECT_EQ(sender_->delivered(), 0);
  transport_.SetDown(false);
  ASSERT_TRUE(sender_->WaitUntilIdle(absl::Seconds(30)));
  EXPECT_EQ(sender_->delivered(), 3);
  EXPECT_EQ(spool_->entries(), 0);
  // Every push after the first failed one came from the background thread,
  // and the ones that got through were in order.
  const auto pushes = transport_.pushes();
  ASSERT_GE(pushes.size(), 4u);
  EXPECT_EQ(pushes[0].thread, std::this_thread::get_id());
  std::vector<uint64_t> last_three;
  for (size_t i = pushes.size() - 3; i < pushes.size(); ++i) {
    EXPECT_NE(pushes[i].thread, std::this_thread::get_id());
    last_three.push_back(pushes[i].sequence);
  }
  EXPECT_EQ(last_three, (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(SenderTest, SendWhileAPushIsInFlightQueuesBehindIt) {
  transport_.Hold();
  std::thread first([this] { sender_->Send(Numbered(1)); });
  transport_.AwaitHolding();
  // Another thread's snapshot may not overtake, nor push concurrently.
  sender_->Send(Numbered(2));
  EXPECT_EQ(transport_.pushes().size(), 1u);
  transport_.Release();
  first.join();
  ASSERT_TRUE(sender_->WaitUntilIdle(absl::Seconds(30)));
  EXPECT_EQ(Pushed(), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(sender_->delivered(), 2);
}

TEST_F(SenderTest, StopWaitsForASendUnderWayOnAnotherThread) {
  transport_.Hold();
  std::thread first([this] { sender_->Send(Numbered(1)); });
  transport_.AwaitHolding();
  std::thread stopper([this] { sender_->Stop(); });
  transport_.Release();
  first.join();
  stopper.join();
  EXPECT_EQ(sender_->delivered(), 1);
  // After Stop, Send spools instead of pushing.
  sender_->Send(Numbered(2));
  EXPECT_EQ(transport_.pushes().size(), 1u);
  EXPECT_EQ(spool_->entries(), 1);
}

}  // namespace
}  // namespace agent
}  // namespace leakprof
