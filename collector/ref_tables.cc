#include "collector/ref_tables.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"

namespace leakprof::collector {
namespace {

namespace v1 = ::leakprof::v1;

absl::Status Bad(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

absl::Status CheckName(absl::string_view field, const std::string& value,
                       int max_bytes) {
  if (value.empty()) return Bad(field, "empty");
  if (static_cast<int64_t>(value.size()) > max_bytes) {
    return Bad(field, absl::StrCat(value.size(), " bytes, over the limit of ",
                                   max_bytes));
  }
  return absl::OkStatus();
}

constexpr int64_t kBytesPerRef = 8;

}  // namespace

RefTables::RefTables(RefTablesOptions options) : options_(options) {}

bool RefTables::UsesRefs(const v1::Snapshot& s) {
  return s.ref_session() != 0 || s.stack_refs_size() > 0 ||
         s.bind_first_ref() != 0 || s.bind_stack_ids_size() > 0;
}

absl::StatusOr<ResolveResult> RefTables::Resolve(v1::Snapshot* s) {
  ResolveResult result;
  if (!UsesRefs(*s)) return result;
  const uint64_t session = s->ref_session();
  const int binds = s->bind_stack_ids_size();
  const int points = s->stack_refs_size();

  // 1. Every check that needs no table, before one is touched.
  if (session == 0) {
    if (points > 0)
      return Bad("snapshot.stack_refs", "set without ref_session");
    if (binds > 0) {
      return Bad("snapshot.bind_stack_ids", "set without ref_session");
    }
    // A lone bind_first_ref binds nothing: an ordinary snapshot.
    s->clear_bind_first_ref();
    return result;
  }
  if (binds == 0 && points == 0) {
    // A session but nothing bound or referenced (e.g. no points, or
    // stack_ids): an ordinary snapshot.
    s->clear_ref_session();
    s->clear_bind_first_ref();
    return result;
  }
  if (auto st =
          CheckName("snapshot.service", s->service(), options_.max_name_bytes);
      !st.ok())
    return st;
  if (auto st = CheckName("snapshot.instance", s->instance(),
                          options_.max_name_bytes);
      !st.ok())
    return st;
  const uint64_t first = s->bind_first_ref();
  if (binds > 0) {
    if (first == 0) {
      return Bad("snapshot.bind_first_ref",
                 "0 with bindings (refs start at 1)");
    }
    for (int k = 0; k < binds; ++k) {
      if (s->bind_stack_ids(k) == 0) {
        return Bad(absl::StrCat("snapshot.bind_stack_ids[", k, "]"), "zero id");
      }
    }
    const uint64_t last = first + static_cast<uint64_t>(binds) - 1;
    if (last > static_cast<uint64_t>(options_.max_refs_per_instance)) {
      return absl::ResourceExhaustedError(
          absl::StrCat("snapshot.bind_stack_ids: binds refs up to ", last,
                       ", over the limit of ", options_.max_refs_per_instance,
                       " refs per instance (start a new ref_session)"));
    }
    if (static_cast<int64_t>(last) * kBytesPerRef >
        options_.max_ref_memory_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "snapshot.bind_stack_ids: binds refs up to ", last, " (",
          kBytesPerRef, " bytes each), over --max-ref-memory-bytes ",
          options_.max_ref_memory_bytes, " on their own"));
    }
  }
  uint32_t max_ref = 0;
  if (points > 0) {
    if (s->stack_ids_size() > 0) {
      return Bad("snapshot.stack_refs",
                 absl::StrCat(points, " entries and ", s->stack_ids_size(),
                              " stack_ids (one or the other)"));
    }
    if (points > options_.max_points) {
      return absl::ResourceExhaustedError(
          absl::StrCat("snapshot.stack_refs: ", points,
                       " stacks, over the limit of ", options_.max_points));
    }
    if (s->counts_size() != points) {
      return Bad(
          "snapshot.stack_refs",
          absl::StrCat(points, " entries but ", s->counts_size(), " counts"));
    }
    // Decode the deltas in place: stack_refs then holds the refs.
    uint32_t* refs = s->mutable_stack_refs()->mutable_data();
    uint64_t sum = 0;
    for (int i = 0; i < points; ++i) {
      const uint32_t delta = refs[i];
      if (delta == 0) {
        return Bad(absl::StrCat("snapshot.stack_refs[", i, "]"),
                   i == 0 ? "ref 0 (refs start at 1)"
                          : "delta 0 (refs are unique and increasing)");
      }
      sum += delta;
      if (sum > std::numeric_limits<uint32_t>::max()) {
        return Bad(absl::StrCat("snapshot.stack_refs[", i, "]"),
                   absl::StrCat("ref ", sum, " past 2^32 - 1"));
      }
      refs[i] = static_cast<uint32_t>(sum);
    }
    max_ref = static_cast<uint32_t>(sum);
  }

  // 2. The table.
  Key key(s->service(), s->instance());
  {
    absl::MutexLock lock(&mu_);
    auto it = tables_.find(key);
    Table* table = it == tables_.end() ? nullptr : &it->second;
    if (binds > 0) {
      const uint64_t last = first + static_cast<uint64_t>(binds) - 1;
      if (first > 1 && (table == nullptr || table->session != session ||
                        first > table->ids.size() + 1)) {
        result.refs_unknown = true;
        return result;
      }
      if (table != nullptr && table->session != session) {
        // first == 1: the table becomes this session's.
        refs_ -= static_cast<int64_t>(table->ids.size());
        std::vector<uint64_t>().swap(table->ids);  // free, not just clear
        table->session = session;
      }
      const uint64_t size_before = table == nullptr ? 0 : table->ids.size();
      const uint64_t size_after = std::max(size_before, last);
      const int64_t growth = static_cast<int64_t>(size_after - size_before);
      if ((refs_ + growth) * kBytesPerRef > options_.max_ref_memory_bytes) {
        ResetLocked();
        result.reset = true;
        table = nullptr;
        if (first > 1) {
          result.refs_unknown = true;
          return result;
        }
        // Fits now: last * 8 <= max_ref_memory_bytes was checked above.
      }
      if (table == nullptr) {
        table = &tables_[key];
        table->session = session;
      }
      const uint64_t grown_from = table->ids.size();
      if (last > grown_from) {
        table->ids.resize(last);
        refs_ += static_cast<int64_t>(last - grown_from);
      }
      std::copy(s->bind_stack_ids().begin(), s->bind_stack_ids().end(),
                table->ids.begin() + (first - 1));
      result.bound = binds;
    }
    if (points > 0) {
      if (table == nullptr || table->session != session ||
          max_ref > table->ids.size()) {
        result.refs_unknown = true;
        return result;
      }
      // Refs are >= 1, increasing and <= max_ref <= ids.size(): every
      // index below is in range.
      const uint32_t* refs = s->stack_refs().data();
      const uint64_t* ids = table->ids.data();
      auto* out = s->mutable_stack_ids();
      out->Resize(points, 0);
      uint64_t* dst = out->mutable_data();
      for (int i = 0; i < points; ++i) dst[i] = ids[refs[i] - 1];
      result.resolved = points;
    }
  }
  s->clear_stack_refs();
  s->clear_bind_stack_ids();
  s->clear_bind_first_ref();
  s->clear_ref_session();
  return result;
}

void RefTables::ResetLocked() {
  tables_.clear();
  refs_ = 0;
  ++resets_;
}

RefTablesStats RefTables::Stats() const {
  absl::MutexLock lock(&mu_);
  RefTablesStats stats;
  stats.tables = static_cast<int64_t>(tables_.size());
  stats.refs = refs_;
  stats.resets = resets_;
  return stats;
}

}  // namespace leakprof::collector
