// Copyright 2026 The leakprof Authors.
//
// debug=0: pprof's profile.proto, usually gzipped. Decoded field by field
// straight from the buffer (protobuf's wire format: varints, tags,
// length-delimited fields; no generated classes) so that every error can name
// its byte offset and nothing is allocated per location beyond what the model
// keeps. Fields used (profile.proto numbering):
//   Profile: 1 sample_type, 2 sample, 4 location, 5 function,
//            6 string_table, 9 time_nanos; others skipped.
//   ValueType: 1 type.   Sample: 1 location_id, 2 value, 3 label.
//   Label: 1 key, 2 str, 3 num.   Location: 1 id, 4 line.
//   (A label with str 0 and num 0 has the empty string as value: Go writes
//   "" as string index 0.)
//   Line: 1 function_id, 2 line.   Function: 1 id, 2 name, 4 filename.

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/optimization.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/goprof/formats.h"
#include "common/goprof/gunzip.h"
#include "common/goprof/profile_builder.h"
#include "common/status/status_macros.h"

namespace leakprof {
namespace goprof {
namespace internal {
namespace {

// Protobuf wire types.
constexpr uint32_t kVarint = 0;
constexpr uint32_t kFixed64 = 1;
constexpr uint32_t kLengthDelimited = 2;
constexpr uint32_t kFixed32 = 5;

// A cursor over the bytes of one message (or of the whole body). Reports
// failure as false; the Decoder turns that into an error with the offset.
class Reader {
 public:
  Reader(const uint8_t* base, const uint8_t* begin, const uint8_t* end)
      : base_(base), p_(begin), end_(end) {}

  bool done() const { return p_ == end_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  // From the start of the body.
  int offset() const { return static_cast<int>(p_ - base_); }
  const uint8_t* pos() const { return p_; }

  bool Varint(uint64_t* v) {
    if (p_ < end_ && *p_ < 0x80) {  // the common one-byte case
      *v = *p_++;
      return true;
    }
    uint64_t r = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      const uint8_t b = *p_++;
      r |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) {
        *v = r;
        return true;
      }
    }
    return false;  // over 10 bytes
  }

  // A reader over the next `len` bytes, which this one skips.
  // REQUIRES: len <= remaining()
  Reader Take(size_t len) {
    Reader sub(base_, p_, p_ + len);
    p_ += len;
    return sub;
  }

  bool Skip(uint32_t wire_type) {
    uint64_t v = 0;
    switch (wire_type) {
      case kVarint:
        return Varint(&v);
      case kFixed64:
        return Advance(8);
      case kLengthDelimited:
        return Varint(&v) && Advance(v);
      case kFixed32:
        return Advance(4);
      default:  // groups (3, 4) are not used by profile.proto
        return false;
    }
  }

 private:
  bool Advance(uint64_t n) {
    if (n > remaining()) return false;
    p_ += n;
    return true;
  }

  const uint8_t* base_;
  const uint8_t* p_;
  const uint8_t* end_;
};

struct RawLine {
  uint64_t function_id = 0;
  int64_t line = 0;
};

struct RawLocation {
  // Range in Decoder::lines_.
  uint32_t first_line = 0;
  uint32_t num_lines = 0;
  bool defined = false;
  // Once resolved: its frames (one per line, or one empty frame when it has
  // no lines) are Decoder::location_frames_[first_frame, + num_frames).
  int32_t first_frame = -1;
  uint32_t num_frames = 0;
};

struct RawFunction {
  int64_t name = 0;  // string table indices
  int64_t file = 0;
};

struct RawLabel {
  int64_t key = 0;
  int64_t str = 0;
  int64_t num = 0;
};

struct RawSample {
  // Range in Decoder::sample_locations_.
  uint32_t first_location = 0;
  uint32_t num_locations = 0;
  int64_t count = 0;
  bool has_value = false;
  std::vector<RawLabel> labels;
};

// A growable array of ids that, unlike std::vector, does not zero the space
// it hands out: the packed-id decoder writes straight into it.
class IdBuffer {
 public:
  size_t size() const { return size_; }
  uint64_t operator[](size_t i) const { return data_[i]; }

  // Space for `n` more ids at the end; Commit() says how many were written.
  uint64_t* Reserve(size_t n) {
    if (capacity_ - size_ < n) {
      const size_t capacity = std::max(2 * capacity_, size_ + n);
      std::unique_ptr<uint64_t[]> data(new uint64_t[capacity]);
      if (size_ > 0) std::memcpy(data.get(), data_.get(), size_ * 8);
      data_ = std::move(data);
      capacity_ = capacity;
    }
    return data_.get() + size_;
  }
  void Commit(size_t n) { size_ += n; }
  void push_back(uint64_t v) {
    *Reserve(1) = v;
    Commit(1);
  }

 private:
  std::unique_ptr<uint64_t[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

class Decoder {
 public:
  Decoder(absl::string_view data, const ParseOptions& options)
      : data_(data), options_(options) {}

  absl::StatusOr<Profile> Run() {
    LEAKPROF_RETURN_IF_ERROR(DecodeProfile());
    return Resolve();
  }

 private:
  const uint8_t* base() const {
    return reinterpret_cast<const uint8_t*>(data_.data());
  }

  absl::Status ErrorAt(int offset, absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("debug0: byte ", offset, ": ", what));
  }

  absl::Status ReadVarint(Reader& r, uint64_t* v, absl::string_view field) {
    const int at = r.offset();
    if (!r.Varint(v)) {
      return ErrorAt(at,
                     absl::StrCat("truncated or malformed varint in ", field));
    }
    return absl::OkStatus();
  }

  absl::Status ReadTag(Reader& r, uint32_t* field, uint32_t* wire_type,
                       absl::string_view message) {
    const int at = r.offset();
    uint64_t tag = 0;
    if (!r.Varint(&tag) || (tag >> 3) == 0 || (tag >> 3) > (1u << 29)) {
      return ErrorAt(at, absl::StrCat("invalid field tag in ", message));
    }
    *field = static_cast<uint32_t>(tag >> 3);
    *wire_type = static_cast<uint32_t>(tag & 7);
    return absl::OkStatus();
  }

  // The bytes of a length-delimited field, which `r` then skips.
  absl::StatusOr<Reader> Enter(Reader& r, absl::string_view field) {
    const int at = r.offset();
    uint64_t len = 0;
    if (!r.Varint(&len)) {
      return ErrorAt(at, absl::StrCat("malformed length of ", field));
    }
    if (len > r.remaining()) {
      return ErrorAt(at,
                     absl::StrCat(field, " claims ", len, " bytes but only ",
                                  r.remaining(), " remain (truncated body?)"));
    }
    return r.Take(len);
  }

  absl::Status Skip(Reader& r, uint32_t field, uint32_t wire_type,
                    absl::string_view message) {
    const int at = r.offset();
    if (!r.Skip(wire_type)) {
      return ErrorAt(at,
                     absl::StrCat("cannot skip field ", field, " (wire type ",
                                  wire_type, ") in ", message));
    }
    return absl::OkStatus();
  }

  absl::Status Expect(const Reader& r, uint32_t wire_type, uint32_t want,
                      absl::string_view field) {
    if (wire_type != want) {
      return ErrorAt(r.offset(), absl::StrCat("wrong wire type ", wire_type,
                                              " for ", field));
    }
    return absl::OkStatus();
  }

  absl::Status DecodeProfile() {
    Reader r(base(), base(), base() + data_.size());
    while (!r.done()) {
      uint32_t field = 0, wire_type = 0;
      LEAKPROF_RETURN_IF_ERROR(ReadTag(r, &field, &wire_type, "Profile"));
      switch (field) {
        case 1: {
          LEAKPROF_RETURN_IF_ERROR(
              Expect(r, wire_type, kLengthDelimited, "sample_type"));
          LEAKPROF_ASSIGN_OR_RETURN(Reader m, Enter(r, "sample_type"));
          LEAKPROF_RETURN_IF_ERROR(DecodeValueType(m));
          break;
        }
        case 2: {
          LEAKPROF_RETURN_IF_ERROR(
              Expect(r, wire_type, kLengthDelimited, "sample"));
          const int at = r.offset();
          LEAKPROF_ASSIGN_OR_RETURN(Reader m, Enter(r, "sample"));
          LEAKPROF_RETURN_IF_ERROR(DecodeSample(m, at));
          break;
        }
        case 4: {
          LEAKPROF_RETURN_IF_ERROR(
              Expect(r, wire_type, kLengthDelimited, "location"));
          const int at = r.offset();
          LEAKPROF_ASSIGN_OR_RETURN(Reader m, Enter(r, "location"));
          LEAKPROF_RETURN_IF_ERROR(DecodeLocation(m, at));
          break;
        }
        case 5: {
          LEAKPROF_RETURN_IF_ERROR(
              Expect(r, wire_type, kLengthDelimited, "function"));
          const int at = r.offset();
          LEAKPROF_ASSIGN_OR_RETURN(Reader m, Enter(r, "function"));
          LEAKPROF_RETURN_IF_ERROR(DecodeFunction(m, at));
          break;
        }
        case 6: {
          LEAKPROF_RETURN_IF_ERROR(
              Expect(r, wire_type, kLengthDelimited, "string_table"));
          LEAKPROF_ASSIGN_OR_RETURN(Reader m, Enter(r, "string_table entry"));
          strings_.push_back(data_.substr(m.offset(), m.remaining()));
          break;
        }
        case 9: {
          LEAKPROF_RETURN_IF_ERROR(Expect(r, wire_type, kVarint, "time_nanos"));
          uint64_t v = 0;
          LEAKPROF_RETURN_IF_ERROR(ReadVarint(r, &v, "time_nanos"));
          time_nanos_ = static_cast<int64_t>(v);
          break;
        }
        default:
          LEAKPROF_RETURN_IF_ERROR(Skip(r, field, wire_type, "Profile"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status DecodeValueType(Reader& m) {
    int64_t type = 0;
    while (!m.done()) {
      uint32_t field = 0, wire_type = 0;
      LEAKPROF_RETURN_IF_ERROR(ReadTag(m, &field, &wire_type, "sample_type"));
      if (field == 1 && wire_type == kVarint) {
        uint64_t v = 0;
        LEAKPROF_RETURN_IF_ERROR(ReadVarint(m, &v, "sample_type.type"));
        type = static_cast<int64_t>(v);
      } else {
        LEAKPROF_RETURN_IF_ERROR(Skip(m, field, wire_type, "sample_type"));
      }
    }
    sample_types_.push_back(type);
    return absl::OkStatus();
  }

  absl::Status FrameBoundError(int sample_at) const {
    return absl::ResourceExhaustedError(absl::StrCat(
        "debug0: byte ", sample_at, ": sample has more than ",
        options_.max_frames_per_stack, " locations (the frame bound)"));
  }

  // `at`: offset of the sample, for errors.
  absl::Status DecodeSample(Reader& m, int at) {
    RawSample& s = samples_.emplace_back();
    s.first_location = static_cast<uint32_t>(sample_locations_.size());
    sample_offsets_.push_back(at);
    while (!m.done()) {
      uint32_t field = 0, wire_type = 0;
      LEAKPROF_RETURN_IF_ERROR(ReadTag(m, &field, &wire_type, "sample"));
      switch (field) {
        case 1:  // location_id: packed (as Go writes it) or not
          if (wire_type == kLengthDelimited) {
            LEAKPROF_ASSIGN_OR_RETURN(Reader ids,
                                      Enter(m, "sample.location_id"));
            LEAKPROF_RETURN_IF_ERROR(ReadPackedLocations(ids, &s, at));
          } else {
            LEAKPROF_RETURN_IF_ERROR(
                Expect(m, wire_type, kVarint, "sample.location_id"));
            uint64_t v = 0;
            LEAKPROF_RETURN_IF_ERROR(ReadVarint(m, &v, "sample.location_id"));
            if (static_cast<int64_t>(s.num_locations) >=
                options_.max_frames_per_stack) {
              return FrameBoundError(at);
            }
            sample_locations_.push_back(v);
            ++s.num_locations;
          }
          break;
        case 2:  // value: only the first counts (goroutine/count has one)
          if (wire_type == kLengthDelimited) {
            LEAKPROF_ASSIGN_OR_RETURN(Reader values, Enter(m, "sample.value"));
            while (!values.done()) {
              uint64_t v = 0;
              LEAKPROF_RETURN_IF_ERROR(ReadVarint(values, &v, "sample.value"));
              if (!s.has_value) s.count = static_cast<int64_t>(v);
              s.has_value = true;
            }
          } else {
            LEAKPROF_RETURN_IF_ERROR(
                Expect(m, wire_type, kVarint, "sample.value"));
            uint64_t v = 0;
            LEAKPROF_RETURN_IF_ERROR(ReadVarint(m, &v, "sample.value"));
            if (!s.has_value) s.count = static_cast<int64_t>(v);
            s.has_value = true;
          }
          break;
        case 3: {
          LEAKPROF_RETURN_IF_ERROR(
              Expect(m, wire_type, kLengthDelimited, "label"));
          LEAKPROF_ASSIGN_OR_RETURN(Reader label, Enter(m, "label"));
          LEAKPROF_RETURN_IF_ERROR(DecodeLabel(label, &s));
          break;
        }
        default:
          LEAKPROF_RETURN_IF_ERROR(Skip(m, field, wire_type, "sample"));
      }
    }
    if (static_cast<int64_t>(samples_.size()) > options_.max_stacks) {
      return absl::ResourceExhaustedError(
          absl::StrCat("debug0: byte ", at, ": more than ", options_.max_stacks,
                       " samples (the stack bound)"));
    }
    return absl::OkStatus();
  }

  // The hot loop of debug=0: a sample's packed location ids. A varint takes
  // at least a byte, so the length bounds the count and the ids go into
  // space reserved once.
  absl::Status ReadPackedLocations(Reader& ids, RawSample* s, int sample_at) {
    const uint8_t* p = ids.pos();
    const uint8_t* const end = p + ids.remaining();
    uint64_t* const out_begin = sample_locations_.Reserve(ids.remaining());
    uint64_t* out = out_begin;
    // Location ids are small: one or two bytes (Go numbers them 1..N). Decode
    // runs of those without branching on which (a branch per id would be
    // mispredicted half the time); a longer id takes the general path.
    auto decode_short_ids = [&] {
      while (end - p >= 2) {
        const uint64_t b0 = p[0];
        const uint64_t b1 = p[1];
        const uint64_t more = b0 >> 7;  // 1 when a second byte follows
        if (ABSL_PREDICT_FALSE((more & (b1 >> 7)) != 0)) return;
        *out++ = (b0 & 0x7f) | ((b1 << 7) & (0 - more));
        p += 1 + more;
      }
    };
    decode_short_ids();
    while (p < end) {
      Reader rest(base(), p, end);
      uint64_t v = 0;
      if (!rest.Varint(&v)) {
        return ErrorAt(rest.offset(),
                       "truncated or malformed varint in sample.location_id");
      }
      *out++ = v;
      p = rest.pos();
      decode_short_ids();
    }
    const size_t n = static_cast<size_t>(out - out_begin);
    sample_locations_.Commit(n);
    s->num_locations += static_cast<uint32_t>(n);
    if (static_cast<int64_t>(s->num_locations) >
        options_.max_frames_per_stack) {
      return FrameBoundError(sample_at);
    }
    return absl::OkStatus();
  }

  absl::Status DecodeLabel(Reader& m, RawSample* s) {
    RawLabel l;
    while (!m.done()) {
      uint32_t field = 0, wire_type = 0;
      LEAKPROF_RETURN_IF_ERROR(ReadTag(m, &field, &wire_type, "label"));
      if (field >= 1 && field <= 3 && wire_type == kVarint) {
        uint64_t v = 0;
        LEAKPROF_RETURN_IF_ERROR(ReadVarint(m, &v, "label"));
        (field == 1   ? l.key
         : field == 2 ? l.str
                      : l.num) = static_cast<int64_t>(v);
      } else {
        LEAKPROF_RETURN_IF_ERROR(Skip(m, field, wire_type, "label"));
      }
    }
    if (s->labels.size() >= 64) {
      return ErrorAt(m.offset(), "sample has more than 64 labels");
    }
    s->labels.push_back(l);
    return absl::OkStatus();
  }

  absl::Status DecodeLocation(Reader& m, int at) {
    uint64_t id = 0;
    RawLocation loc;
    loc.first_line = static_cast<uint32_t>(lines_.size());
    loc.defined = true;
    while (!m.done()) {
      uint32_t field = 0, wire_type = 0;
      LEAKPROF_RETURN_IF_ERROR(ReadTag(m, &field, &wire_type, "location"));
      if (field == 1) {
        LEAKPROF_RETURN_IF_ERROR(Expect(m, wire_type, kVarint, "location.id"));
        LEAKPROF_RETURN_IF_ERROR(ReadVarint(m, &id, "location.id"));
      } else if (field == 4) {
        LEAKPROF_RETURN_IF_ERROR(
            Expect(m, wire_type, kLengthDelimited, "line"));
        LEAKPROF_ASSIGN_OR_RETURN(Reader line_m, Enter(m, "location.line"));
        RawLine line;
        while (!line_m.done()) {
          uint32_t f = 0, wt = 0;
          LEAKPROF_RETURN_IF_ERROR(ReadTag(line_m, &f, &wt, "line"));
          if ((f == 1 || f == 2) && wt == kVarint) {
            uint64_t v = 0;
            LEAKPROF_RETURN_IF_ERROR(ReadVarint(line_m, &v, "line"));
            if (f == 1) {
              line.function_id = v;
            } else {
              line.line = static_cast<int64_t>(v);
            }
          } else {
            LEAKPROF_RETURN_IF_ERROR(Skip(line_m, f, wt, "line"));
          }
        }
        if (loc.num_lines >= 256) {
          return ErrorAt(m.offset(),
                         "location has more than 256 inlined lines");
        }
        lines_.push_back(line);
        ++loc.num_lines;
      } else {
        LEAKPROF_RETURN_IF_ERROR(Skip(m, field, wire_type, "location"));
      }
    }
    if (id == 0) return ErrorAt(at, "location with id 0");
    if (!locations_.try_emplace(id, loc).second) {
      return ErrorAt(at, absl::StrCat("duplicate location id ", id));
    }
    return absl::OkStatus();
  }

  absl::Status DecodeFunction(Reader& m, int at) {
    uint64_t id = 0;
    RawFunction fn;
    while (!m.done()) {
      uint32_t field = 0, wire_type = 0;
      LEAKPROF_RETURN_IF_ERROR(ReadTag(m, &field, &wire_type, "function"));
      if ((field == 1 || field == 2 || field == 4) && wire_type == kVarint) {
        uint64_t v = 0;
        LEAKPROF_RETURN_IF_ERROR(ReadVarint(m, &v, "function"));
        if (field == 1) id = v;
        if (field == 2) fn.name = static_cast<int64_t>(v);
        if (field == 4) fn.file = static_cast<int64_t>(v);
      } else {
        LEAKPROF_RETURN_IF_ERROR(Skip(m, field, wire_type, "function"));
      }
    }
    if (id == 0) return ErrorAt(at, "function with id 0");
    if (!functions_.try_emplace(id, fn).second) {
      return ErrorAt(at, absl::StrCat("duplicate function id ", id));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<absl::string_view> String(int64_t index, int at,
                                           absl::string_view what) const {
    if (index < 0 || index >= static_cast<int64_t>(strings_.size())) {
      return ErrorAt(at, absl::StrCat(what, " refers to string ", index,
                                      " but the table has ", strings_.size()));
    }
    return strings_[index];
  }

  absl::StatusOr<int32_t> ResolveLine(const RawLine& line, uint64_t loc_id,
                                      int at, ProfileBuilder& builder) const {
    auto fn = functions_.find(line.function_id);
    if (fn == functions_.end()) {
      return ErrorAt(at,
                     absl::StrCat("location ", loc_id, " refers to function ",
                                  line.function_id, " which is not defined"));
    }
    LEAKPROF_ASSIGN_OR_RETURN(absl::string_view name,
                              String(fn->second.name, at, "function name"));
    LEAKPROF_ASSIGN_OR_RETURN(absl::string_view file,
                              String(fn->second.file, at, "function filename"));
    absl::StatusOr<int32_t> frame =
        builder.InternFrame(FrameRef{name, file, line.line});
    if (!frame.ok()) {
      return WithPlace(frame.status(), absl::StrCat("debug0: byte ", at));
    }
    return *frame;
  }

  // Go numbers locations 1..N: index them by id when they are dense.
  void IndexLocations() {
    const size_t n = locations_.size();
    if (n == 0 || n >= (1u << 24)) return;
    dense_locations_.assign(n + 1, RawLocation());
    for (const auto& [id, loc] : locations_) {
      if (id > n) {
        dense_locations_.clear();
        return;
      }
      dense_locations_[id] = loc;
    }
  }

  RawLocation* FindLocation(uint64_t id) {
    if (!dense_locations_.empty()) {
      return id < dense_locations_.size() && dense_locations_[id].defined
                 ? &dense_locations_[id]
                 : nullptr;
    }
    auto it = locations_.find(id);
    return it == locations_.end() ? nullptr : &it->second;
  }

  // Interns the frames of `loc` (first use only) into location_frames_.
  absl::Status ResolveLocation(RawLocation& loc, uint64_t loc_id, int at,
                               ProfileBuilder& builder) {
    const int32_t first = static_cast<int32_t>(location_frames_.size());
    if (loc.num_lines == 0) {
      // Not symbolized: one frame with no function.
      LEAKPROF_ASSIGN_OR_RETURN(int32_t f,
                                builder.InternFrame(FrameRef{"", "", 0}));
      location_frames_.push_back(f);
    }
    for (uint32_t l = 0; l < loc.num_lines; ++l) {
      LEAKPROF_ASSIGN_OR_RETURN(
          int32_t f,
          ResolveLine(lines_[loc.first_line + l], loc_id, at, builder));
      location_frames_.push_back(f);
    }
    loc.first_frame = first;
    loc.num_frames = static_cast<uint32_t>(location_frames_.size() - first);
    return absl::OkStatus();
  }

  absl::StatusOr<Profile> Resolve() {
    Profile profile;
    profile.format = Format::kDebug0;
    profile.time_nanos = time_nanos_;
    if (strings_.empty() || !strings_[0].empty()) {
      return absl::InvalidArgumentError(
          "debug0: not a pprof profile: the string table is missing or its "
          "first entry is not empty");
    }
    if (sample_types_.empty()) {
      return absl::InvalidArgumentError("debug0: profile has no sample_type");
    }
    LEAKPROF_ASSIGN_OR_RETURN(absl::string_view type,
                              String(sample_types_[0], 0, "sample_type"));
    if (type == "goroutine") {
      profile.kind = ProfileKind::kGoroutine;
    } else if (type == "goroutineleak") {
      profile.kind = ProfileKind::kGoroutineLeak;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("debug0: not a goroutine profile: sample type is \"",
                       type, "\" (want \"goroutine\" or \"goroutineleak\")"));
    }
    ProfileBuilder builder(options_, &profile);
    builder.Reserve(locations_.size(), samples_.size());
    IndexLocations();
    // Dense ids only (Go's 1..N): a frame per id, filled as resolved.
    if (!dense_locations_.empty()) {
      single_frame_.assign(dense_locations_.size(), -1);
    }
    location_frames_.reserve(lines_.size() + 1);
    std::vector<int32_t> frames;
    int64_t total = 0;  // of the sample values, at most kMaxGoroutines
    for (size_t i = 0; i < samples_.size(); ++i) {
      const RawSample& s = samples_[i];
      const int at = sample_offsets_[i];
      if (!s.has_value || s.count < 0) {
        return ErrorAt(at, "sample has no value or a negative count");
      }
      if (s.count > kMaxGoroutines) {
        return ErrorAt(at, absl::StrCat("sample value ", s.count, " is over ",
                                        kMaxGoroutines,
                                        ", more goroutines than a process "
                                        "can have"));
      }
      if (s.count > kMaxGoroutines - total) {
        return ErrorAt(at, absl::StrCat("the sample values add up to more "
                                        "than ",
                                        kMaxGoroutines,
                                        " goroutines, more than a process "
                                        "can have"));
      }
      total += s.count;
      frames.clear();
      for (uint32_t k = 0; k < s.num_locations; ++k) {
        const uint64_t loc_id = sample_locations_[s.first_location + k];
        // Fast path: a resolved one-line location (nearly all of them).
        if (loc_id < single_frame_.size() && single_frame_[loc_id] >= 0) {
          frames.push_back(single_frame_[loc_id]);
          continue;
        }
        RawLocation* loc = FindLocation(loc_id);
        if (loc == nullptr) {
          return ErrorAt(at, absl::StrCat("sample refers to location ", loc_id,
                                          " which is not defined"));
        }
        if (loc->first_frame < 0) {
          LEAKPROF_RETURN_IF_ERROR(ResolveLocation(*loc, loc_id, at, builder));
          if (loc->num_frames == 1 && loc_id < single_frame_.size()) {
            single_frame_[loc_id] = location_frames_[loc->first_frame];
          }
        }
        const int32_t* f = location_frames_.data() + loc->first_frame;
        if (loc->num_frames == 1) {
          frames.push_back(*f);
        } else {
          frames.insert(frames.end(), f, f + loc->num_frames);
        }
      }
      if (static_cast<int64_t>(frames.size()) > options_.max_frames_per_stack) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "debug0: byte ", at, ": sample expands to ", frames.size(),
            " frames, over the bound of ", options_.max_frames_per_stack));
      }
      absl::StatusOr<int> index = builder.InternStack(frames);
      if (!index.ok()) {
        return WithPlace(index.status(), absl::StrCat("debug0: byte ", at));
      }
      Stack& stack = builder.stack(*index);
      stack.count += s.count;
      if (profile.kind == ProfileKind::kGoroutineLeak) stack.leaked += s.count;
      if (!s.labels.empty()) {
        Labels labels;
        for (const RawLabel& l : s.labels) {
          LEAKPROF_ASSIGN_OR_RETURN(absl::string_view key,
                                    String(l.key, at, "label key"));
          // Go writes the empty string as index 0, and goroutine profiles
          // carry only string labels: str 0 with num 0 is "". A numeric
          // value only when num is set and str is not.
          absl::string_view value;
          std::string number;
          if (l.str != 0) {
            LEAKPROF_ASSIGN_OR_RETURN(value, String(l.str, at, "label value"));
          } else if (l.num != 0) {
            number = absl::StrCat(l.num);
            value = number;
          }
          absl::Status checked = builder.CheckString(key, "label key");
          if (checked.ok()) checked = builder.CheckString(value, "label value");
          if (!checked.ok()) {
            return absl::Status(
                checked.code(),
                absl::StrCat("debug0: byte ", at, ": ", checked.message()));
          }
          labels.emplace_back(std::string(key), std::string(value));
        }
        builder.AddLabels(*index, std::move(labels), s.count);
      }
    }
    builder.Finish(/*runtime_frames_shown=*/true);
    return profile;
  }

  absl::string_view data_;
  const ParseOptions& options_;

  std::vector<absl::string_view> strings_;
  std::vector<int64_t> sample_types_;
  std::vector<RawSample> samples_;
  IdBuffer sample_locations_;
  std::vector<RawLocation> dense_locations_;
  std::vector<int> sample_offsets_;
  std::vector<RawLine> lines_;
  std::vector<int32_t> location_frames_;  // see RawLocation::first_frame
  // By location id when ids are dense: the frame of a resolved one-line
  // location, else -1. The hot loop's only lookup.
  std::vector<int32_t> single_frame_;
  absl::flat_hash_map<uint64_t, RawLocation> locations_;
  absl::flat_hash_map<uint64_t, RawFunction> functions_;
  int64_t time_nanos_ = 0;
};

}  // namespace

absl::StatusOr<Profile> ParseDebug0(absl::string_view body,
                                    const ParseOptions& options) {
  std::string inflated;
  if (IsGzip(body)) {
    absl::StatusOr<std::string> out = Gunzip(body, options.max_body_bytes);
    if (!out.ok()) return WithPlace(out.status(), "debug0");
    inflated = std::move(*out);
    body = inflated;
  }
  LEAKPROF_RETURN_IF_ERROR(CheckBodySize(body, options, "debug0"));
  if (body.size() > static_cast<size_t>(INT32_MAX)) {
    return absl::ResourceExhaustedError("debug0: body is over 2 GiB");
  }
  Decoder decoder(body, options);
  return decoder.Run();
}

}  // namespace internal
}  // namespace goprof
}  // namespace leakprof
