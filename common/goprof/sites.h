// Copyright 2026 The leakprof Authors.
//
// Site aggregation: the unit the analyzer ranks.
//
// A site is a blocking class plus the site frame of a stack (the line that
// blocked, see Stack::site_frame). Many stacks can share a site: the same
// channel send reached from different callers. Sites are what a person fixes.

#ifndef LEAKPROF_COMMON_GOPROF_SITES_H_
#define LEAKPROF_COMMON_GOPROF_SITES_H_

#include <cstdint>
#include <vector>

#include "common/goprof/profile.h"

namespace leakprof {
namespace goprof {

struct Site {
  // Stable across machines, runs and formats: SiteId() in stack_id.h.
  uint64_t id = 0;
  BlockClass block_class = BlockClass::kOther;
  Frame frame;             // the blocking line; empty for a frameless stack
  int64_t goroutines = 0;  // over all its stacks
  int64_t leaked = 0;      // goroutines on its stacks marked leaked
  // Indices into Profile::stacks of the stacks at this site, most goroutines
  // first (ties: order in the profile).
  std::vector<int> stacks;
  // Over all its stacks (debug=2 only).
  WaitAges wait;
};

// Groups `profile`'s stacks by site. Sorted by goroutines, most first; ties
// by site id so the order is deterministic.
std::vector<Site> AggregateSites(const Profile& profile);

}  // namespace goprof
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_GOPROF_SITES_H_
