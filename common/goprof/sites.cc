// Copyright 2026 The leakprof Authors.

#include "common/goprof/sites.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "common/goprof/stack_id.h"

namespace leakprof {
namespace goprof {

std::vector<Site> AggregateSites(const Profile& profile) {
  std::vector<Site> sites;
  absl::flat_hash_map<uint64_t, size_t> by_id;
  absl::flat_hash_map<std::pair<int, int32_t>, uint64_t> id_cache;
  for (size_t i = 0; i < profile.stacks.size(); ++i) {
    const Stack& stack = profile.stacks[i];
    const Frame* frame = profile.SiteFrame(stack);
    // Many stacks share a site: hash each (class, frame) once.
    const int32_t frame_index =
        stack.site_frame < 0 ? -1 : stack.frame_indices[stack.site_frame];
    auto [cached, fresh] = id_cache.try_emplace(
        std::make_pair(static_cast<int>(stack.block_class), frame_index), 0);
    if (fresh) cached->second = SiteId(stack.block_class, frame);
    const uint64_t id = cached->second;
    auto [it, inserted] = by_id.try_emplace(id, sites.size());
    if (inserted) {
      Site& site = sites.emplace_back();
      site.id = id;
      site.block_class = stack.block_class;
      if (frame != nullptr) site.frame = *frame;
    }
    Site& site = sites[it->second];
    site.goroutines += stack.count;
    site.leaked += stack.leaked;
    site.stacks.push_back(static_cast<int>(i));
    for (size_t b = 0; b < site.wait.buckets.size(); ++b) {
      site.wait.buckets[b] += stack.wait.buckets[b];
    }
    site.wait.max_minutes =
        std::max(site.wait.max_minutes, stack.wait.max_minutes);
  }
  for (Site& site : sites) {
    std::stable_sort(site.stacks.begin(), site.stacks.end(), [&](int a, int b) {
      return profile.stacks[a].count > profile.stacks[b].count;
    });
  }
  std::sort(sites.begin(), sites.end(), [](const Site& a, const Site& b) {
    if (a.goroutines != b.goroutines) return a.goroutines > b.goroutines;
    return a.id < b.id;
  });
  return sites;
}

}  // namespace goprof
}  // namespace leakprof
