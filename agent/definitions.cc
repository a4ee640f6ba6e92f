// Copyright 2026 The leakprof Authors.

#include "agent/definitions.h"

#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"

namespace leakprof {
namespace agent {
namespace {

// Interns strings into a snapshot's table; index 0 is "".
class Interner {
 public:
  explicit Interner(v1::Snapshot* snapshot) : snapshot_(snapshot) {
    snapshot_->clear_strings();
    snapshot_->add_strings("");
    index_.emplace("", 0);
  }
  uint32_t Intern(const std::string& s) {
    auto [it, inserted] =
        index_.emplace(s, static_cast<uint32_t>(snapshot_->strings_size()));
    if (inserted) snapshot_->add_strings(s);
    return it->second;
  }

 private:
  v1::Snapshot* snapshot_;
  absl::flat_hash_map<std::string, uint32_t> index_;
};

void SetFrame(Interner& interner, const goprof::Frame& f, v1::Frame* out) {
  out->set_function(interner.Intern(f.function));
  out->set_file(interner.Intern(f.file));
  out->set_line(f.line);
}

bool DecodeFrame(const v1::Snapshot& s, const v1::Frame& f,
                 goprof::Frame* out) {
  if (f.function() >= static_cast<uint32_t>(s.strings_size()) ||
      f.file() >= static_cast<uint32_t>(s.strings_size())) {
    return false;
  }
  out->function = s.strings(static_cast<int>(f.function()));
  out->file = s.strings(static_cast<int>(f.file()));
  out->line = f.line();
  return true;
}

}  // namespace

v1::BlockClass ToProtoClass(goprof::BlockClass c) {
  return static_cast<v1::BlockClass>(static_cast<int>(c) + 1);
}

std::optional<goprof::BlockClass> FromProtoClass(int c) {
  if (c < 1 || c > goprof::kNumBlockClasses) return std::nullopt;
  return static_cast<goprof::BlockClass>(c - 1);
}

bool DefinitionStore::Contains(uint64_t id) const {
  absl::MutexLock lock(&mu_);
  return defs_.contains(id);
}

std::vector<uint64_t> DefinitionStore::Missing(
    absl::Span<const uint64_t> ids) const {
  std::vector<uint64_t> missing;
  absl::MutexLock lock(&mu_);
  for (uint64_t id : ids) {
    if (!defs_.contains(id)) missing.push_back(id);
  }
  return missing;
}

uint32_t DefinitionStore::StringLocked(const std::string& s) {
  auto it = string_index_.find(s);
  if (it != string_index_.end()) return it->second;
  const uint32_t index = static_cast<uint32_t>(strings_.size());
  strings_.push_back(s);  // a deque: the views of earlier strings stay valid
  string_index_.emplace(strings_.back(), index);
  return index;
}

DefinitionStore::CompactFrame DefinitionStore::InternLocked(
    const goprof::Frame& f) {
  return {StringLocked(f.function), StringLocked(f.file), f.line};
}

goprof::Frame DefinitionStore::ExpandLocked(const CompactFrame& f) const {
  return {strings_[f.function], strings_[f.file], f.line};
}

void DefinitionStore::Add(uint64_t id, StackDefinition def) {
  absl::MutexLock lock(&mu_);
  if (defs_.contains(id)) return;
  if (defs_.size() >= options_.max_definitions) {
    defs_.clear();
    string_index_.clear();
    strings_.clear();
  }
  Compact c;
  c.site_id = def.site_id;
  c.block_class = def.block_class;
  c.site_frame = def.site_frame;
  c.frames.reserve(def.frames.size());
  for (const goprof::Frame& f : def.frames) c.frames.push_back(InternLocked(f));
  if (def.created_by.has_value()) c.created_by = InternLocked(*def.created_by);
  defs_.emplace(id, std::move(c));
}

std::optional<StackDefinition> DefinitionStore::Get(uint64_t id) const {
  absl::MutexLock lock(&mu_);
  auto it = defs_.find(id);
  if (it == defs_.end()) return std::nullopt;
  const Compact& c = it->second;
  StackDefinition def;
  def.site_id = c.site_id;
  def.block_class = c.block_class;
  def.site_frame = c.site_frame;
  def.frames.reserve(c.frames.size());
  for (const CompactFrame& f : c.frames) def.frames.push_back(ExpandLocked(f));
  if (c.created_by.has_value()) def.created_by = ExpandLocked(*c.created_by);
  return def;
}

size_t DefinitionStore::size() const {
  absl::MutexLock lock(&mu_);
  return defs_.size();
}

void DefinitionStore::AddFrom(const v1::Snapshot& snapshot) {
  for (const v1::StackDef& d : snapshot.definitions()) {
    if (Contains(d.stack_id())) continue;
    StackDefinition def;
    def.site_id = d.site_id();
    def.block_class =
        FromProtoClass(d.block_class()).value_or(goprof::BlockClass::kOther);
    def.site_frame = d.site_frame();
    bool ok = true;
    for (const v1::Frame& f : d.frames()) {
      goprof::Frame frame;
      if (!DecodeFrame(snapshot, f, &frame)) {
        ok = false;
        break;
      }
      def.frames.push_back(std::move(frame));
    }
    if (ok && d.has_created_by()) {
      goprof::Frame frame;
      ok = DecodeFrame(snapshot, d.created_by(), &frame);
      def.created_by = std::move(frame);
    }
    if (ok) Add(d.stack_id(), std::move(def));
  }
}

v1::Snapshot WithDefinitions(const v1::Snapshot& points,
                             absl::Span<const uint64_t> ids,
                             const DefinitionStore& store) {
  v1::Snapshot out = points;
  out.clear_definitions();
  out.clear_strings();
  if (ids.empty()) return out;
  Interner interner(&out);
  absl::flat_hash_set<uint64_t> done;
  for (uint64_t id : ids) {
    if (!done.insert(id).second) continue;
    std::optional<StackDefinition> def = store.Get(id);
    if (!def.has_value()) continue;
    v1::StackDef* d = out.add_definitions();
    d->set_stack_id(id);
    d->set_site_id(def->site_id);
    d->set_block_class(ToProtoClass(def->block_class));
    d->set_site_frame(def->site_frame);
    for (const goprof::Frame& f : def->frames) {
      SetFrame(interner, f, d->add_frames());
    }
    if (def->created_by.has_value()) {
      SetFrame(interner, *def->created_by, d->mutable_created_by());
    }
  }
  return out;
}

v1::Snapshot WithoutDefinitions(const v1::Snapshot& snapshot) {
  v1::Snapshot out = snapshot;
  out.clear_definitions();
  out.clear_strings();
  return out;
}

}  // namespace agent
}  // namespace leakprof
