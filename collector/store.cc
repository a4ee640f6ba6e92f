#include "collector/store.h"

#include <rocksdb/cache.h>
#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <queue>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "collector/format.h"

namespace leakprof::collector {

namespace v1 = ::leakprof::v1;

namespace {

constexpr char kStacks[] = "stacks";
constexpr char kServices[] = "services";
constexpr char kInstances[] = "instances";
constexpr char kSiteStacks[] = "site_stacks";
constexpr char kHeads[] = "heads";
constexpr char kSeqs[] = "seqs";
constexpr char kSeries[] = "series";
constexpr char kSnaps[] = "snaps";
constexpr char kEvidence[] = "evidence";
constexpr char kState[] = "state";
constexpr int kMaxEpochs = 64;
constexpr int64_t kStaleSeconds = 600;
constexpr size_t kMaxStateKey = 256;
constexpr size_t kMaxStateValue = 1 << 20;

// Evidence record kinds (first byte of the value).
constexpr char kEvidenceLeakProfile = 1;
constexpr char kEvidenceExtras = 2;

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsCorruption()) {
    return absl::DataLossError(absl::StrCat(what, ": ", s.ToString()));
  }
  return absl::InternalError(absl::StrCat(what, ": ", s.ToString()));
}

int64_t FloorSeconds(int64_t nanos) {
  int64_t s = nanos / 1000000000;
  if (nanos < 0 && nanos % 1000000000 != 0) --s;
  return s;
}

std::string Fixed64Value(uint64_t v) {
  std::string out;
  PutFixed64BE(&out, v);
  return out;
}

// Which key field carries time, per column family, for the retention filter.
enum class TimeField {
  kSeriesWindow,
  kSnapsWindow,
  kKeyNanosAt12,
  kKeySecondsAt12,
  kValueNanos,
  kValueLastSeen
};

class RetentionFilter : public rocksdb::CompactionFilter {
 public:
  RetentionFilter(TimeField field, const std::atomic<int64_t>* cutoff,
                  std::atomic<int64_t>* deleted_points)
      : field_(field), cutoff_(cutoff), deleted_points_(deleted_points) {}

  bool Filter(int /*level*/, const rocksdb::Slice& key,
              const rocksdb::Slice& value, std::string* /*new_value*/,
              bool* /*value_changed*/) const override {
    const int64_t cutoff = cutoff_->load(std::memory_order_relaxed);
    if (cutoff <= 0) return false;
    int64_t t = 0;  // Unix seconds the record is good until
    switch (field_) {
      case TimeField::kSeriesWindow:
        if (key.size() != 32) return false;
        t = (static_cast<int64_t>(GetFixed32BE(key.data() + 16)) + 1) *
            kWindowSeconds;
        break;
      case TimeField::kSnapsWindow:
        if (key.size() != 24) return false;
        t = (static_cast<int64_t>(GetFixed32BE(key.data() + 8)) + 1) *
            kWindowSeconds;
        break;
      case TimeField::kKeyNanosAt12:
        if (key.size() < 20) return false;
        t = FloorSeconds(static_cast<int64_t>(GetFixed64BE(key.data() + 12)));
        break;
      case TimeField::kKeySecondsAt12:
        if (key.size() < 20) return false;
        t = static_cast<int64_t>(GetFixed64BE(key.data() + 12));
        break;
      case TimeField::kValueNanos:
        if (value.size() != 8) return false;
        t = FloorSeconds(static_cast<int64_t>(GetFixed64BE(value.data())));
        break;
      case TimeField::kValueLastSeen: {
        VarintReader r(absl::string_view(value.data(), value.size()));
        r.Next();
        t = r.NextSigned();
        if (!r.ok()) return false;
        break;
      }
    }
    if (t >= cutoff) return false;
    if (field_ == TimeField::kSeriesWindow && deleted_points_ != nullptr) {
      deleted_points_->fetch_add(
          static_cast<int64_t>(
              CountsPoints(absl::string_view(value.data(), value.size()))),
          std::memory_order_relaxed);
    }
    return true;
  }
  const char* Name() const override { return "leakprof.RetentionFilter"; }

 private:
  TimeField field_;
  const std::atomic<int64_t>* cutoff_;
  std::atomic<int64_t>* deleted_points_;
};

class CompactionCounter : public rocksdb::EventListener {
 public:
  explicit CompactionCounter(std::atomic<int64_t>* count) : count_(count) {}
  void OnCompactionCompleted(
      rocksdb::DB* /*db*/,
      const rocksdb::CompactionJobInfo& /*info*/) override {
    count_->fetch_add(1, std::memory_order_relaxed);
  }

 private:
  std::atomic<int64_t>* count_;
};

struct Window {
  int64_t start = 0;  // inclusive, Unix seconds
  int64_t end = 0;    // exclusive
};

bool SameLabels(const google::protobuf::RepeatedPtrField<v1::Label>& a,
                const google::protobuf::RepeatedPtrField<v1::Label>& b) {
  if (a.size() != b.size()) return false;
  for (int i = 0; i < a.size(); ++i) {
    if (a[i].name() != b[i].name() || a[i].value() != b[i].value()) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<int> PageSize(int32_t requested, int def, int max) {
  if (requested < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: negative (", requested, ")"));
  }
  if (requested == 0) return def;
  return std::min<int>(requested, max);
}

}  // namespace

// One site's counts in an instance's open window: counts [first, first + n)
// as zigzag varint deltas (the first against 0), the encoding of a sealed
// counts chunk without its header.
struct OpenSite {
  uint32_t first = 0;
  uint32_t n = 0;
  int64_t last = 0;
  std::string deltas;

  // Appends `count` at point index `idx`, zero-filling the gap.
  void Append(uint32_t idx, int64_t count) {
    if (n == 0) first = idx;
    while (first + n < idx) {
      PutVarint(&deltas, ZigZag(0 - last));
      last = 0;
      ++n;
    }
    PutVarint(&deltas, ZigZag(count - last));
    last = count;
    ++n;
  }
  // Counts of every point index < points (0 outside [first, first + n)).
  std::vector<int64_t> Expand(size_t points) const {
    std::vector<int64_t> out(points, 0);
    VarintReader r(deltas);
    int64_t c = 0;
    for (uint32_t i = 0; i < n && first + i < points; ++i) {
      c += r.NextSigned();
      out[first + i] = c;
    }
    return out;
  }
  int64_t At(size_t idx) const {
    if (idx < first || idx >= static_cast<size_t>(first) + n) return 0;
    VarintReader r(deltas);
    int64_t c = 0;
    for (size_t i = first; i <= idx; ++i) c += r.NextSigned();
    return c;
  }
};

struct Instance {
  Instance(std::string n, uint32_t i) : name(std::move(n)), id(i) {}
  const std::string name;
  const uint32_t id;

  absl::Mutex mu;
  storage::InstanceRecord record ABSL_GUARDED_BY(mu);
  // Last push (or recovery) for idle sealing; last push for "live".
  absl::Time last_push ABSL_GUARDED_BY(mu) = absl::InfinitePast();
  absl::Time last_live ABSL_GUARDED_BY(mu) = absl::InfinitePast();
  // Open window: start (-1: none), point timestamps and totals, sites.
  int64_t open_window ABSL_GUARDED_BY(mu) = -1;
  // (sequence, timestamp nanos) of the open window's snapshots: written to
  // "seqs" when the window is sealed (the heads hold them until then).
  std::vector<std::pair<uint64_t, int64_t>> open_seqs ABSL_GUARDED_BY(mu);
  std::vector<int64_t> ts ABSL_GUARDED_BY(mu);
  std::vector<int64_t> totals ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<uint64_t, OpenSite> sites ABSL_GUARDED_BY(mu);
};

struct StackSeen {
  int64_t first = 0;
  int64_t last = 0;
  bool dirty = false;
};

struct Service {
  Service(std::string n, uint64_t h) : name(std::move(n)), hash(h) {}
  const std::string name;
  const uint64_t hash;

  absl::Mutex mu;
  uint32_t next_instance_id ABSL_GUARDED_BY(mu) = 1;
  std::map<std::string, std::unique_ptr<Instance>> instances
      ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<uint32_t, Instance*> by_id ABSL_GUARDED_BY(mu);
  // site -> stack -> first/last seen (Unix seconds).
  absl::flat_hash_map<uint64_t, absl::flat_hash_map<uint64_t, StackSeen>> sites
      ABSL_GUARDED_BY(mu);
  bool sites_dirty ABSL_GUARDED_BY(mu) = false;
};

struct Store::Impl {
  StoreOptions options;
  std::unique_ptr<Clock> owned_clock;
  Clock* clock = nullptr;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::ColumnFamilyHandle* stacks = nullptr;
  rocksdb::ColumnFamilyHandle* services_cf = nullptr;
  rocksdb::ColumnFamilyHandle* instances_cf = nullptr;
  rocksdb::ColumnFamilyHandle* site_stacks = nullptr;
  rocksdb::ColumnFamilyHandle* heads = nullptr;
  rocksdb::ColumnFamilyHandle* seqs = nullptr;
  rocksdb::ColumnFamilyHandle* series = nullptr;
  rocksdb::ColumnFamilyHandle* snaps = nullptr;
  rocksdb::ColumnFamilyHandle* evidence = nullptr;
  rocksdb::ColumnFamilyHandle* state = nullptr;
  std::vector<std::unique_ptr<RetentionFilter>> filters;
  std::atomic<int64_t> cutoff{0};
  std::atomic<int64_t> retention_deleted{0};
  std::atomic<int64_t> compactions{0};
  std::atomic<uint64_t> next_part{0};
  rocksdb::WriteOptions write_options;

  absl::Mutex stacks_mu;
  absl::flat_hash_map<uint64_t, uint64_t> stack_site ABSL_GUARDED_BY(stacks_mu);

  absl::Mutex services_mu;
  std::map<std::string, std::unique_ptr<Service>> services
      ABSL_GUARDED_BY(services_mu);
  absl::flat_hash_map<uint64_t, Service*> by_hash ABSL_GUARDED_BY(services_mu);

  absl::Mutex state_mu;

  ~Impl() {
    if (db) {
      for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
      db->Close();
    }
  }

  int64_t NowSeconds() { return absl::ToUnixSeconds(clock->Now()); }

  uint64_t NextPart() {
    uint64_t want = static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()));
    uint64_t cur = next_part.load();
    for (;;) {
      uint64_t next = std::max(cur + 1, want);
      if (next_part.compare_exchange_weak(cur, next)) return next;
    }
  }

  absl::StatusOr<Window> ResolveWindow(const v1::Window& w) {
    Window out;
    out.end =
        w.end_unix_seconds() == 0 ? NowSeconds() + 1 : w.end_unix_seconds();
    out.start = w.start_unix_seconds() == 0
                    ? out.end - absl::ToInt64Seconds(options.retention)
                    : w.start_unix_seconds();
    if (out.start >= out.end) {
      return absl::InvalidArgumentError(absl::StrCat(
          "window: start ", out.start, " is not before end ", out.end));
    }
    if (out.start < 0) out.start = 0;
    return out;
  }

  Service* FindService(absl::string_view name) {
    absl::MutexLock lock(&services_mu);
    auto it = services.find(std::string(name));
    return it == services.end() ? nullptr : it->second.get();
  }

  absl::StatusOr<Service*> GetOrCreateService(const std::string& name) {
    absl::MutexLock lock(&services_mu);
    auto it = services.find(name);
    if (it != services.end()) return it->second.get();
    const uint64_t hash = ServiceHash(name);
    if (by_hash.contains(hash)) {
      return absl::InternalError(absl::StrCat(
          "service \"", name, "\" collides with \"", by_hash[hash]->name,
          "\" (same 64-bit hash); rename one"));
    }
    storage::ServiceRecord record;
    record.set_service(name);
    rocksdb::Status s = db->Put(write_options, services_cf, StackKey(hash),
                                record.SerializeAsString());
    if (!s.ok()) return FromRocks(s, "writing service record");
    auto svc = std::make_unique<Service>(name, hash);
    Service* raw = svc.get();
    services.emplace(name, std::move(svc));
    by_hash[hash] = raw;
    return raw;
  }

  // The instance, created (and its record written) when new.
  absl::StatusOr<Instance*> GetOrCreateInstance(Service* svc,
                                                const std::string& name,
                                                int64_t ts) {
    absl::MutexLock lock(&svc->mu);
    auto it = svc->instances.find(name);
    if (it != svc->instances.end()) return it->second.get();
    const uint32_t id = svc->next_instance_id;
    storage::InstanceRecord record;
    record.set_service(svc->name);
    record.set_instance(name);
    record.set_id(id);
    record.set_first_seen_unix_seconds(ts);
    storage::ServiceRecord srec;
    srec.set_service(svc->name);
    srec.set_next_instance_id(id + 1);
    rocksdb::WriteBatch batch;
    batch.Put(instances_cf, InstanceKey(svc->hash, name),
              record.SerializeAsString());
    batch.Put(services_cf, StackKey(svc->hash), srec.SerializeAsString());
    rocksdb::Status s = db->Write(write_options, &batch);
    if (!s.ok()) return FromRocks(s, "writing instance record");
    svc->next_instance_id = id + 1;
    auto inst = std::make_unique<Instance>(name, id);
    Instance* raw = inst.get();
    {
      absl::MutexLock ilock(&raw->mu);
      raw->record = std::move(record);
    }
    svc->by_id[id] = raw;
    svc->instances.emplace(name, std::move(inst));
    return raw;
  }

  static std::string InstanceKey(uint64_t service_hash,
                                 absl::string_view instance) {
    std::string k;
    PutFixed64BE(&k, service_hash);
    k.append(instance.data(), instance.size());
    return k;
  }

  static std::string SiteStackValue(const StackSeen& seen) {
    std::string v;
    PutVarint(&v, ZigZag(seen.first));
    PutVarint(&v, ZigZag(seen.last));
    return v;
  }

  // Adds the dirty site-stack entries of `svc` to `batch`.
  void PersistSites(Service* svc, rocksdb::WriteBatch* batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(svc->mu) {
    if (!svc->sites_dirty) return;
    for (auto& [site, stacks] : svc->sites) {
      for (auto& [stack, seen] : stacks) {
        if (!seen.dirty) continue;
        batch->Put(site_stacks, SiteStackKey(svc->hash, site, stack),
                   SiteStackValue(seen));
        seen.dirty = false;
      }
    }
    svc->sites_dirty = false;
  }

  // Adds the sealing of `inst`'s open window to `batch` (chunks, record,
  // range delete of its heads). The caller resets the window after a
  // successful write (ResetOpen).
  void SealInto(Service* svc, Instance* inst, rocksdb::WriteBatch* batch,
                int64_t heads_until_nanos = INT64_MAX)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(inst->mu) {
    if (inst->open_window >= 0 && !inst->ts.empty()) {
      const uint64_t part = NextPart();
      SnapsChunk chunk{inst->ts, inst->totals};
      batch->Put(snaps, SnapsKey(svc->hash, inst->open_window, inst->id, part),
                 EncodeSnaps(chunk));
      for (const auto& [site, open] : inst->sites) {
        std::string value;
        PutVarint(&value, open.first);
        PutVarint(&value, open.n);
        value += open.deltas;
        batch->Put(
            series,
            SeriesKey(svc->hash, site, inst->open_window, inst->id, part),
            value);
      }
    }
    for (const auto& [seq, nanos] : inst->open_seqs) {
      batch->Put(seqs, SeqKey(svc->hash, inst->id, seq),
                 Fixed64Value(static_cast<uint64_t>(nanos)));
    }
    batch->DeleteRange(heads, HeadKey(svc->hash, inst->id, 0, 0),
                       HeadKey(svc->hash, inst->id, heads_until_nanos, 0));
    batch->Put(instances_cf, InstanceKey(svc->hash, inst->name),
               inst->record.SerializeAsString());
  }

  static void ResetOpen(Instance* inst)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(inst->mu) {
    inst->open_window = -1;
    inst->ts.clear();
    inst->totals.clear();
    inst->sites.clear();
    inst->open_seqs.clear();
  }

  static void AppendOpen(Instance* inst, int64_t window, int64_t ts,
                         int64_t total,
                         const std::vector<std::pair<uint64_t, int64_t>>& agg,
                         uint64_t sequence, int64_t ts_nanos)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(inst->mu) {
    inst->open_window = window;
    inst->open_seqs.emplace_back(sequence, ts_nanos);
    if (sequence > inst->record.max_sequence()) {
      inst->record.set_max_sequence(sequence);
    }
    const uint32_t idx = static_cast<uint32_t>(inst->ts.size());
    inst->ts.push_back(ts);
    inst->totals.push_back(total);
    for (const auto& [site, count] : agg) inst->sites[site].Append(idx, count);
  }

  absl::Status Recover();
  absl::StatusOr<PushResult> Push(const v1::Snapshot& s);
  absl::Status WriteLate(Service* svc, Instance* inst, int64_t window,
                         int64_t ts, int64_t total,
                         const std::vector<std::pair<uint64_t, int64_t>>& agg,
                         rocksdb::WriteBatch* batch);
};

// ---------------------------------------------------------------- Open

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() {
  if (impl_ && impl_->db) {
    (void)Flush();
  }
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(StoreOptions options) {
  if (options.data_dir.empty()) {
    return absl::InvalidArgumentError("data_dir: empty");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (options.clock == nullptr) {
    impl->owned_clock = std::make_unique<RealClock>();
    impl->clock = impl->owned_clock.get();
  } else {
    impl->clock = options.clock;
  }
  impl->write_options.sync = options.sync_wal;

  std::shared_ptr<rocksdb::Cache> cache =
      rocksdb::NewLRUCache(static_cast<size_t>(options.block_cache_bytes));
  auto cf_options = [&](bool bloom, rocksdb::CompressionType compression,
                        const rocksdb::CompactionFilter* filter) {
    rocksdb::ColumnFamilyOptions cf;
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = cache;
    table.block_size = 16 << 10;
    table.cache_index_and_filter_blocks = true;
    if (bloom) table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    cf.write_buffer_size = static_cast<size_t>(options.write_buffer_bytes);
    cf.max_write_buffer_number = 3;
    cf.compression = compression;
    cf.bottommost_compression = compression == rocksdb::kNoCompression
                                    ? rocksdb::kNoCompression
                                    : rocksdb::kZSTD;
    cf.compaction_filter = filter;
    cf.level_compaction_dynamic_level_bytes = true;
    return cf;
  };
  auto filter = [&](TimeField field, bool count) {
    impl->filters.push_back(std::make_unique<RetentionFilter>(
        field, &impl->cutoff, count ? &impl->retention_deleted : nullptr));
    return impl->filters.back().get();
  };

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName,
       cf_options(false, rocksdb::kLZ4Compression, nullptr)},
      {kStacks, cf_options(true, rocksdb::kLZ4Compression, nullptr)},
      {kServices, cf_options(false, rocksdb::kLZ4Compression, nullptr)},
      {kInstances, cf_options(false, rocksdb::kLZ4Compression, nullptr)},
      {kSiteStacks, cf_options(false, rocksdb::kLZ4Compression,
                               filter(TimeField::kValueLastSeen, false))},
      {kHeads, cf_options(false, rocksdb::kLZ4Compression,
                          filter(TimeField::kKeyNanosAt12, false))},
      {kSeqs, cf_options(true, rocksdb::kLZ4Compression,
                         filter(TimeField::kValueNanos, false))},
      {kSeries, cf_options(true, rocksdb::kZSTD,
                           filter(TimeField::kSeriesWindow, true))},
      {kSnaps, cf_options(false, rocksdb::kZSTD,
                          filter(TimeField::kSnapsWindow, false))},
      {kEvidence, cf_options(false, rocksdb::kLZ4Compression,
                             filter(TimeField::kKeySecondsAt12, false))},
      {kState, cf_options(false, rocksdb::kLZ4Compression, nullptr)},
  };
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.max_total_wal_size = 256 << 20;
  db_options.listeners.push_back(
      std::make_shared<CompactionCounter>(&impl->compactions));
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  db_options.keep_log_file_num = 3;

  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.data_dir, cfs,
                                        &impl->handles, &raw);
  if (!s.ok()) {
    return FromRocks(s, absl::StrCat("opening RocksDB in ", options.data_dir));
  }
  impl->db.reset(raw);
  auto& h = impl->handles;
  impl->stacks = h[1];
  impl->services_cf = h[2];
  impl->instances_cf = h[3];
  impl->site_stacks = h[4];
  impl->heads = h[5];
  impl->seqs = h[6];
  impl->series = h[7];
  impl->snaps = h[8];
  impl->evidence = h[9];
  impl->state = h[10];
  if (auto st = impl->Recover(); !st.ok()) return st;
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

absl::Status Store::Impl::Recover() {
  rocksdb::ReadOptions ro;
  {
    absl::MutexLock lock(&stacks_mu);
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, stacks));
    v1::StackInfo info;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (!info.ParseFromArray(it->value().data(),
                               static_cast<int>(it->value().size()))) {
        return absl::DataLossError("stacks: unparsable record");
      }
      stack_site[info.stack_id()] = info.site_id();
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading stacks");
  }
  absl::MutexLock lock(&services_mu);
  {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, services_cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      storage::ServiceRecord rec;
      if (!rec.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size()))) {
        return absl::DataLossError("services: unparsable record");
      }
      auto svc =
          std::make_unique<Service>(rec.service(), ServiceHash(rec.service()));
      absl::MutexLock slock(&svc->mu);
      svc->next_instance_id = std::max<uint32_t>(1, rec.next_instance_id());
      by_hash[svc->hash] = svc.get();
      services.emplace(rec.service(), std::move(svc));
    }
  }
  {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, instances_cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      storage::InstanceRecord rec;
      if (!rec.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size()))) {
        return absl::DataLossError("instances: unparsable record");
      }
      auto sit = services.find(rec.service());
      if (sit == services.end()) continue;
      Service* svc = sit->second.get();
      absl::MutexLock slock(&svc->mu);
      auto inst = std::make_unique<Instance>(rec.instance(), rec.id());
      svc->next_instance_id = std::max(svc->next_instance_id, rec.id() + 1);
      svc->by_id[rec.id()] = inst.get();
      absl::MutexLock ilock(&inst->mu);
      inst->record = std::move(rec);
      inst->last_push = clock->Now();
      svc->instances.emplace(inst->name, std::move(inst));
    }
  }
  {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, site_stacks));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().size() != 24) continue;
      const char* k = it->key().data();
      auto sit = by_hash.find(GetFixed64BE(k));
      if (sit == by_hash.end()) continue;
      VarintReader r(absl::string_view(it->value().data(), it->value().size()));
      StackSeen seen;
      seen.first = r.NextSigned();
      seen.last = r.NextSigned();
      absl::MutexLock slock(&sit->second->mu);
      sit->second->sites[GetFixed64BE(k + 8)][GetFixed64BE(k + 16)] = seen;
    }
  }
  // Replay the heads into the open windows.
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, heads));
  int64_t replayed = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 28) continue;
    const char* k = it->key().data();
    auto sit = by_hash.find(GetFixed64BE(k));
    if (sit == by_hash.end()) continue;
    Service* svc = sit->second;
    Instance* inst = nullptr;
    {
      absl::MutexLock slock(&svc->mu);
      auto iit = svc->by_id.find(GetFixed32BE(k + 8));
      if (iit == svc->by_id.end()) continue;
      inst = iit->second;
    }
    const int64_t ts = FloorSeconds(static_cast<int64_t>(GetFixed64BE(k + 12)));
    VarintReader r(absl::string_view(it->value().data(), it->value().size()));
    const int64_t total = r.NextSigned();
    const uint64_t n = r.Next();
    std::vector<std::pair<uint64_t, int64_t>> agg;
    absl::flat_hash_map<uint64_t, size_t> at;
    const absl::string_view v(it->value().data(), it->value().size());
    size_t pos = r.pos();
    for (uint64_t i = 0; i < n && r.ok(); ++i) {
      if (pos + 8 > v.size()) {
        return absl::DataLossError("heads: truncated record");
      }
      uint64_t stack = GetFixed64BE(v.data() + pos);
      VarintReader cr(v.substr(pos + 8));
      int64_t count = static_cast<int64_t>(cr.Next());
      pos += 8 + cr.pos();
      uint64_t site;
      {
        absl::MutexLock slock(&stacks_mu);
        auto s2 = stack_site.find(stack);
        if (s2 == stack_site.end()) continue;
        site = s2->second;
      }
      auto [ait, inserted] = at.emplace(site, agg.size());
      if (inserted) {
        agg.emplace_back(site, count);
      } else {
        agg[ait->second].second += count;
      }
      absl::MutexLock slock(&svc->mu);
      StackSeen& seen = svc->sites[site][stack];
      if (seen.first == 0 || ts < seen.first) seen.first = ts;
      seen.last = std::max(seen.last, ts);
      seen.dirty = true;
      svc->sites_dirty = true;
    }
    absl::MutexLock ilock(&inst->mu);
    const int64_t window = WindowStart(ts);
    if (inst->open_window >= 0 && window != inst->open_window) {
      rocksdb::WriteBatch batch;
      // Heads of later windows are not replayed yet: keep them.
      SealInto(svc, inst, &batch, window * 1000000000);
      rocksdb::Status ws = db->Write(write_options, &batch);
      if (!ws.ok()) return FromRocks(ws, "sealing during recovery");
      ResetOpen(inst);
    }
    AppendOpen(inst, window, ts, total, agg, GetFixed64BE(k + 20),
               static_cast<int64_t>(GetFixed64BE(k + 12)));
    inst->record.set_last_seen_unix_seconds(
        std::max(inst->record.last_seen_unix_seconds(), ts));
    inst->record.set_goroutines(total);
    ++replayed;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading heads");
  return absl::OkStatus();
}

// ---------------------------------------------------------------- Push

absl::StatusOr<PushResult> Store::Push(const v1::Snapshot& snapshot) {
  return impl_->Push(snapshot);
}

absl::Status Store::Impl::WriteLate(
    Service* svc, Instance* inst, int64_t window, int64_t ts, int64_t total,
    const std::vector<std::pair<uint64_t, int64_t>>& agg,
    rocksdb::WriteBatch* batch) {
  const uint64_t part = NextPart();
  SnapsChunk chunk{{ts}, {total}};
  batch->Put(snaps, SnapsKey(svc->hash, window, inst->id, part),
             EncodeSnaps(chunk));
  for (const auto& [site, count] : agg) {
    CountsChunk c{0, {count}};
    batch->Put(series, SeriesKey(svc->hash, site, window, inst->id, part),
               EncodeCounts(c));
  }
  return absl::OkStatus();
}

absl::StatusOr<PushResult> Store::Impl::Push(const v1::Snapshot& s) {
  PushResult result;
  const int64_t ts = FloorSeconds(s.timestamp_unix_nanos());
  const bool leak_profile = s.kind() == v1::PROFILE_KIND_GOROUTINELEAK;

  // 1. Resolve every point's site; learn definitions.
  absl::flat_hash_map<uint64_t, const v1::StackDef*> defined;
  for (const auto& d : s.definitions()) defined[d.stack_id()] = &d;
  std::vector<uint64_t> point_site(s.stack_ids_size());
  std::vector<const v1::StackDef*> to_learn;
  {
    absl::ReaderMutexLock lock(&stacks_mu);
    for (int i = 0; i < s.stack_ids_size(); ++i) {
      auto it = stack_site.find(s.stack_ids(i));
      if (it != stack_site.end()) {
        point_site[i] = it->second;
        continue;
      }
      auto dit = defined.find(s.stack_ids(i));
      if (dit == defined.end()) {
        result.unknown_stack_ids.push_back(s.stack_ids(i));
      } else {
        point_site[i] = dit->second->site_id();
      }
    }
    for (const auto& [id, def] : defined) {
      if (!stack_site.contains(id)) to_learn.push_back(def);
    }
  }
  if (!result.unknown_stack_ids.empty()) {
    std::sort(result.unknown_stack_ids.begin(), result.unknown_stack_ids.end());
    return result;
  }

  absl::StatusOr<Service*> svc_or = GetOrCreateService(s.service());
  if (!svc_or.ok()) return svc_or.status();
  Service* svc = *svc_or;
  absl::StatusOr<Instance*> inst_or =
      GetOrCreateInstance(svc, s.instance(), ts);
  if (!inst_or.ok()) return inst_or.status();
  Instance* inst = *inst_or;

  rocksdb::WriteBatch batch;
  // Site -> stacks index (first/last seen).
  {
    absl::MutexLock slock(&svc->mu);
    for (int i = 0; i < s.stack_ids_size(); ++i) {
      StackSeen& seen = svc->sites[point_site[i]][s.stack_ids(i)];
      if (seen.first == 0) {
        seen.first = ts;
        seen.last = ts;
        batch.Put(site_stacks,
                  SiteStackKey(svc->hash, point_site[i], s.stack_ids(i)),
                  SiteStackValue(seen));
      } else {
        if (ts < seen.first) seen.first = ts;
        if (ts > seen.last) {
          seen.last = ts;
          seen.dirty = true;
          svc->sites_dirty = true;
        }
      }
    }
  }

  absl::MutexLock lock(&inst->mu);
  // 2. Duplicate?
  const std::string seq_key = SeqKey(svc->hash, inst->id, s.sequence());
  const std::string ts_value =
      Fixed64Value(static_cast<uint64_t>(s.timestamp_unix_nanos()));
  // A sequence above every stored one cannot be a duplicate: no lookup.
  if (s.sequence() <= inst->record.max_sequence()) {
    bool in_open = false;
    for (const auto& [seq, nanos] : inst->open_seqs) {
      if (seq != s.sequence()) continue;
      in_open = true;
      if (nanos == s.timestamp_unix_nanos()) {
        result.duplicate = true;
        return result;
      }
    }
    std::string existing;
    rocksdb::Status g =
        in_open ? rocksdb::Status::NotFound()
                : db->Get(rocksdb::ReadOptions(), seqs, seq_key, &existing);
    if (g.ok() && existing == ts_value) {
      result.duplicate = true;
      return result;
    }
    if (!g.ok() && !g.IsNotFound()) return FromRocks(g, "reading sequence");
  }

  auto resolve = [&](const v1::Frame& f, v1::FrameInfo* out) {
    auto str = [&](uint32_t i) -> const std::string& {
      static const std::string kEmpty;
      return i < static_cast<uint32_t>(s.strings_size()) ? s.strings(i)
                                                         : kEmpty;
    };
    out->set_function(str(f.function()));
    out->set_file(str(f.file()));
    out->set_line(f.line());
  };
  for (const v1::StackDef* d : to_learn) {
    v1::StackInfo info;
    info.set_stack_id(d->stack_id());
    info.set_site_id(d->site_id());
    info.set_block_class(d->block_class());
    for (const auto& f : d->frames()) resolve(f, info.add_frames());
    info.set_site_frame(d->site_frame());
    if (d->has_created_by())
      resolve(d->created_by(), info.mutable_created_by());
    batch.Put(stacks, StackKey(d->stack_id()), info.SerializeAsString());
  }

  // 3. Epoch: process start, Go version or labels changed.
  // The record is copied only when it changes beyond last-seen / total
  // (epochs can make it large); those two are applied at the end.
  std::optional<storage::InstanceRecord> copy;
  auto rec = [&]() -> storage::InstanceRecord& {
    if (!copy) copy = inst->record;
    return *copy;
  };
  auto cur = [&]() -> const storage::InstanceRecord& {
    return copy ? *copy : inst->record;
  };
  bool record_changed = false;
  {
    const int64_t start_s = s.process_start_unix_nanos() == 0
                                ? 0
                                : FloorSeconds(s.process_start_unix_nanos());
    const v1::Epoch* last = cur().epochs().empty()
                                ? nullptr
                                : &cur().epochs(cur().epochs_size() - 1);
    if (last == nullptr || last->process_start_unix_seconds() != start_s ||
        last->go_version() != s.go_version() ||
        !SameLabels(last->labels(), s.labels())) {
      if (last == nullptr || ts >= last->since_unix_seconds()) {
        storage::InstanceRecord& record = rec();
        v1::Epoch* e = record.add_epochs();
        e->set_since_unix_seconds(ts);
        e->set_process_start_unix_seconds(start_s);
        e->set_go_version(s.go_version());
        *e->mutable_labels() = s.labels();
        if (record.epochs_size() > kMaxEpochs) {
          record.mutable_epochs()->DeleteSubrange(0, 1);
        }
        record_changed = true;
      }
    }
  }
  const bool newest = ts >= cur().last_seen_unix_seconds();
  auto apply_latest = [&](storage::InstanceRecord& r) {
    if (!newest) return;
    r.set_last_seen_unix_seconds(ts);
    if (!leak_profile) r.set_goroutines(s.total_goroutines());
  };
  if (ts < cur().first_seen_unix_seconds()) {
    rec().set_first_seen_unix_seconds(ts);
    record_changed = true;
  }

  // 4. Points by site (first-appearance order).
  std::vector<std::pair<uint64_t, int64_t>> agg;
  {
    absl::flat_hash_map<uint64_t, size_t> at;
    for (int i = 0; i < s.stack_ids_size(); ++i) {
      auto [it, inserted] = at.emplace(point_site[i], agg.size());
      if (inserted) {
        agg.emplace_back(point_site[i], s.counts(i));
      } else {
        agg[it->second].second += s.counts(i);
      }
    }
  }
  // 5. Evidence, head, seal or late part.
  enum { kAppend, kSealAndAppend, kLate, kNone } mode = kNone;
  const int64_t window = WindowStart(ts);
  if (leak_profile) {
    std::string v(1, kEvidenceLeakProfile);
    PutVarint(&v, agg.size());
    for (const auto& [site, count] : agg) {
      PutFixed64BE(&v, site);
      PutVarint(&v, static_cast<uint64_t>(count));
      PutVarint(&v, 0);
    }
    batch.Put(evidence, EvidenceKey(svc->hash, inst->id, ts, s.sequence()), v);
  } else {
    if (s.extras_size() > 0) {
      absl::flat_hash_map<uint64_t, std::pair<int64_t, int64_t>> ev;
      for (const auto& e : s.extras()) {
        auto& slot = ev[point_site[e.point()]];
        slot.first += e.leaked();
        if (e.has_wait())
          slot.second += e.wait().buckets(3) + e.wait().buckets(4);
      }
      std::string v(1, kEvidenceExtras);
      PutVarint(&v, ev.size());
      for (const auto& [site, lw] : ev) {
        PutFixed64BE(&v, site);
        PutVarint(&v, static_cast<uint64_t>(lw.first));
        PutVarint(&v, static_cast<uint64_t>(lw.second));
      }
      batch.Put(evidence, EvidenceKey(svc->hash, inst->id, ts, s.sequence()),
                v);
    }
    if (inst->open_window >= 0 &&
        (window < inst->open_window ||
         (window == inst->open_window && ts < inst->ts.back()))) {
      mode = kLate;
    } else if (inst->open_window >= 0 && window > inst->open_window) {
      mode = kSealAndAppend;
    } else {
      mode = kAppend;
    }
    if (mode == kLate) {
      if (auto st = WriteLate(svc, inst, window, ts, s.total_goroutines(), agg,
                              &batch);
          !st.ok())
        return st;
    } else {
      if (mode == kSealAndAppend) {
        apply_latest(rec());
        storage::InstanceRecord saved = std::move(inst->record);
        inst->record = *copy;
        SealInto(svc, inst, &batch);
        inst->record = std::move(saved);
        record_changed = false;  // written by the seal
      }
      std::string head;
      PutVarint(&head, ZigZag(s.total_goroutines()));
      PutVarint(&head, static_cast<uint64_t>(s.stack_ids_size()));
      for (int i = 0; i < s.stack_ids_size(); ++i) {
        PutFixed64BE(&head, s.stack_ids(i));
        PutVarint(&head, static_cast<uint64_t>(s.counts(i)));
      }
      batch.Put(
          heads,
          HeadKey(svc->hash, inst->id, s.timestamp_unix_nanos(), s.sequence()),
          head);
    }
  }
  if (leak_profile || mode == kLate) {
    // No head holds this sequence: record it now.
    batch.Put(seqs, seq_key, ts_value);
    if (s.sequence() > cur().max_sequence()) {
      rec().set_max_sequence(s.sequence());
      record_changed = true;
    }
  }
  if (record_changed) {
    batch.Put(instances_cf, InstanceKey(svc->hash, inst->name),
              (apply_latest(rec()), rec().SerializeAsString()));
  }

  // 6. Durable write, then memory.
  rocksdb::Status ws = db->Write(write_options, &batch);
  if (!ws.ok()) return FromRocks(ws, "writing snapshot");
  if (!to_learn.empty()) {
    absl::MutexLock slock(&stacks_mu);
    for (const v1::StackDef* d : to_learn)
      stack_site[d->stack_id()] = d->site_id();
  }
  if (copy) {
    apply_latest(*copy);
    inst->record = std::move(*copy);
  } else {
    apply_latest(inst->record);
  }
  inst->last_push = clock->Now();
  inst->last_live = inst->last_push;
  if (mode == kSealAndAppend) ResetOpen(inst);
  if (mode == kAppend || mode == kSealAndAppend) {
    AppendOpen(inst, window, ts, s.total_goroutines(), agg, s.sequence(),
               s.timestamp_unix_nanos());
  }
  result.stored = true;
  result.points = leak_profile ? 0 : s.stack_ids_size();
  return result;
}

// ---------------------------------------------------------------- Seal,
// retention

absl::StatusOr<int> Store::SealIdle(bool all) {
  Impl& m = *impl_;
  const absl::Time now = m.clock->Now();
  std::vector<Service*> svcs;
  {
    absl::MutexLock lock(&m.services_mu);
    for (auto& [name, svc] : m.services) svcs.push_back(svc.get());
  }
  int sealed = 0;
  for (Service* svc : svcs) {
    std::vector<Instance*> insts;
    {
      absl::MutexLock lock(&svc->mu);
      for (auto& [name, inst] : svc->instances) insts.push_back(inst.get());
    }
    for (Instance* inst : insts) {
      absl::MutexLock lock(&inst->mu);
      if (inst->open_window < 0) continue;
      if (!all && now - inst->last_push < m.options.seal_idle) continue;
      rocksdb::WriteBatch batch;
      m.SealInto(svc, inst, &batch);
      rocksdb::Status ws = m.db->Write(m.write_options, &batch);
      if (!ws.ok()) return FromRocks(ws, "sealing an idle window");
      Impl::ResetOpen(inst);
      ++sealed;
    }
    // Persist site last-seen times even when nothing was sealed.
    rocksdb::WriteBatch batch;
    {
      absl::MutexLock slock(&svc->mu);
      m.PersistSites(svc, &batch);
    }
    if (batch.Count() > 0) {
      rocksdb::Status ws = m.db->Write(m.write_options, &batch);
      if (!ws.ok()) return FromRocks(ws, "writing site index");
    }
  }
  return sealed;
}

absl::Status Store::EnforceRetention() {
  Impl& m = *impl_;
  const int64_t cutoff =
      m.NowSeconds() - absl::ToInt64Seconds(m.options.retention);
  m.cutoff.store(cutoff);
  // Forget expired instances and stacks of sites.
  std::vector<Service*> svcs;
  {
    absl::MutexLock lock(&m.services_mu);
    for (auto& [name, svc] : m.services) svcs.push_back(svc.get());
  }
  rocksdb::WriteBatch batch;
  for (Service* svc : svcs) {
    absl::MutexLock lock(&svc->mu);
    for (auto it = svc->instances.begin(); it != svc->instances.end();) {
      Instance* inst = it->second.get();
      bool expired;
      {
        absl::MutexLock ilock(&inst->mu);
        expired = inst->record.last_seen_unix_seconds() < cutoff &&
                  inst->open_window < 0;
      }
      if (expired) {
        batch.Delete(m.instances_cf, Impl::InstanceKey(svc->hash, it->first));
        svc->by_id.erase(inst->id);
        it = svc->instances.erase(it);
      } else {
        ++it;
      }
    }
    for (auto sit = svc->sites.begin(); sit != svc->sites.end();) {
      auto& stacks = sit->second;
      for (auto st = stacks.begin(); st != stacks.end();) {
        if (st->second.last < cutoff) {
          batch.Delete(m.site_stacks,
                       SiteStackKey(svc->hash, sit->first, st->first));
          stacks.erase(st++);
        } else {
          ++st;
        }
      }
      if (stacks.empty()) {
        svc->sites.erase(sit++);
      } else {
        ++sit;
      }
    }
  }
  rocksdb::Status ws = m.db->Write(m.write_options, &batch);
  if (!ws.ok()) return FromRocks(ws, "retention deletes");
  for (auto* cf :
       {m.site_stacks, m.heads, m.seqs, m.series, m.snaps, m.evidence}) {
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    rocksdb::Status cs = m.db->CompactRange(co, cf, nullptr, nullptr);
    if (!cs.ok()) return FromRocks(cs, "retention compaction");
  }
  return absl::OkStatus();
}

absl::Status Store::CompactAll() {
  Impl& m = *impl_;
  if (auto st = Flush(); !st.ok()) return st;
  for (auto* cf : m.handles) {
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    rocksdb::Status cs = m.db->CompactRange(co, cf, nullptr, nullptr);
    if (!cs.ok()) return FromRocks(cs, "compaction");
  }
  return absl::OkStatus();
}

absl::Status Store::Flush() {
  Impl& m = *impl_;
  {
    rocksdb::WriteBatch batch;
    absl::MutexLock lock(&m.services_mu);
    for (auto& [name, svc] : m.services) {
      absl::MutexLock slock(&svc->mu);
      m.PersistSites(svc.get(), &batch);
    }
    if (batch.Count() > 0) {
      rocksdb::Status ws = m.db->Write(m.write_options, &batch);
      if (!ws.ok()) return FromRocks(ws, "writing site index");
    }
  }
  rocksdb::FlushOptions fo;
  fo.wait = true;
  rocksdb::Status s = m.db->Flush(fo, m.handles);
  return FromRocks(s, "flush");
}

StoreStats Store::Stats() {
  Impl& m = *impl_;
  StoreStats st;
  {
    absl::ReaderMutexLock lock(&m.stacks_mu);
    st.stacks_known = static_cast<int64_t>(m.stack_site.size());
  }
  const absl::Time live_after = m.clock->Now() - absl::Minutes(10);
  {
    absl::MutexLock lock(&m.services_mu);
    for (auto& [name, svc] : m.services) {
      absl::MutexLock slock(&svc->mu);
      for (auto& [iname, inst] : svc->instances) {
        absl::MutexLock ilock(&inst->mu);
        if (inst->last_live >= live_after) {
          ++st.instances_live;
        }
      }
    }
  }
  uint64_t v = 0;
  for (auto* cf : m.handles) {
    if (m.db->GetIntProperty(cf, "rocksdb.total-sst-files-size", &v)) {
      st.sst_bytes += static_cast<int64_t>(v);
    }
    if (m.db->GetIntProperty(cf, "rocksdb.cur-size-all-mem-tables", &v)) {
      st.memtable_bytes += static_cast<int64_t>(v);
    }
  }
  rocksdb::VectorLogPtr wal;
  if (m.db->GetSortedWalFiles(wal).ok()) {
    for (auto& f : wal)
      st.wal_bytes += static_cast<int64_t>(f->SizeFileBytes());
  }
  st.compactions = m.compactions.load();
  st.retention_deleted_points = m.retention_deleted.load();
  return st;
}

// ---------------------------------------------------------------- Queries

absl::StatusOr<v1::ListServicesResponse> Store::ListServices(
    const v1::ListServicesRequest& request) {
  Impl& m = *impl_;
  absl::StatusOr<Window> w = m.ResolveWindow(request.window());
  if (!w.ok()) return w.status();
  absl::StatusOr<int> page = PageSize(request.page_size(), 100, 1000);
  if (!page.ok()) return page.status();
  v1::ListServicesResponse out;
  absl::MutexLock lock(&m.services_mu);
  for (auto it = m.services.upper_bound(request.page_token());
       it != m.services.end(); ++it) {
    Service* svc = it->second.get();
    v1::ServiceSummary sum;
    sum.set_service(svc->name);
    absl::MutexLock slock(&svc->mu);
    for (auto& [name, inst] : svc->instances) {
      absl::MutexLock ilock(&inst->mu);
      const auto& r = inst->record;
      if (r.first_seen_unix_seconds() >= w->end ||
          r.last_seen_unix_seconds() < w->start) {
        continue;
      }
      sum.set_instances(sum.instances() + 1);
      sum.set_last_seen_unix_seconds(
          std::max(sum.last_seen_unix_seconds(), r.last_seen_unix_seconds()));
      sum.set_goroutines(sum.goroutines() + r.goroutines());
    }
    if (sum.instances() == 0) continue;
    if (out.services_size() == *page) {
      out.set_next_page_token(out.services(*page - 1).service());
      break;
    }
    *out.add_services() = std::move(sum);
  }
  return out;
}

absl::StatusOr<v1::ListInstancesResponse> Store::ListInstances(
    const v1::ListInstancesRequest& request) {
  Impl& m = *impl_;
  absl::StatusOr<Window> w = m.ResolveWindow(request.window());
  if (!w.ok()) return w.status();
  absl::StatusOr<int> page = PageSize(request.page_size(), 100, 1000);
  if (!page.ok()) return page.status();
  Service* svc = m.FindService(request.service());
  if (svc == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("service \"", request.service(), "\" not known"));
  }
  v1::ListInstancesResponse out;
  absl::MutexLock slock(&svc->mu);
  for (auto it = svc->instances.upper_bound(request.page_token());
       it != svc->instances.end(); ++it) {
    Instance* inst = it->second.get();
    absl::MutexLock ilock(&inst->mu);
    const auto& r = inst->record;
    if (r.first_seen_unix_seconds() >= w->end ||
        r.last_seen_unix_seconds() < w->start) {
      continue;
    }
    if (out.instances_size() == *page) {
      out.set_next_page_token(out.instances(*page - 1).instance());
      break;
    }
    v1::InstanceInfo* info = out.add_instances();
    info->set_instance(inst->name);
    info->set_first_seen_unix_seconds(r.first_seen_unix_seconds());
    info->set_last_seen_unix_seconds(r.last_seen_unix_seconds());
    info->set_goroutines(r.goroutines());
    if (!r.epochs().empty()) {
      const v1::Epoch& e = r.epochs(r.epochs_size() - 1);
      info->set_process_start_unix_seconds(e.process_start_unix_seconds());
      info->set_go_version(e.go_version());
      *info->mutable_labels() = e.labels();
    }
  }
  return out;
}

absl::StatusOr<v1::GetStackResponse> Store::GetStack(
    const v1::GetStackRequest& request) {
  Impl& m = *impl_;
  std::string value;
  rocksdb::Status s = m.db->Get(rocksdb::ReadOptions(), m.stacks,
                                StackKey(request.stack_id()), &value);
  if (s.IsNotFound()) {
    return absl::NotFoundError(
        absl::StrCat("stack ", absl::Hex(request.stack_id(), absl::kZeroPad16),
                     " not known"));
  }
  if (!s.ok()) return FromRocks(s, "reading stack");
  v1::GetStackResponse out;
  if (!out.mutable_stack()->ParseFromString(value)) {
    return absl::DataLossError("stacks: unparsable record");
  }
  return out;
}

namespace {

// The latest snapshot of one instance inside a window, wherever it lives.
struct Latest {
  Instance* inst = nullptr;
  int64_t ts = -1;
  // In memory: the open-window counts by site at that point.
  bool in_memory = false;
  absl::flat_hash_map<uint64_t, int64_t> open_counts;
  // Sealed: the part holding it and the point's index.
  int64_t window = 0;
  uint64_t part = 0;
  uint32_t index = 0;
};

struct Evidence {
  int64_t leaked = 0;
  int64_t waiting = 0;
};

// std::lower_bound from `from`, probing 1, 2, 4, ... ahead first: cheap when
// the answer is near, as it is when walking sorted times.
template <typename It, typename T>
It Gallop(It from, It end, const T& value) {
  size_t step = 1;
  It lo = from;
  while (static_cast<size_t>(end - lo) > step && *(lo + step) < value) {
    lo += step;
    step *= 2;
  }
  It hi = static_cast<size_t>(end - lo) > step ? lo + step + 1 : end;
  return std::lower_bound(lo, hi, value);
}

// One sealed part of one instance's window.
struct PartKey {
  int64_t window;
  uint32_t inst;
  uint64_t part;
  bool operator==(const PartKey& o) const {
    return window == o.window && inst == o.inst && part == o.part;
  }
  template <typename H>
  friend H AbslHashValue(H h, const PartKey& k) {
    return H::combine(std::move(h), k.window, k.inst, k.part);
  }
};

}  // namespace

absl::StatusOr<v1::ListSitesResponse> Store::ListSites(
    const v1::ListSitesRequest& request) {
  Impl& m = *impl_;
  absl::StatusOr<Window> w = m.ResolveWindow(request.window());
  if (!w.ok()) return w.status();
  absl::StatusOr<int> page = PageSize(request.page_size(), 100, 1000);
  if (!page.ok()) return page.status();
  int64_t offset = 0;
  if (!request.page_token().empty() &&
      (!absl::SimpleAtoi(request.page_token(), &offset) || offset < 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_token: \"", request.page_token(), "\" is not ours"));
  }
  Service* svc = m.FindService(request.service());
  if (svc == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("service \"", request.service(), "\" not known"));
  }

  // Sites (and their stacks) seen in the window.
  struct SiteAcc {
    v1::SiteSummary summary;
  };
  absl::flat_hash_map<uint64_t, SiteAcc> sites;
  std::vector<Instance*> insts;
  {
    absl::MutexLock slock(&svc->mu);
    for (auto& [site, stacks] : svc->sites) {
      SiteAcc acc;
      std::vector<uint64_t> ids;
      for (auto& [stack, seen] : stacks) {
        if (seen.first >= w->end || seen.last < w->start) continue;
        ids.push_back(stack);
        if (acc.summary.first_seen_unix_seconds() == 0 ||
            seen.first < acc.summary.first_seen_unix_seconds()) {
          acc.summary.set_first_seen_unix_seconds(seen.first);
        }
        acc.summary.set_last_seen_unix_seconds(
            std::max(acc.summary.last_seen_unix_seconds(), seen.last));
      }
      if (ids.empty()) continue;
      std::sort(ids.begin(), ids.end());
      acc.summary.set_site_id(site);
      for (uint64_t id : ids) acc.summary.add_stack_ids(id);
      sites.emplace(site, std::move(acc));
    }
    for (auto& [name, inst] : svc->instances) insts.push_back(inst.get());
  }

  // Latest snapshot per instance: the open window first.
  std::vector<Latest> latest;
  absl::flat_hash_map<uint32_t, size_t> sealed_needed;  // instance id -> idx
  for (Instance* inst : insts) {
    Latest l;
    l.inst = inst;
    absl::MutexLock ilock(&inst->mu);
    for (size_t j = inst->ts.size(); j-- > 0;) {
      if (inst->ts[j] >= w->start && inst->ts[j] < w->end) {
        l.in_memory = true;
        l.ts = inst->ts[j];
        for (const auto& [site, open] : inst->sites) {
          l.open_counts[site] = open.At(j);
        }
        break;
      }
    }
    if (!l.in_memory) sealed_needed[inst->id] = latest.size();
    latest.push_back(std::move(l));
  }
  rocksdb::ReadOptions ro;
  if (!sealed_needed.empty()) {
    std::unique_ptr<rocksdb::Iterator> it(m.db->NewIterator(ro, m.snaps));
    const std::string from = SnapsKey(svc->hash, WindowStart(w->start), 0, 0);
    const std::string to =
        SnapsKey(svc->hash, WindowStart(w->end - 1) + kWindowSeconds, 0, 0);
    for (it->Seek(from); it->Valid() && it->key().compare(to) < 0; it->Next()) {
      if (it->key().size() != 24) continue;
      const char* k = it->key().data();
      auto need = sealed_needed.find(GetFixed32BE(k + 12));
      if (need == sealed_needed.end()) continue;
      absl::StatusOr<SnapsChunk> chunk = DecodeSnaps(
          absl::string_view(it->value().data(), it->value().size()));
      if (!chunk.ok()) return chunk.status();
      Latest& l = latest[need->second];
      for (size_t j = chunk->timestamps.size(); j-- > 0;) {
        const int64_t t = chunk->timestamps[j];
        if (t < w->start || t >= w->end) continue;
        if (t > l.ts) {
          l.ts = t;
          l.window = static_cast<int64_t>(GetFixed32BE(k + 8)) * kWindowSeconds;
          l.part = GetFixed64BE(k + 16);
          l.index = static_cast<uint32_t>(j);
        }
        break;
      }
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading snaps");
  }

  // Counts at each instance's latest point, evidence, summed per site.
  for (Latest& l : latest) {
    if (l.ts < 0) continue;
    absl::flat_hash_map<uint64_t, Evidence> ev_leak, ev_extra;
    {
      std::unique_ptr<rocksdb::Iterator> it(m.db->NewIterator(ro, m.evidence));
      const std::string from = EvidenceKey(svc->hash, l.inst->id, w->start, 0);
      const std::string to = EvidenceKey(svc->hash, l.inst->id, w->end, 0);
      std::string last_leak, last_extra;
      for (it->Seek(from); it->Valid() && it->key().compare(to) < 0;
           it->Next()) {
        if (it->value().empty()) continue;
        if (it->value()[0] == kEvidenceLeakProfile) {
          last_leak = it->value().ToString();
        } else {
          last_extra = it->value().ToString();
        }
      }
      for (auto* pair : {&last_leak, &last_extra}) {
        if (pair->empty()) continue;
        auto& dst = pair == &last_leak ? ev_leak : ev_extra;
        VarintReader r(absl::string_view(*pair).substr(1));
        uint64_t n = r.Next();
        size_t pos = 1 + r.pos();
        for (uint64_t i = 0; i < n && pos + 8 <= pair->size(); ++i) {
          uint64_t site = GetFixed64BE(pair->data() + pos);
          VarintReader vr(absl::string_view(*pair).substr(pos + 8));
          Evidence e;
          e.leaked = static_cast<int64_t>(vr.Next());
          e.waiting = static_cast<int64_t>(vr.Next());
          pos += 8 + vr.pos();
          dst[site] = e;
        }
      }
    }
    for (auto& [site, acc] : sites) {
      int64_t count = 0;
      if (l.in_memory) {
        auto it = l.open_counts.find(site);
        if (it != l.open_counts.end()) count = it->second;
      } else {
        std::string value;
        rocksdb::Status g = m.db->Get(
            ro, m.series,
            SeriesKey(svc->hash, site, l.window, l.inst->id, l.part), &value);
        if (g.ok()) {
          absl::StatusOr<CountsChunk> c = DecodeCounts(value);
          if (!c.ok()) return c.status();
          if (l.index >= c->first && l.index - c->first < c->counts.size()) {
            count = c->counts[l.index - c->first];
          }
        } else if (!g.IsNotFound()) {
          return FromRocks(g, "reading series");
        }
      }
      v1::SiteSummary& sum = acc.summary;
      sum.set_goroutines(sum.goroutines() + count);
      if (count > 0) sum.set_instances(sum.instances() + 1);
      int64_t leaked = 0;
      if (auto e = ev_leak.find(site); e != ev_leak.end())
        leaked = e->second.leaked;
      if (auto e = ev_extra.find(site); e != ev_extra.end()) {
        leaked = std::max(leaked, e->second.leaked);
        sum.set_waiting_over_1h(sum.waiting_over_1h() + e->second.waiting);
      }
      sum.set_leaked(sum.leaked() + leaked);
    }
  }

  std::vector<v1::SiteSummary*> order;
  for (auto& [site, acc] : sites) order.push_back(&acc.summary);
  std::sort(order.begin(), order.end(),
            [](const v1::SiteSummary* a, const v1::SiteSummary* b) {
              if (a->goroutines() != b->goroutines()) {
                return a->goroutines() > b->goroutines();
              }
              return a->site_id() < b->site_id();
            });
  v1::ListSitesResponse out;
  for (size_t i = static_cast<size_t>(offset);
       i < order.size() && out.sites_size() < *page; ++i) {
    v1::SiteSummary* sum = order[i];
    // Class and site frame from one of its stacks.
    absl::StatusOr<v1::GetStackResponse> stack = [&] {
      v1::GetStackRequest req;
      req.set_stack_id(sum->stack_ids(0));
      return GetStack(req);
    }();
    if (stack.ok()) {
      const v1::StackInfo& info = stack->stack();
      sum->set_block_class(info.block_class());
      if (info.site_frame() >= 0 && info.site_frame() < info.frames_size()) {
        *sum->mutable_site() = info.frames(info.site_frame());
      }
    }
    *out.add_sites() = *sum;
  }
  if (offset + out.sites_size() < static_cast<int64_t>(order.size())) {
    out.set_next_page_token(absl::StrCat(offset + out.sites_size()));
  }
  return out;
}

absl::StatusOr<v1::GetSiteSeriesResponse> Store::GetSiteSeries(
    const v1::GetSiteSeriesRequest& request) {
  Impl& m = *impl_;
  absl::StatusOr<Window> w = m.ResolveWindow(request.window());
  if (!w.ok()) return w.status();
  if (request.step_seconds() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("step_seconds: negative (", request.step_seconds(), ")"));
  }
  if (request.step_seconds() > 0 &&
      (w->end - w->start) / request.step_seconds() > 100000) {
    return absl::InvalidArgumentError(
        "step_seconds: over 100000 steps in the window");
  }
  absl::StatusOr<int> max_instances =
      PageSize(request.max_instances(), 1000, 10000);
  if (!max_instances.ok()) return max_instances.status();
  Service* svc = m.FindService(request.service());
  if (svc == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("service \"", request.service(), "\" not known"));
  }
  const uint64_t site = request.site_id();

  // Points per instance id.
  struct Points {
    std::vector<std::pair<int64_t, int64_t>> pts;  // (ts, count)
  };
  absl::flat_hash_map<uint32_t, Points> by_inst;
  // Sealed counts chunks of the site: (window, instance, part) -> chunk.
  absl::flat_hash_map<PartKey, CountsChunk> chunks;
  rocksdb::ReadOptions ro;
  const int64_t w_from = WindowStart(w->start);
  const int64_t w_to = WindowStart(w->end - 1) + kWindowSeconds;
  {
    std::unique_ptr<rocksdb::Iterator> it(m.db->NewIterator(ro, m.series));
    const std::string from = SeriesKey(svc->hash, site, w_from, 0, 0);
    const std::string to = SeriesKey(svc->hash, site, w_to, 0, 0);
    for (it->Seek(from); it->Valid() && it->key().compare(to) < 0; it->Next()) {
      if (it->key().size() != 32) continue;
      const char* k = it->key().data();
      absl::StatusOr<CountsChunk> c = DecodeCounts(
          absl::string_view(it->value().data(), it->value().size()));
      if (!c.ok()) return c.status();
      PartKey pk{static_cast<int64_t>(GetFixed32BE(k + 16)) * kWindowSeconds,
                 GetFixed32BE(k + 20), GetFixed64BE(k + 24)};
      by_inst[pk.inst];
      chunks.emplace(pk, std::move(*c));
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading series");
  }
  // Instances, and the open windows holding the site.
  absl::flat_hash_map<uint32_t, std::vector<std::pair<int64_t, int64_t>>>
      open_points;
  std::map<std::string, Instance*> insts;
  {
    absl::MutexLock slock(&svc->mu);
    for (auto& [name, inst] : svc->instances) insts[name] = inst.get();
  }
  for (auto& [name, inst] : insts) {
    absl::MutexLock ilock(&inst->mu);
    auto it = inst->sites.find(site);
    if (it == inst->sites.end()) continue;
    by_inst[inst->id];
    // Appended after the sealed points, which are older.
    auto& p = open_points[inst->id];
    std::vector<int64_t> counts = it->second.Expand(inst->ts.size());
    for (size_t j = 0; j < inst->ts.size(); ++j) {
      if (inst->ts[j] >= w->start && inst->ts[j] < w->end) {
        p.emplace_back(inst->ts[j], counts[j]);
      }
    }
  }
  // Timestamps of the sealed parts of those instances (0 where the site's
  // chunk lacks the point).
  if (!by_inst.empty()) {
    std::unique_ptr<rocksdb::Iterator> it(m.db->NewIterator(ro, m.snaps));
    const std::string from = SnapsKey(svc->hash, w_from, 0, 0);
    const std::string to = SnapsKey(svc->hash, w_to, 0, 0);
    for (it->Seek(from); it->Valid() && it->key().compare(to) < 0; it->Next()) {
      if (it->key().size() != 24) continue;
      const char* k = it->key().data();
      const uint32_t id = GetFixed32BE(k + 12);
      auto pit = by_inst.find(id);
      if (pit == by_inst.end()) continue;
      absl::StatusOr<SnapsChunk> snaps_chunk = DecodeSnaps(
          absl::string_view(it->value().data(), it->value().size()));
      if (!snaps_chunk.ok()) return snaps_chunk.status();
      PartKey pk{static_cast<int64_t>(GetFixed32BE(k + 8)) * kWindowSeconds, id,
                 GetFixed64BE(k + 16)};
      auto cit = chunks.find(pk);
      const CountsChunk* c = cit == chunks.end() ? nullptr : &cit->second;
      for (size_t j = 0; j < snaps_chunk->timestamps.size(); ++j) {
        const int64_t t = snaps_chunk->timestamps[j];
        if (t < w->start || t >= w->end) continue;
        int64_t count = 0;
        if (c != nullptr && j >= c->first && j - c->first < c->counts.size()) {
          count = c->counts[j - c->first];
        }
        pit->second.pts.emplace_back(t, count);
      }
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading snaps");
  }
  for (auto& [id, pts] : open_points) {
    auto& dst = by_inst[id].pts;
    dst.insert(dst.end(), pts.begin(), pts.end());
  }

  const int64_t step = request.step_seconds();
  v1::GetSiteSeriesResponse out;
  {
    // The site's class, frame and stacks seen in the window.
    v1::SiteSummary* sum = out.mutable_site();
    sum->set_site_id(site);
    std::vector<uint64_t> ids;
    {
      absl::MutexLock slock(&svc->mu);
      auto sit = svc->sites.find(site);
      if (sit != svc->sites.end()) {
        for (const auto& [stack, seen] : sit->second) {
          if (seen.first >= w->end || seen.last < w->start) continue;
          ids.push_back(stack);
          if (sum->first_seen_unix_seconds() == 0 ||
              seen.first < sum->first_seen_unix_seconds()) {
            sum->set_first_seen_unix_seconds(seen.first);
          }
          sum->set_last_seen_unix_seconds(
              std::max(sum->last_seen_unix_seconds(), seen.last));
        }
      }
    }
    std::sort(ids.begin(), ids.end());
    for (uint64_t id : ids) sum->add_stack_ids(id);
    if (!ids.empty()) {
      v1::GetStackRequest req;
      req.set_stack_id(ids[0]);
      absl::StatusOr<v1::GetStackResponse> stack = GetStack(req);
      if (stack.ok()) {
        const v1::StackInfo& info = stack->stack();
        sum->set_block_class(info.block_class());
        if (info.site_frame() >= 0 && info.site_frame() < info.frames_size()) {
          *sum->mutable_site() = info.frames(info.site_frame());
        }
      }
    }
  }
  // Per instance series (sorted by name); every instance's shown points
  // feed the fleet total.
  std::vector<std::vector<std::pair<int64_t, int64_t>>> shown_lists;
  bool past_token = request.page_token().empty();
  for (auto& [name, inst] : insts) {
    auto pit = by_inst.find(inst->id);
    if (pit == by_inst.end()) continue;
    auto& pts = pit->second.pts;
    auto by_time = [](const auto& a, const auto& b) {
      return a.first < b.first;
    };
    if (!std::is_sorted(pts.begin(), pts.end(), by_time)) {
      std::stable_sort(pts.begin(), pts.end(), by_time);
    }
    if (pts.empty()) continue;
    shown_lists.emplace_back();
    std::vector<std::pair<int64_t, int64_t>>& shown = shown_lists.back();
    if (step > 0) {
      for (const auto& p : pts) {
        const int64_t bucket = w->start + (p.first - w->start) / step * step;
        if (!shown.empty() && shown.back().first == bucket) {
          shown.back().second = p.second;
        } else {
          shown.emplace_back(bucket, p.second);
        }
      }
    } else {
      shown = std::move(pts);
    }
    if (!past_token) {
      if (name == request.page_token()) past_token = true;
      continue;
    }
    if (out.instances_size() == *max_instances) {
      if (out.next_page_token().empty()) {
        out.set_next_page_token(out.instances(*max_instances - 1).instance());
      }
      continue;
    }
    v1::InstanceSeries* series = out.add_instances();
    series->set_instance(name);
    series->mutable_timestamps_unix_seconds()->Reserve(
        static_cast<int>(shown.size()));
    series->mutable_counts()->Reserve(static_cast<int>(shown.size()));
    for (const auto& p : shown) {
      series->add_timestamps_unix_seconds(p.first);
      series->add_counts(p.second);
    }
    absl::MutexLock ilock(&inst->mu);
    const auto& epochs = inst->record.epochs();
    int first = 0;
    for (int e = 0; e < epochs.size(); ++e) {
      if (epochs[e].since_unix_seconds() <= w->start) first = e;
    }
    for (int e = first; e < epochs.size(); ++e) {
      if (epochs[e].since_unix_seconds() >= w->end) break;
      *series->add_epochs() = epochs[e];
    }
  }
  // Fleet total: at each output time, the sum over instances of their latest
  // value within max(10 min, step) before it. Each point holds its value on
  // [ts, min(next ts, ts + stale)): a difference array over the distinct
  // output times, summed once.
  const int64_t stale = std::max<int64_t>(kStaleSeconds, step);
  std::vector<int64_t> times;
  {
    absl::flat_hash_set<int64_t> distinct;
    for (const auto& list : shown_lists) {
      for (const auto& p : list) distinct.insert(p.first);
    }
    times.assign(distinct.begin(), distinct.end());
    std::sort(times.begin(), times.end());
  }
  std::vector<int64_t> diff(times.size() + 1, 0);
  for (const auto& list : shown_lists) {
    auto from = times.begin();
    for (size_t j = 0; j < list.size(); ++j) {
      const int64_t until =
          j + 1 < list.size()
              ? std::min(list[j + 1].first, list[j].first + stale)
              : list[j].first + stale;
      from = Gallop(from, times.end(), list[j].first);
      auto to = Gallop(from, times.end(), until);
      diff[from - times.begin()] += list[j].second;
      diff[to - times.begin()] -= list[j].second;
    }
  }
  out.mutable_fleet_timestamps_unix_seconds()->Reserve(
      static_cast<int>(times.size()));
  out.mutable_fleet_counts()->Reserve(static_cast<int>(times.size()));
  int64_t sum = 0;
  for (size_t i = 0; i < times.size(); ++i) {
    sum += diff[i];
    out.add_fleet_timestamps_unix_seconds(times[i]);
    out.add_fleet_counts(sum);
  }
  return out;
}

// ---------------------------------------------------------------- State

absl::StatusOr<v1::GetStateResponse> Store::GetState(
    const v1::GetStateRequest& request) {
  Impl& m = *impl_;
  if (request.key().empty() || request.key().size() > kMaxStateKey) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key: ", request.key().size(), " bytes, must be 1 to ", kMaxStateKey));
  }
  std::string value;
  rocksdb::Status s =
      m.db->Get(rocksdb::ReadOptions(), m.state, request.key(), &value);
  v1::GetStateResponse out;
  if (s.IsNotFound()) return out;
  if (!s.ok()) return FromRocks(s, "reading state");
  if (value.size() < 8) return absl::DataLossError("state: short record");
  out.set_found(true);
  out.set_version(GetFixed64BE(value.data()));
  out.set_value(value.substr(8));
  return out;
}

absl::StatusOr<v1::PutStateResponse> Store::PutState(
    const v1::PutStateRequest& request) {
  Impl& m = *impl_;
  if (request.key().empty() || request.key().size() > kMaxStateKey) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key: ", request.key().size(), " bytes, must be 1 to ", kMaxStateKey));
  }
  if (request.value().size() > kMaxStateValue) {
    return absl::InvalidArgumentError(
        absl::StrCat("value: ", request.value().size(),
                     " bytes, over the limit of ", kMaxStateValue));
  }
  absl::MutexLock lock(&m.state_mu);
  std::string value;
  rocksdb::Status s =
      m.db->Get(rocksdb::ReadOptions(), m.state, request.key(), &value);
  uint64_t version = 0;
  if (s.ok()) {
    if (value.size() < 8) return absl::DataLossError("state: short record");
    version = GetFixed64BE(value.data());
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "reading state");
  }
  if (version != request.expected_version()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "state \"", request.key(), "\": expected_version ",
        request.expected_version(), " but the stored version is ", version));
  }
  std::string record = Fixed64Value(version + 1);
  record += request.value();
  s = m.db->Put(m.write_options, m.state, request.key(), record);
  if (!s.ok()) return FromRocks(s, "writing state");
  v1::PutStateResponse out;
  out.set_version(version + 1);
  return out;
}

absl::StatusOr<v1::ListStateResponse> Store::ListState(
    const v1::ListStateRequest& request) {
  Impl& m = *impl_;
  absl::StatusOr<int> page = PageSize(request.page_size(), 100, 1000);
  if (!page.ok()) return page.status();
  std::unique_ptr<rocksdb::Iterator> it(
      m.db->NewIterator(rocksdb::ReadOptions(), m.state));
  std::string from = request.prefix();
  if (!request.page_token().empty()) {
    if (!absl::StartsWith(request.page_token(), request.prefix())) {
      return absl::InvalidArgumentError(
          "page_token: not from a listing of this prefix");
    }
    from = request.page_token();
    from.push_back('\0');
  }
  v1::ListStateResponse out;
  for (it->Seek(from); it->Valid(); it->Next()) {
    const rocksdb::Slice key = it->key();
    if (!key.starts_with(request.prefix())) break;
    if (out.keys_size() == *page) {
      out.set_next_page_token(out.keys(*page - 1));
      break;
    }
    out.add_keys(key.ToString());
  }
  if (!it->status().ok()) return FromRocks(it->status(), "listing state");
  return out;
}

}  // namespace leakprof::collector
