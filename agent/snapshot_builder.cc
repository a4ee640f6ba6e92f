// Copyright 2026 The leakprof Authors.

#include "agent/snapshot_builder.h"

#include "common/goprof/stack_id.h"

namespace leakprof {
namespace agent {

v1::Snapshot BuildSnapshot(const goprof::Profile& profile,
                           const SnapshotMeta& meta, DefinitionStore* store) {
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

  const int n = static_cast<int>(profile.stacks.size());
  s.mutable_stack_ids()->Reserve(n);
  s.mutable_counts()->Reserve(n);
  const bool debug2 = profile.format == goprof::Format::kDebug2;
  for (int i = 0; i < n; ++i) {
    const goprof::Stack& st = profile.stacks[i];
    // A goroutine caught with no frames (just starting or exiting) has no
    // site: it counts in total_goroutines only. The collector requires frames
    // in every definition.
    if (st.frame_indices.empty()) continue;
    const uint32_t point = static_cast<uint32_t>(s.stack_ids_size());
    s.add_stack_ids(st.id);
    s.add_counts(st.count);

    goprof::BlockClass defined_class = st.block_class;
    std::optional<StackDefinition> known;
    if (debug2) known = store->Get(st.id);
    if (known.has_value()) {
      defined_class = known->block_class;
    } else if (!store->Contains(st.id)) {
      StackDefinition def;
      def.block_class = st.block_class;
      def.site_frame = st.site_frame;
      def.site_id = goprof::SiteId(st.block_class, profile.SiteFrame(st));
      def.frames = profile.FramesOf(st);
      def.created_by = st.created_by;
      store->Add(st.id, std::move(def));
    }

    const bool refined = defined_class != st.block_class;
    if (st.leaked > 0 || debug2 || refined) {
      v1::StackExtra* e = s.add_extras();
      e->set_point(point);
      e->set_leaked(st.leaked);
      if (debug2) {
        v1::WaitAges* w = e->mutable_wait();
        for (int64_t b : st.wait.buckets) w->add_buckets(b);
        w->set_max_minutes(st.wait.max_minutes);
      }
      if (refined) e->set_block_class(ToProtoClass(st.block_class));
    }
  }
  return s;
}

}  // namespace agent
}  // namespace leakprof
