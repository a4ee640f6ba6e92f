// Test helpers: build leakprof.v1 snapshots with definitions for tests of
// the store, the services and the benchmark's load generator.
#ifndef LEAKPROF_COLLECTOR_TESTING_SNAPSHOTS_H_
#define LEAKPROF_COLLECTOR_TESTING_SNAPSHOTS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "proto/snapshot.pb.h"

namespace leakprof::collector::testing {

// A snapshot of `service`/`instance` at `unix_seconds` with the given
// (stack id, count) points. Stack s belongs to site SiteOf(s) unless
// `site_of` says otherwise.
inline uint64_t SiteOf(uint64_t stack_id) { return stack_id * 1000 + 7; }

inline leakprof::v1::Snapshot MakeSnapshot(
    const std::string& service, const std::string& instance,
    int64_t unix_seconds, uint64_t sequence,
    const std::vector<std::pair<uint64_t, int64_t>>& points) {
  leakprof::v1::Snapshot s;
  s.set_service(service);
  s.set_instance(instance);
  s.set_timestamp_unix_nanos(unix_seconds * 1000000000);
  s.set_process_start_unix_nanos((unix_seconds - 3600) * 1000000000);
  s.set_go_version("go1.19");
  s.set_kind(leakprof::v1::PROFILE_KIND_GOROUTINE);
  s.set_sequence(sequence);
  int64_t total = 0;
  for (const auto& [id, count] : points) {
    s.add_stack_ids(id);
    s.add_counts(count);
    total += count;
  }
  s.set_total_goroutines(total);
  return s;
}

// Adds definitions of `stack_ids` (one frame "pkg.fN" at "f.go":N, site
// SiteOf(N) unless `site` is non-zero).
inline void AddDefinitions(leakprof::v1::Snapshot* s,
                           const std::vector<uint64_t>& stack_ids,
                           uint64_t site = 0) {
  if (s->strings_size() == 0) s->add_strings("");
  for (uint64_t id : stack_ids) {
    leakprof::v1::StackDef* d = s->add_definitions();
    d->set_stack_id(id);
    d->set_site_id(site != 0 ? site : SiteOf(id));
    d->set_block_class(leakprof::v1::BLOCK_CLASS_CHAN_RECEIVE);
    leakprof::v1::Frame* f = d->add_frames();
    f->set_function(s->strings_size());
    s->add_strings("pkg.f" + std::to_string(id));
    f->set_file(s->strings_size());
    s->add_strings("f.go");
    f->set_line(static_cast<int64_t>(id));
    d->set_site_frame(0);
  }
}

}  // namespace leakprof::collector::testing

#endif  // LEAKPROF_COLLECTOR_TESTING_SNAPSHOTS_H_
