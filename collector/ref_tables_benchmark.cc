// What stack references add to a push, next to what every push already
// costs: copying the request's snapshot and RefTables::Resolve() (the new
// work, docs/protocol.md "Stack references") against ValidatePush() of the
// same snapshot sent as stack_ids (the existing per-push check; the anchor).
// Snapshots of 100 points (the ingest benchmark's push) and 20,000 (the
// most a snapshot may hold); 1,000 instances' tables are held.
//
//   bazel run -c opt //collector:ref_tables_benchmark
#include <cstdlib>
#include <string>

#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "collector/ref_tables.h"
#include "collector/validate.h"
#include "proto/snapshot.pb.h"

namespace leakprof::collector {
namespace {

namespace v1 = ::leakprof::v1;

constexpr int kInstances = 1000;

v1::PushRequest Ordinary(int points) {
  v1::PushRequest req;
  v1::Snapshot* s = req.mutable_snapshot();
  s->set_service("api");
  s->set_instance("pod-7");
  s->set_timestamp_unix_nanos(absl::ToUnixNanos(absl::Now()) - 60000000000);
  s->set_kind(v1::PROFILE_KIND_GOROUTINE);
  s->set_sequence(1);
  for (int i = 0; i < points; ++i) {
    s->add_stack_ids(0x9e3779b97f4a7c15ull * (i + 1));
    s->add_counts(i % 7);
  }
  return req;
}

// The same points as refs 1..points of session 1 (every delta 1).
v1::PushRequest WithRefs(int points) {
  v1::PushRequest req = Ordinary(points);
  v1::Snapshot* s = req.mutable_snapshot();
  s->clear_stack_ids();
  s->set_ref_session(1);
  for (int i = 0; i < points; ++i) s->add_stack_refs(1);
  return req;
}

RefTables* Tables(int points) {
  auto* tables = new RefTables;
  for (int inst = 0; inst < kInstances; ++inst) {
    v1::Snapshot s = Ordinary(points).snapshot();
    s.set_instance("pod-" + std::to_string(inst));
    s.set_ref_session(1);
    s.set_bind_first_ref(1);
    for (uint64_t id : s.stack_ids()) s.add_bind_stack_ids(id);
    s.clear_stack_ids();
    s.clear_counts();
    if (!tables->Resolve(&s).ok()) std::abort();
  }
  return tables;
}

void BM_ValidatePush(benchmark::State& state) {
  const int points = static_cast<int>(state.range(0));
  const v1::PushRequest req = Ordinary(points);
  PushLimits limits;
  const absl::Time now = absl::Now();
  for (auto _ : state) {
    absl::Status st = ValidatePush(req, limits, now);
    benchmark::DoNotOptimize(st);
  }
  state.SetItemsProcessed(state.iterations() * points);
}
BENCHMARK(BM_ValidatePush)->Arg(100)->Arg(20000);

void BM_CopyAndResolve(benchmark::State& state) {
  const int points = static_cast<int>(state.range(0));
  const v1::PushRequest req = WithRefs(points);
  RefTables* tables = Tables(points);
  for (auto _ : state) {
    v1::PushRequest copy;
    *copy.mutable_snapshot() = req.snapshot();
    auto r = tables->Resolve(copy.mutable_snapshot());
    if (!r.ok() || r->refs_unknown) std::abort();
    benchmark::DoNotOptimize(copy);
  }
  state.SetItemsProcessed(state.iterations() * points);
  delete tables;
}
BENCHMARK(BM_CopyAndResolve)->Arg(100)->Arg(20000);

}  // namespace
}  // namespace leakprof::collector

BENCHMARK_MAIN();
