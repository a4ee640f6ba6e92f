#include "collector/store.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "collector/clock.h"
#include "collector/testing/snapshots.h"
#include "gtest/gtest.h"

namespace leakprof::collector {
namespace {

namespace v1 = ::leakprof::v1;
using testing::AddDefinitions;
using testing::MakeSnapshot;
using testing::SiteOf;

// 2026-01-01T00:00:00Z, a window boundary.
constexpr int64_t kT0 = 1767225600;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(
        std::getenv("TEST_TMPDIR"), "/",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    Reopen();
  }

  void Reopen() {
    store_.reset();
    StoreOptions options;
    options.data_dir = dir_;
    options.clock = &clock_;
    auto store = Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  PushResult MustPush(const v1::Snapshot& s) {
    auto r = store_->Push(s);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : PushResult{};
  }

  v1::GetSiteSeriesResponse Series(const std::string& service, uint64_t site,
                                   int64_t start, int64_t end,
                                   int64_t step = 0) {
    v1::GetSiteSeriesRequest req;
    req.set_service(service);
    req.set_site_id(site);
    req.mutable_window()->set_start_unix_seconds(start);
    req.mutable_window()->set_end_unix_seconds(end);
    req.set_step_seconds(step);
    auto r = store_->GetSiteSeries(req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : v1::GetSiteSeriesResponse{};
  }

  std::string dir_;
  FakeClock clock_{absl::FromUnixSeconds(kT0 + 3 * 3600)};
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, RoundTripOneSnapshot) {
  v1::Snapshot s = MakeSnapshot("api", "pod-1", kT0 + 60, 1, {{1, 5}, {2, 7}});
  AddDefinitions(&s, {1, 2});
  PushResult r = MustPush(s);
  EXPECT_TRUE(r.stored);
  EXPECT_EQ(r.points, 2);

  v1::ListServicesRequest lreq;
  auto services = store_->ListServices(lreq);
  ASSERT_TRUE(services.ok()) << services.status();
  ASSERT_EQ(services->services_size(), 1);
  EXPECT_EQ(services->services(0).service(), "api");
  EXPECT_EQ(services->services(0).instances(), 1);
  EXPECT_EQ(services->services(0).goroutines(), 12);

  v1::ListSitesRequest sreq;
  sreq.set_service("api");
  auto sites = store_->ListSites(sreq);
  ASSERT_TRUE(sites.ok()) << sites.status();
  ASSERT_EQ(sites->sites_size(), 2);
  EXPECT_EQ(sites->sites(0).site_id(), SiteOf(2));  // 7 goroutines first
  EXPECT_EQ(sites->sites(0).goroutines(), 7);
  EXPECT_EQ(sites->sites(0).instances(), 1);
  EXPECT_EQ(sites->sites(0).site().function(), "pkg.f2");
  EXPECT_EQ(sites->sites(0).block_class(), v1::BLOCK_CLASS_CHAN_RECEIVE);
  ASSERT_EQ(sites->sites(0).stack_ids_size(), 1);
  EXPECT_EQ(sites->sites(0).stack_ids(0), 2u);

  auto series = Series("api", SiteOf(1), kT0, kT0 + 3600);
  ASSERT_EQ(series.instances_size(), 1);
  EXPECT_EQ(series.instances(0).instance(), "pod-1");
  ASSERT_EQ(series.instances(0).counts_size(), 1);
  EXPECT_EQ(series.instances(0).counts(0), 5);
  EXPECT_EQ(series.instances(0).timestamps_unix_seconds(0), kT0 + 60);
  ASSERT_EQ(series.instances(0).epochs_size(), 1);
  EXPECT_EQ(series.instances(0).epochs(0).go_version(), "go1.19");
  EXPECT_EQ(series.site().site().function(), "pkg.f1");
  EXPECT_EQ(series.site().block_class(), v1::BLOCK_CLASS_CHAN_RECEIVE);
  ASSERT_EQ(series.site().stack_ids_size(), 1);

  v1::GetStackRequest greq;
  greq.set_stack_id(2);
  auto stack = store_->GetStack(greq);
  ASSERT_TRUE(stack.ok()) << stack.status();
  EXPECT_EQ(stack->stack().site_id(), SiteOf(2));
  ASSERT_EQ(stack->stack().frames_size(), 1);
  EXPECT_EQ(stack->stack().frames(0).file(), "f.go");

  greq.set_stack_id(99);
  EXPECT_EQ(store_->GetStack(greq).status().code(),
            absl::StatusCode::kNotFound);

  v1::ListInstancesRequest ireq;
  ireq.set_service("api");
  auto insts = store_->ListInstances(ireq);
  ASSERT_TRUE(insts.ok()) << insts.status();
  ASSERT_EQ(insts->instances_size(), 1);
  EXPECT_EQ(insts->instances(0).goroutines(), 12);
  EXPECT_EQ(insts->instances(0).go_version(), "go1.19");
}

TEST_F(StoreTest, UnknownStackIdsStoreNothing) {
  v1::Snapshot s = MakeSnapshot("api", "pod-1", kT0 + 60, 1, {{1, 5}, {3, 1}});
  AddDefinitions(&s, {1});
  PushResult r = MustPush(s);
  EXPECT_FALSE(r.stored);
  EXPECT_EQ(r.unknown_stack_ids, std::vector<uint64_t>{3});
  auto services = store_->ListServices(v1::ListServicesRequest());
  ASSERT_TRUE(services.ok());
  EXPECT_EQ(services->services_size(), 0);
  // Nothing learned either: 1 is still unknown without its definition.
  v1::Snapshot again = MakeSnapshot("api", "pod-1", kT0 + 60, 1, {{1, 5}});
  r = MustPush(again);
  EXPECT_FALSE(r.stored);
  EXPECT_EQ(r.unknown_stack_ids, std::vector<uint64_t>{1});
}

TEST_F(StoreTest, DuplicateSequenceWritesNothing) {
  v1::Snapshot s = MakeSnapshot("api", "pod-1", kT0 + 60, 7, {{1, 5}});
  AddDefinitions(&s, {1});
  EXPECT_TRUE(MustPush(s).stored);
  PushResult r = MustPush(s);
  EXPECT_TRUE(r.duplicate);
  EXPECT_FALSE(r.stored);
  auto series = Series("api", SiteOf(1), kT0, kT0 + 3600);
  ASSERT_EQ(series.instances_size(), 1);
  EXPECT_EQ(series.instances(0).counts_size(), 1);
}

TEST_F(StoreTest, DuplicatesFoundInSealedAndOpenWindowsAcrossReopen) {
  auto snap = [](int i) {
    v1::Snapshot s =
        MakeSnapshot("api", "pod-1", kT0 + 60 * i, i + 1, {{1, i}});
    AddDefinitions(&s, {1});
    return s;
  };
  for (int i = 0; i < 130; ++i) ASSERT_TRUE(MustPush(snap(i)).stored);
  EXPECT_TRUE(MustPush(snap(5)).duplicate);    // sealed window
  EXPECT_TRUE(MustPush(snap(125)).duplicate);  // open window
  Reopen();
  EXPECT_TRUE(MustPush(snap(5)).duplicate);
  EXPECT_TRUE(MustPush(snap(129)).duplicate);
  // An agent restarted: sequence 3 again, at a new time, is stored.
  v1::Snapshot again =
      MakeSnapshot("api", "pod-1", kT0 + 60 * 130, 3, {{1, 7}});
  EXPECT_TRUE(MustPush(again).stored);
  auto series = Series("api", SiteOf(1), kT0, kT0 + 200 * 60);
  ASSERT_EQ(series.instances_size(), 1);
  EXPECT_EQ(series.instances(0).counts_size(), 131);
}

TEST_F(StoreTest, SeriesAcrossWindowsSurviveReopen) {
  // 300 minutes: two full windows sealed, the third open (heads).
  for (int i = 0; i < 300; ++i) {
    std::vector<std::pair<uint64_t, int64_t>> points = {{1, 10 + i % 3}};
    if (i % 50 != 0) points.push_back({2, i});  // site 2 missing at times
    v1::Snapshot s = MakeSnapshot("api", "pod-1", kT0 + 60 * i, i + 1, points);
    if (i <= 1) AddDefinitions(&s, {1, 2});
    ASSERT_TRUE(MustPush(s).stored) << i;
  }
  auto check = [&] {
    auto series = Series("api", SiteOf(2), kT0, kT0 + 300 * 60);
    ASSERT_EQ(series.instances_size(), 1);
    const auto& inst = series.instances(0);
    ASSERT_EQ(inst.counts_size(), 300);
    for (int i = 0; i < 300; ++i) {
      EXPECT_EQ(inst.timestamps_unix_seconds(i), kT0 + 60 * i);
      EXPECT_EQ(inst.counts(i), i % 50 == 0 ? 0 : i) << i;
    }
    ASSERT_EQ(series.fleet_counts_size(), 300);
    EXPECT_EQ(series.fleet_counts(299), 299);
  };
  check();
  Reopen();
  check();
  // A step of 10 minutes: the last point of each step.
  auto stepped = Series("api", SiteOf(1), kT0, kT0 + 300 * 60, 600);
  ASSERT_EQ(stepped.instances_size(), 1);
  ASSERT_EQ(stepped.instances(0).counts_size(), 30);
  EXPECT_EQ(stepped.instances(0).timestamps_unix_seconds(1), kT0 + 600);
  EXPECT_EQ(stepped.instances(0).counts(0), 10 + 9 % 3);
  // Sealing everything keeps the data too.
  auto sealed = store_->SealIdle(true);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(*sealed, 1);
  check();
  Reopen();
  check();
}

TEST_F(StoreTest, LateSnapshotIsStored) {
  for (int i : {0, 1, 2, 200, 3}) {  // 200 moves on to the next window
    v1::Snapshot s =
        MakeSnapshot("api", "pod-1", kT0 + 60 * i, i + 1, {{1, 100 + i}});
    if (i == 0) AddDefinitions(&s, {1});
    ASSERT_TRUE(MustPush(s).stored);
  }
  auto series = Series("api", SiteOf(1), kT0, kT0 + 300 * 60);
  ASSERT_EQ(series.instances_size(), 1);
  const auto& inst = series.instances(0);
  ASSERT_EQ(inst.counts_size(), 5);
  EXPECT_EQ(inst.counts(3), 103);
  EXPECT_EQ(inst.timestamps_unix_seconds(3), kT0 + 180);
  EXPECT_EQ(inst.counts(4), 300);
}

TEST_F(StoreTest, FleetTotalsAndLatestSiteTotals) {
  for (int pod = 0; pod < 3; ++pod) {
    for (int i = 0; i < 5; ++i) {
      v1::Snapshot s = MakeSnapshot("api", absl::StrCat("pod-", pod),
                                    kT0 + 60 * i, i + 1, {{1, pod + i}});
      if (i == 0) AddDefinitions(&s, {1});
      ASSERT_TRUE(MustPush(s).stored);
    }
  }
  auto series = Series("api", SiteOf(1), kT0, kT0 + 3600);
  ASSERT_EQ(series.instances_size(), 3);
  ASSERT_EQ(series.fleet_counts_size(), 5);
  EXPECT_EQ(series.fleet_counts(4), (0 + 4) + (1 + 4) + (2 + 4));
  v1::ListSitesRequest req;
  req.set_service("api");
  auto sites = store_->ListSites(req);
  ASSERT_TRUE(sites.ok());
  ASSERT_EQ(sites->sites_size(), 1);
  EXPECT_EQ(sites->sites(0).goroutines(), 15);
  EXPECT_EQ(sites->sites(0).instances(), 3);
  // Pagination of the series by instance.
  v1::GetSiteSeriesRequest preq;
  preq.set_service("api");
  preq.set_site_id(SiteOf(1));
  preq.set_max_instances(2);
  auto page1 = store_->GetSiteSeries(preq);
  ASSERT_TRUE(page1.ok());
  ASSERT_EQ(page1->instances_size(), 2);
  EXPECT_EQ(page1->next_page_token(), "pod-1");
  preq.set_page_token(page1->next_page_token());
  auto page2 = store_->GetSiteSeries(preq);
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->instances_size(), 1);
  EXPECT_EQ(page2->instances(0).instance(), "pod-2");
  EXPECT_EQ(page2->next_page_token(), "");
}

TEST_F(StoreTest, EvidenceFromLeakProfilesAndWaitAges) {
  v1::Snapshot s = MakeSnapshot("api", "pod-1", kT0 + 60, 1, {{1, 50}});
  AddDefinitions(&s, {1});
  v1::StackExtra* e = s.add_extras();
  e->set_point(0);
  e->set_leaked(3);
  for (int64_t b : {1, 2, 3, 4, 5}) e->mutable_wait()->add_buckets(b);
  ASSERT_TRUE(MustPush(s).stored);
  v1::Snapshot leak = MakeSnapshot("api", "pod-1", kT0 + 61, 2, {{1, 40}});
  leak.set_kind(v1::PROFILE_KIND_GOROUTINELEAK);
  PushResult r = MustPush(leak);
  ASSERT_TRUE(r.stored);
  EXPECT_EQ(r.points, 0);
  v1::ListSitesRequest req;
  req.set_service("api");
  auto sites = store_->ListSites(req);
  ASSERT_TRUE(sites.ok());
  ASSERT_EQ(sites->sites_size(), 1);
  EXPECT_EQ(sites->sites(0).goroutines(), 50);  // leak profile is no point
  EXPECT_EQ(sites->sites(0).leaked(), 40);
  EXPECT_EQ(sites->sites(0).waiting_over_1h(), 4 + 5);
}

TEST_F(StoreTest, EpochsOnRestartAndLabels) {
  v1::Snapshot a = MakeSnapshot("api", "pod-1", kT0 + 60, 1, {{1, 1}});
  AddDefinitions(&a, {1});
  ASSERT_TRUE(MustPush(a).stored);
  v1::Snapshot b = MakeSnapshot("api", "pod-1", kT0 + 120, 2, {{1, 1}});
  b.set_process_start_unix_nanos(b.process_start_unix_nanos());  // same
  b.set_process_start_unix_nanos((kT0 + 100) * 1000000000LL);    // restart
  ASSERT_TRUE(MustPush(b).stored);
  v1::Snapshot c = MakeSnapshot("api", "pod-1", kT0 + 180, 3, {{1, 1}});
  c.set_process_start_unix_nanos((kT0 + 100) * 1000000000LL);
  auto* l = c.add_labels();
  l->set_name("version");
  l->set_value("v2");
  ASSERT_TRUE(MustPush(c).stored);
  auto series = Series("api", SiteOf(1), kT0, kT0 + 3600);
  ASSERT_EQ(series.instances_size(), 1);
  ASSERT_EQ(series.instances(0).epochs_size(), 3);
  EXPECT_EQ(series.instances(0).epochs(1).since_unix_seconds(), kT0 + 120);
  EXPECT_EQ(series.instances(0).epochs(1).process_start_unix_seconds(),
            kT0 + 100);
  EXPECT_EQ(series.instances(0).epochs(2).labels(0).value(), "v2");
}

TEST_F(StoreTest, RetentionDropsOldData) {
  for (int i = 0; i < 130; ++i) {
    v1::Snapshot s = MakeSnapshot("api", "old", kT0 + 60 * i, i + 1, {{1, 3}});
    if (i == 0) AddDefinitions(&s, {1});
    ASSERT_TRUE(MustPush(s).stored);
  }
  ASSERT_TRUE(store_->SealIdle(true).ok());
  // 15 days later a new instance pushes; the old one expired.
  clock_.Advance(absl::Hours(15 * 24));
  const int64_t now = absl::ToUnixSeconds(clock_.Now());
  v1::Snapshot s = MakeSnapshot("api", "new", now - 60, 1, {{1, 4}});
  ASSERT_TRUE(MustPush(s).stored);
  ASSERT_TRUE(store_->EnforceRetention().ok());
  EXPECT_EQ(store_->Stats().retention_deleted_points, 130);
  auto series = Series("api", SiteOf(1), kT0, now);
  ASSERT_EQ(series.instances_size(), 1);
  EXPECT_EQ(series.instances(0).instance(), "new");
  v1::ListInstancesRequest ireq;
  ireq.set_service("api");
  ireq.mutable_window()->set_start_unix_seconds(kT0);
  auto insts = store_->ListInstances(ireq);
  ASSERT_TRUE(insts.ok());
  ASSERT_EQ(insts->instances_size(), 1);
  EXPECT_EQ(insts->instances(0).instance(), "new");
  Reopen();
  series = Series("api", SiteOf(1), kT0, now);
  ASSERT_EQ(series.instances_size(), 1);
}

TEST_F(StoreTest, StateCompareAndSet) {
  v1::PutStateRequest put;
  put.set_key("alert/api/1");
  put.set_value("open");
  auto v1r = store_->PutState(put);
  ASSERT_TRUE(v1r.ok()) << v1r.status();
  EXPECT_EQ(v1r->version(), 1u);
  // Creating again with 0 is a conflict.
  EXPECT_EQ(store_->PutState(put).status().code(),
            absl::StatusCode::kFailedPrecondition);
  put.set_expected_version(1);
  put.set_value("acked");
  auto v2r = store_->PutState(put);
  ASSERT_TRUE(v2r.ok());
  EXPECT_EQ(v2r->version(), 2u);
  Reopen();
  v1::GetStateRequest get;
  get.set_key("alert/api/1");
  auto got = store_->GetState(get);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->found());
  EXPECT_EQ(got->value(), "acked");
  EXPECT_EQ(got->version(), 2u);
  get.set_key("");
  EXPECT_EQ(store_->GetState(get).status().code(),
            absl::StatusCode::kInvalidArgument);
  for (int i = 0; i < 5; ++i) {
    v1::PutStateRequest p;
    p.set_key(absl::StrCat("ticket/", i));
    ASSERT_TRUE(store_->PutState(p).ok());
  }
  v1::ListStateRequest list;
  list.set_prefix("ticket/");
  list.set_page_size(3);
  auto page1 = store_->ListState(list);
  ASSERT_TRUE(page1.ok());
  ASSERT_EQ(page1->keys_size(), 3);
  list.set_page_token(page1->next_page_token());
  auto page2 = store_->ListState(list);
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->keys_size(), 2);
  EXPECT_EQ(page2->keys(1), "ticket/4");
  EXPECT_EQ(page2->next_page_token(), "");
}

TEST_F(StoreTest, BadQueriesAreInvalidArgumentOrNotFound) {
  v1::ListSitesRequest req;
  req.set_service("nope");
  EXPECT_EQ(store_->ListSites(req).status().code(),
            absl::StatusCode::kNotFound);
  v1::ListServicesRequest sreq;
  sreq.mutable_window()->set_start_unix_seconds(100);
  sreq.mutable_window()->set_end_unix_seconds(50);
  EXPECT_EQ(store_->ListServices(sreq).status().code(),
            absl::StatusCode::kInvalidArgument);
  sreq.clear_window();
  sreq.set_page_size(-1);
  EXPECT_EQ(store_->ListServices(sreq).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace leakprof::collector
