#include "collector/validate.h"

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace leakprof::collector {
namespace {

using leakprof::v1::BlockClass_IsValid;
using leakprof::v1::Frame;
using leakprof::v1::ProfileKind_IsValid;
using leakprof::v1::Snapshot;

absl::Status Bad(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

absl::Status CheckName(absl::string_view field, const std::string& value,
                       bool required, int max_bytes) {
  if (required && value.empty()) return Bad(field, "empty");
  if (static_cast<int>(value.size()) > max_bytes) {
    return Bad(field, absl::StrCat(value.size(), " bytes, over the limit of ",
                                   max_bytes));
  }
  return absl::OkStatus();
}

absl::Status CheckFrame(const std::string& field, const Frame& frame,
                        int strings) {
  if (frame.function() >= static_cast<uint32_t>(strings)) {
    return Bad(field + ".function",
               absl::StrCat("string index ", frame.function(),
                            " out of range (", strings, " strings)"));
  }
  if (frame.file() >= static_cast<uint32_t>(strings)) {
    return Bad(field + ".file",
               absl::StrCat("string index ", frame.file(), " out of range (",
                            strings, " strings)"));
  }
  if (frame.line() < 0) {
    return Bad(field + ".line", absl::StrCat("negative (", frame.line(), ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidatePush(const leakprof::v1::PushRequest& request,
                          const PushLimits& limits, absl::Time now) {
  if (!request.has_snapshot()) return Bad("snapshot", "missing");
  const Snapshot& s = request.snapshot();
  if (auto st = CheckName("snapshot.service", s.service(), true,
                          limits.max_name_bytes);
      !st.ok())
    return st;
  if (auto st = CheckName("snapshot.instance", s.instance(), true,
                          limits.max_name_bytes);
      !st.ok())
    return st;
  if (auto st = CheckName("snapshot.go_version", s.go_version(), false,
                          limits.max_name_bytes);
      !st.ok())
    return st;
  if (auto st = CheckName("snapshot.agent_version", s.agent_version(), false,
                          limits.max_name_bytes);
      !st.ok())
    return st;

  if (s.labels_size() > limits.max_labels) {
    return Bad("snapshot.labels",
               absl::StrCat(s.labels_size(), " labels, over the limit of ",
                            limits.max_labels));
  }
  for (int i = 0; i < s.labels_size(); ++i) {
    const auto& label = s.labels(i);
    const std::string field = absl::StrCat("snapshot.labels[", i, "]");
    if (auto st = CheckName(field + ".name", label.name(), true,
                            limits.max_label_name_bytes);
        !st.ok())
      return st;
    if (auto st = CheckName(field + ".value", label.value(), false,
                            limits.max_label_value_bytes);
        !st.ok())
      return st;
    if (i > 0 && !(s.labels(i - 1).name() < label.name())) {
      return Bad(field + ".name", "not sorted or not unique");
    }
  }

  const int64_t min_nanos = absl::ToUnixNanos(limits.min_time);
  const int64_t max_nanos = absl::ToUnixNanos(now + limits.max_future);
  if (s.timestamp_unix_nanos() < min_nanos) {
    return Bad("snapshot.timestamp_unix_nanos",
               absl::StrCat(s.timestamp_unix_nanos(), " is before ",
                            absl::FormatTime(limits.min_time)));
  }
  if (s.timestamp_unix_nanos() > max_nanos) {
    return Bad("snapshot.timestamp_unix_nanos",
               absl::StrCat(s.timestamp_unix_nanos(),
                            " is in the future of the collector's clock"));
  }
  if (s.process_start_unix_nanos() != 0 &&
      (s.process_start_unix_nanos() < min_nanos ||
       s.process_start_unix_nanos() > s.timestamp_unix_nanos())) {
    return Bad("snapshot.process_start_unix_nanos",
               absl::StrCat(s.process_start_unix_nanos(),
                            " is not between 2000 and the snapshot's time"));
  }
  if (!ProfileKind_IsValid(s.kind())) {
    return Bad("snapshot.kind", absl::StrCat("unknown value ", s.kind()));
  }
  if (s.total_goroutines() < 0) {
    return Bad("snapshot.total_goroutines",
               absl::StrCat("negative (", s.total_goroutines(), ")"));
  }

  const int points = s.stack_ids_size();
  if (points > limits.max_stacks) {
    return absl::ResourceExhaustedError(
        absl::StrCat("snapshot.stack_ids: ", points,
                     " stacks, over the limit of ", limits.max_stacks));
  }
  if (s.counts_size() != points) {
    return Bad("snapshot.counts", absl::StrCat(s.counts_size(), " entries but ",
                                               points, " stack_ids"));
  }
  absl::flat_hash_map<uint64_t, int> seen;
  seen.reserve(points);
  for (int i = 0; i < points; ++i) {
    if (s.stack_ids(i) == 0) {
      return Bad(absl::StrCat("snapshot.stack_ids[", i, "]"), "zero");
    }
    auto [it, inserted] = seen.emplace(s.stack_ids(i), i);
    if (!inserted) {
      return Bad(absl::StrCat("snapshot.stack_ids[", i, "]"),
                 absl::StrCat("duplicate of stack_ids[", it->second, "]"));
    }
    if (s.counts(i) < 0) {
      return Bad(absl::StrCat("snapshot.counts[", i, "]"),
                 absl::StrCat("negative (", s.counts(i), ")"));
    }
  }

  for (int i = 0; i < s.extras_size(); ++i) {
    const auto& e = s.extras(i);
    const std::string field = absl::StrCat("snapshot.extras[", i, "]");
    if (e.point() >= static_cast<uint32_t>(points)) {
      return Bad(field + ".point",
                 absl::StrCat("index ", e.point(), " out of range (", points,
                              " points)"));
    }
    if (e.leaked() < 0) {
      return Bad(field + ".leaked",
                 absl::StrCat("negative (", e.leaked(), ")"));
    }
    if (!BlockClass_IsValid(e.block_class())) {
      return Bad(field + ".block_class",
                 absl::StrCat("unknown value ", e.block_class()));
    }
    if (e.has_wait()) {
      if (e.wait().buckets_size() != 5) {
        return Bad(
            field + ".wait.buckets",
            absl::StrCat(e.wait().buckets_size(), " entries, expected 5"));
      }
      for (int b = 0; b < 5; ++b) {
        if (e.wait().buckets(b) < 0) {
          return Bad(absl::StrCat(field, ".wait.buckets[", b, "]"), "negative");
        }
      }
      if (e.wait().max_minutes() < 0) {
        return Bad(field + ".wait.max_minutes", "negative");
      }
    }
  }

  const int strings = s.strings_size();
  if (strings > limits.max_strings) {
    return Bad("snapshot.strings",
               absl::StrCat(strings, " strings, over the limit of ",
                            limits.max_strings));
  }
  if (strings > 0 && !s.strings(0).empty()) {
    return Bad("snapshot.strings[0]", "not empty");
  }
  for (int i = 0; i < strings; ++i) {
    if (static_cast<int>(s.strings(i).size()) > limits.max_string_bytes) {
      return Bad(absl::StrCat("snapshot.strings[", i, "]"),
                 absl::StrCat(s.strings(i).size(), " bytes, over the limit of ",
                              limits.max_string_bytes));
    }
  }
  if (s.definitions_size() > limits.max_definitions) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "snapshot.definitions: ", s.definitions_size(),
        " definitions, over the limit of ", limits.max_definitions));
  }
  for (int i = 0; i < s.definitions_size(); ++i) {
    const auto& d = s.definitions(i);
    const std::string field = absl::StrCat("snapshot.definitions[", i, "]");
    if (d.stack_id() == 0) return Bad(field + ".stack_id", "zero");
    if (d.site_id() == 0) return Bad(field + ".site_id", "zero");
    if (!BlockClass_IsValid(d.block_class())) {
      return Bad(field + ".block_class",
                 absl::StrCat("unknown value ", d.block_class()));
    }
    if (d.frames_size() == 0) return Bad(field + ".frames", "empty");
    if (d.frames_size() > limits.max_frames) {
      return Bad(field + ".frames",
                 absl::StrCat(d.frames_size(), " frames, over the limit of ",
                              limits.max_frames));
    }
    for (int f = 0; f < d.frames_size(); ++f) {
      if (auto st = CheckFrame(absl::StrCat(field, ".frames[", f, "]"),
                               d.frames(f), strings);
          !st.ok())
        return st;
    }
    if (d.site_frame() < 0 || d.site_frame() >= d.frames_size()) {
      return Bad(field + ".site_frame",
                 absl::StrCat("index ", d.site_frame(), " out of range (",
                              d.frames_size(), " frames)"));
    }
    if (d.has_created_by()) {
      if (auto st = CheckFrame(field + ".created_by", d.created_by(), strings);
          !st.ok())
        return st;
    }
  }
  return absl::OkStatus();
}

}  // namespace leakprof::collector
