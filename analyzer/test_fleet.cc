// Copyright 2026 The leakprof Authors.

#include "analyzer/test_fleet.h"

#include "absl/hash/hash.h"

namespace leakprof {
namespace analyzer {

uint64_t SyntheticSiteId(const std::string& service,
                         const std::string& function) {
  return absl::HashOf(service, function) | 1;
}

std::shared_ptr<const std::vector<int64_t>> Timestamps(int64_t end, int points,
                                                       int64_t step) {
  auto ts = std::make_shared<std::vector<int64_t>>();
  ts->reserve(points);
  for (int i = 0; i < points; ++i)
    ts->push_back(end - 1 - (points - 1 - i) * step);
  return ts;
}

void AddSyntheticSite(MemoryFleetSource* source, const SyntheticSite& site,
                      std::shared_ptr<const std::vector<int64_t>> timestamps) {
  const uint64_t id = SyntheticSiteId(site.service, site.function);
  v1::SiteSummary summary;
  summary.set_site_id(id);
  summary.set_block_class(site.block_class);
  summary.mutable_site()->set_function(site.function);
  summary.mutable_site()->set_file(site.file);
  summary.mutable_site()->set_line(site.line);
  summary.set_leaked(site.leaked);
  summary.set_waiting_over_1h(site.waiting_over_1h);
  v1::StackInfo stack;
  stack.set_stack_id(id ^ 0x5555);
  stack.set_site_id(id);
  stack.set_block_class(site.block_class);
  v1::FrameInfo* park = stack.add_frames();
  park->set_function("runtime.gopark");
  park->set_file("/usr/lib/go/src/runtime/proc.go");
  park->set_line(363);
  v1::FrameInfo* top = stack.add_frames();
  top->set_function(site.function);
  top->set_file(site.file);
  top->set_line(site.line);
  stack.set_site_frame(1);
  for (const std::string& caller : site.callers) {
    v1::FrameInfo* f = stack.add_frames();
    f->set_function(caller);
    f->set_file(site.file);
    f->set_line(1);
  }
  std::vector<MemorySeries> series;
  series.reserve(site.instances);
  for (int k = 0; k < site.instances; ++k) {
    MemorySeries& s = series.emplace_back();
    s.instance = site.service + "-" + std::to_string(k);
    s.timestamps = timestamps;
    s.counts.reserve(timestamps->size());
    for (size_t i = 0; i < timestamps->size(); ++i) {
      s.counts.push_back(site.count(k, static_cast<int>(i)));
    }
    v1::Epoch& epoch = s.epochs.emplace_back();
    epoch.set_since_unix_seconds(timestamps->front());
    epoch.set_process_start_unix_seconds(timestamps->front() - 10);
  }
  source->AddSite(site.service, std::move(summary), {std::move(stack)},
                  std::move(series));
}

}  // namespace analyzer
}  // namespace leakprof
