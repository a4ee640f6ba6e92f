// Copyright 2026 The leakprof Authors.

#include "agent/snapshot_builder.h"

#include <algorithm>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "common/goprof/stack_id.h"

namespace leakprof {
namespace agent {

namespace {

struct PointAcc {
  int64_t count;
  int64_t leaked;
  goprof::WaitAges wait;
};

StackDefinition DefinitionOf(const goprof::Profile& profile,
                             const goprof::Stack& st) {
  StackDefinition def;
  def.block_class = st.block_class;
  def.site_frame = st.site_frame;
  def.site_id = goprof::SiteId(st.block_class, profile.SiteFrame(st));
  def.frames = profile.FramesOf(st);
  if (def.frames.size() > static_cast<size_t>(kMaxDefinitionFrames)) {
    // The collector takes at most 512 frames; keep the innermost ones (the
    // site is among them unless it lies deeper still).
    def.frames.resize(static_cast<size_t>(kMaxDefinitionFrames));
    if (def.site_frame >= kMaxDefinitionFrames) {
      def.site_frame = kMaxDefinitionFrames - 1;
    }
  }
  def.created_by = st.created_by;
  return def;
}

}  // namespace

v1::Snapshot BuildSnapshot(const goprof::Profile& profile,
                           const SnapshotMeta& meta, DefinitionStore* store,
                           int max_points) {
  v1::Snapshot s;
  s.set_service(meta.service);
  s.set_instance(meta.instance);
  for (const auto& [name, value] : meta.labels) {
    v1::Label* l = s.add_labels();
    l->set_name(name);
    l->set_value(value);
  }
  s.set_timestamp_unix_nanos(meta.timestamp_unix_nanos);
  s.set_process_start_unix_nanos(meta.process_start_unix_nanos);
  s.set_go_version(meta.go_version);
  s.set_kind(profile.kind == goprof::ProfileKind::kGoroutineLeak
                 ? v1::PROFILE_KIND_GOROUTINELEAK
                 : v1::PROFILE_KIND_GOROUTINE);
  s.set_total_goroutines(profile.total_goroutines);
  s.set_sequence(meta.sequence);
  s.set_agent_version(meta.agent_version);

  // Stacks whose frames differ only in runtime frames the id leaves out
  // share an id (stack_id.h): they become one point, counts added, so ids
  // are unique as the collector requires.
  const int n = static_cast<int>(profile.stacks.size());
  std::vector<int> order;  // one representative stack index per point
  std::vector<PointAcc> acc;
  absl::flat_hash_map<uint64_t, int> point_of;
  point_of.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const goprof::Stack& st = profile.stacks[i];
    // A goroutine caught with no frames (just starting or exiting) has no
    // site: it counts in total_goroutines only. The collector requires frames
    // in every definition.
    if (st.frame_indices.empty()) continue;
    auto [it, inserted] = point_of.emplace(st.id, static_cast<int>(acc.size()));
    if (inserted) {
      order.push_back(i);
      acc.push_back({st.count, st.leaked, st.wait});
    } else {
      PointAcc& a = acc[it->second];
      a.count += st.count;
      a.leaked += st.leaked;
      for (size_t b = 0; b < a.wait.buckets.size(); ++b) {
        a.wait.buckets[b] += st.wait.buckets[b];
      }
      a.wait.max_minutes = std::max(a.wait.max_minutes, st.wait.max_minutes);
    }
  }
  // Over the point bound: keep the largest stacks (total_goroutines still
  // counts every goroutine).
  std::vector<int> points(order.size());
  for (size_t p = 0; p < points.size(); ++p) points[p] = static_cast<int>(p);
  if (max_points > 0 && points.size() > static_cast<size_t>(max_points)) {
    std::stable_sort(points.begin(), points.end(), [&acc](int a, int b) {
      return acc[a].count > acc[b].count;
    });
    points.resize(static_cast<size_t>(max_points));
    std::sort(points.begin(), points.end());
  }

  s.mutable_stack_ids()->Reserve(static_cast<int>(points.size()));
  s.mutable_counts()->Reserve(static_cast<int>(points.size()));
  const bool debug2 = profile.format == goprof::Format::kDebug2;
  // Stacks to define, asked of the store under one lock.
  absl::flat_hash_set<uint64_t> undefined;
  {
    std::vector<uint64_t> ids;
    ids.reserve(points.size());
    for (int p : points) ids.push_back(profile.stacks[order[p]].id);
    for (uint64_t id : store->Missing(ids)) undefined.insert(id);
  }
  uint32_t out_index = 0;
  for (int p : points) {
    const goprof::Stack& st = profile.stacks[order[p]];
    const PointAcc& a = acc[p];
    s.add_stack_ids(st.id);
    s.add_counts(a.count);

    goprof::BlockClass defined_class = st.block_class;
    // debug=2 may refine the class of a stack first defined from debug=0.
    std::optional<StackDefinition> known;
    if (debug2 && !undefined.contains(st.id)) known = store->Get(st.id);
    if (known.has_value()) {
      defined_class = known->block_class;
    } else if (debug2 || undefined.contains(st.id)) {
      store->Add(st.id, DefinitionOf(profile, st));  // a no-op if stored
    }

    const bool refined = defined_class != st.block_class;
    if (a.leaked > 0 || debug2 || refined) {
      v1::StackExtra* e = s.add_extras();
      e->set_point(out_index);
      e->set_leaked(a.leaked);
      if (debug2) {
        v1::WaitAges* w = e->mutable_wait();
        for (int64_t b : a.wait.buckets) w->add_buckets(b);
        w->set_max_minutes(a.wait.max_minutes);
      }
      if (refined) e->set_block_class(ToProtoClass(st.block_class));
    }
    ++out_index;
  }
  return s;
}

}  // namespace agent
}  // namespace leakprof
