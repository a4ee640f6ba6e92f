// Copyright 2026 The leakprof Authors.
//
// debug=0: pprof's profile.proto, usually gzipped. Decoded field by field
// with protobuf's CodedInputStream (not generated classes) so that every
// error can name its byte offset and nothing is allocated per location beyond
// what the model keeps. Fields used (profile.proto numbering):
//   Profile: 1 sample_type, 2 sample, 4 location, 5 function,
//            6 string_table, 9 time_nanos; others skipped.
//   ValueType: 1 type.   Sample: 1 location_id, 2 value, 3 label.
//   Label: 1 key, 2 str, 3 num.   Location: 1 id, 4 line.
//   (A label with str 0 and num 0 has the empty string as value: Go writes
//   "" as string index 0.)
//   Line: 1 function_id, 2 line.   Function: 1 id, 2 name, 4 filename.

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

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

using google::protobuf::io::CodedInputStream;
using WFL = google::protobuf::internal::WireFormatLite;

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

class Decoder {
 public:
  Decoder(absl::string_view data, const ParseOptions& options)
      : data_(data),
        options_(options),
        in_(reinterpret_cast<const uint8_t*>(data.data()),
            static_cast<int>(data.size())) {
    in_.SetTotalBytesLimit(static_cast<int>(data.size()));
  }

  absl::StatusOr<Profile> Run() {
    LEAKPROF_RETURN_IF_ERROR(DecodeProfile());
    return Resolve();
  }

 private:
  int Offset() const { return in_.CurrentPosition(); }

  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("debug0: byte ", Offset(), ": ", what));
  }

  absl::Status ErrorAt(int offset, absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("debug0: byte ", offset, ": ", what));
  }

  absl::Status ReadVarint(uint64_t* v, absl::string_view field) {
    if (!in_.ReadVarint64(v)) {
      return Error(absl::StrCat("truncated or malformed varint in ", field));
    }
    return absl::OkStatus();
  }

  // Enters a length-delimited field; the caller pops the returned limit.
  absl::StatusOr<CodedInputStream::Limit> Enter(absl::string_view field) {
    uint32_t len;
    const int at = Offset();
    if (!in_.ReadVarint32(&len)) {
      return Error(absl::StrCat("malformed length of ", field));
    }
    if (len > static_cast<uint32_t>(in_.BytesUntilTotalBytesLimit())) {
      return ErrorAt(at,
                     absl::StrCat(field, " claims ", len, " bytes but only ",
                                  in_.BytesUntilTotalBytesLimit(),
                                  " remain (truncated body?)"));
    }
    return in_.PushLimit(static_cast<int>(len));
  }

  absl::Status Skip(uint32_t tag, absl::string_view in_message) {
    if (WFL::GetTagWireType(tag) == WFL::WIRETYPE_END_GROUP ||
        !WFL::SkipField(&in_, tag)) {
      return Error(absl::StrCat("cannot skip field ",
                                WFL::GetTagFieldNumber(tag), " (wire type ",
                                WFL::GetTagWireType(tag), ") in ", in_message));
    }
    return absl::OkStatus();
  }

  // A repeated scalar field, packed (wire type 2) or not (wire type 0).
  template <typename F>
  absl::Status ReadRepeatedVarint(uint32_t tag, absl::string_view field,
                                  F add) {
    if (WFL::GetTagWireType(tag) == WFL::WIRETYPE_LENGTH_DELIMITED) {
      LEAKPROF_ASSIGN_OR_RETURN(CodedInputStream::Limit limit, Enter(field));
      while (in_.BytesUntilLimit() > 0) {
        uint64_t v;
        LEAKPROF_RETURN_IF_ERROR(ReadVarint(&v, field));
        LEAKPROF_RETURN_IF_ERROR(add(v));
      }
      in_.PopLimit(limit);
      return absl::OkStatus();
    }
    if (WFL::GetTagWireType(tag) != WFL::WIRETYPE_VARINT) {
      return Error(absl::StrCat("wrong wire type ", WFL::GetTagWireType(tag),
                                " for ", field));
    }
    uint64_t v;
    LEAKPROF_RETURN_IF_ERROR(ReadVarint(&v, field));
    return add(v);
  }

  absl::Status ExpectWireType(uint32_t tag, WFL::WireType want,
                              absl::string_view field) {
    if (WFL::GetTagWireType(tag) != want) {
      return Error(absl::StrCat("wrong wire type ", WFL::GetTagWireType(tag),
                                " for ", field));
    }
    return absl::OkStatus();
  }

  absl::Status DecodeProfile() {
    while (true) {
      const uint32_t tag = in_.ReadTag();
      if (tag == 0) {
        if (in_.BytesUntilTotalBytesLimit() > 0) {
          return Error("invalid field tag in Profile");
        }
        return absl::OkStatus();
      }
      switch (WFL::GetTagFieldNumber(tag)) {
        case 1: {  // sample_type
          LEAKPROF_RETURN_IF_ERROR(ExpectWireType(
              tag, WFL::WIRETYPE_LENGTH_DELIMITED, "sample_type"));
          LEAKPROF_RETURN_IF_ERROR(DecodeValueType());
          break;
        }
        case 2:
          LEAKPROF_RETURN_IF_ERROR(
              ExpectWireType(tag, WFL::WIRETYPE_LENGTH_DELIMITED, "sample"));
          LEAKPROF_RETURN_IF_ERROR(DecodeSample());
          break;
        case 4:
          LEAKPROF_RETURN_IF_ERROR(
              ExpectWireType(tag, WFL::WIRETYPE_LENGTH_DELIMITED, "location"));
          LEAKPROF_RETURN_IF_ERROR(DecodeLocation());
          break;
        case 5:
          LEAKPROF_RETURN_IF_ERROR(
              ExpectWireType(tag, WFL::WIRETYPE_LENGTH_DELIMITED, "function"));
          LEAKPROF_RETURN_IF_ERROR(DecodeFunction());
          break;
        case 6: {
          LEAKPROF_RETURN_IF_ERROR(ExpectWireType(
              tag, WFL::WIRETYPE_LENGTH_DELIMITED, "string_table"));
          LEAKPROF_ASSIGN_OR_RETURN(CodedInputStream::Limit limit,
                                    Enter("string_table entry"));
          const int start = Offset();
          const int len = in_.BytesUntilLimit();
          in_.Skip(len);
          strings_.push_back(data_.substr(start, len));
          in_.PopLimit(limit);
          break;
        }
        case 9: {
          LEAKPROF_RETURN_IF_ERROR(
              ExpectWireType(tag, WFL::WIRETYPE_VARINT, "time_nanos"));
          uint64_t v;
          LEAKPROF_RETURN_IF_ERROR(ReadVarint(&v, "time_nanos"));
          time_nanos_ = static_cast<int64_t>(v);
          break;
        }
        default:
          LEAKPROF_RETURN_IF_ERROR(Skip(tag, "Profile"));
      }
    }
  }

  absl::Status DecodeValueType() {
    LEAKPROF_ASSIGN_OR_RETURN(CodedInputStream::Limit limit,
                              Enter("sample_type"));
    int64_t type = 0;
    while (uint32_t tag = in_.ReadTag()) {
      if (WFL::GetTagFieldNumber(tag) == 1 &&
          WFL::GetTagWireType(tag) == WFL::WIRETYPE_VARINT) {
        uint64_t v;
        LEAKPROF_RETURN_IF_ERROR(ReadVarint(&v, "sample_type.type"));
        type = static_cast<int64_t>(v);
      } else {
        LEAKPROF_RETURN_IF_ERROR(Skip(tag, "sample_type"));
      }
    }
    if (in_.BytesUntilLimit() > 0) return Error("invalid tag in sample_type");
    in_.PopLimit(limit);
    sample_types_.push_back(type);
    return absl::OkStatus();
  }

  absl::Status DecodeSample() {
    const int at = Offset();
    LEAKPROF_ASSIGN_OR_RETURN(CodedInputStream::Limit limit, Enter("sample"));
    RawSample& s = samples_.emplace_back();
    s.first_location = static_cast<uint32_t>(sample_locations_.size());
    sample_offsets_.push_back(at);
    while (uint32_t tag = in_.ReadTag()) {
      switch (WFL::GetTagFieldNumber(tag)) {
        case 1:
          if (WFL::GetTagWireType(tag) == WFL::WIRETYPE_LENGTH_DELIMITED) {
            LEAKPROF_RETURN_IF_ERROR(ReadPackedLocations(&s, at));
            break;
          }
          LEAKPROF_RETURN_IF_ERROR(ReadRepeatedVarint(
              tag, "sample.location_id", [&](uint64_t v) -> absl::Status {
                if (static_cast<int64_t>(s.num_locations) >=
                    options_.max_frames_per_stack) {
                  return absl::ResourceExhaustedError(absl::StrCat(
                      "debug0: byte ", at, ": sample has more than ",
                      options_.max_frames_per_stack,
                      " locations (the frame bound)"));
                }
                sample_locations_.push_back(v);
                ++s.num_locations;
                return absl::OkStatus();
              }));
          break;
        case 2:
          LEAKPROF_RETURN_IF_ERROR(ReadRepeatedVarint(
              tag, "sample.value", [&](uint64_t v) -> absl::Status {
                // Only the first value: goroutine/count has one.
                if (!s.has_value) s.count = static_cast<int64_t>(v);
                s.has_value = true;
                return absl::OkStatus();
              }));
          break;
        case 3:
          LEAKPROF_RETURN_IF_ERROR(
              ExpectWireType(tag, WFL::WIRETYPE_LENGTH_DELIMITED, "label"));
          LEAKPROF_RETURN_IF_ERROR(DecodeLabel(&s));
          break;
        default:
          LEAKPROF_RETURN_IF_ERROR(Skip(tag, "sample"));
      }
    }
    if (in_.BytesUntilLimit() > 0) return Error("invalid tag in sample");
    in_.PopLimit(limit);
    if (static_cast<int64_t>(samples_.size()) > options_.max_stacks) {
      return absl::ResourceExhaustedError(
          absl::StrCat("debug0: byte ", at, ": more than ", options_.max_stacks,
                       " samples (the stack bound)"));
    }
    return absl::OkStatus();
  }

  // The hot loop of debug=0: a sample's packed location ids, decoded straight
  // from the buffer (Go writes them packed). A varint takes at least a byte,
  // so `len` bounds the count and the ids go into pre-sized space.
  absl::Status ReadPackedLocations(RawSample* s, int sample_at) {
    LEAKPROF_ASSIGN_OR_RETURN(CodedInputStream::Limit limit,
                              Enter("sample.location_id"));
    const int len = in_.BytesUntilLimit();
    const uint8_t* p =
        reinterpret_cast<const uint8_t*>(data_.data()) + Offset();
    const uint8_t* const end = p + len;
    const size_t first = sample_locations_.size();
    if (sample_locations_.capacity() - first < static_cast<size_t>(len)) {
      sample_locations_.reserve(
          std::max(2 * sample_locations_.capacity(), first + len));
    }
    while (p < end) {
      uint64_t v = *p++;
      if (v >= 0x80) {  // more bytes follow
        v &= 0x7f;
        int shift = 7;
        while (true) {
          if (p == end || shift > 63) {
            return Error("truncated or malformed varint in sample.location_id");
          }
          const uint8_t b = *p++;
          v |= static_cast<uint64_t>(b & 0x7f) << shift;
          if (b < 0x80) break;
          shift += 7;
        }
      }
      sample_locations_.push_back(v);  // no reallocation: reserved above
    }
    s->num_locations += static_cast<uint32_t>(sample_locations_.size() - first);
    if (static_cast<int64_t>(s->num_locations) >
        options_.max_frames_per_stack) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "debug0: byte ", sample_at, ": sample has more than ",
          options_.max_frames_per_stack, " locations (the frame bound)"));
    }
    in_.Skip(len);
    in_.PopLimit(limit);
    return absl::OkStatus();
  }

  absl::Status DecodeLabel(RawSample* s) {
    LEAKPROF_ASSIGN_OR_RETURN(CodedInputStream::Limit limit, Enter("label"));
    RawLabel l;
    while (uint32_t tag = in_.ReadTag()) {
      const int field = WFL::GetTagFieldNumber(tag);
      if (field >= 1 && field <= 3 &&
          WFL::GetTagWireType(tag) == WFL::WIRETYPE_VARINT) {
        uint64_t v;
        LEAKPROF_RETURN_IF_ERROR(ReadVarint(&v, "label"));
        (field == 1   ? l.key
         : field == 2 ? l.str
                      : l.num) = static_cast<int64_t>(v);
      } else {
        LEAKPROF_RETURN_IF_ERROR(Skip(tag, "label"));
      }
    }
    if (in_.BytesUntilLimit() > 0) return Error("invalid tag in label");
    in_.PopLimit(limit);
    if (s->labels.size() >= 64) return Error("sample has more than 64 labels");
    s->labels.push_back(l);
    return absl::OkStatus();
  }

  absl::Status DecodeLocation() {
    const int at = Offset();
    LEAKPROF_ASSIGN_OR_RETURN(CodedInputStream::Limit limit, Enter("location"));
    uint64_t id = 0;
    RawLocation loc;
    loc.first_line = static_cast<uint32_t>(lines_.size());
    loc.defined = true;
    while (uint32_t tag = in_.ReadTag()) {
      switch (WFL::GetTagFieldNumber(tag)) {
        case 1:
          LEAKPROF_RETURN_IF_ERROR(
              ExpectWireType(tag, WFL::WIRETYPE_VARINT, "location.id"));
          LEAKPROF_RETURN_IF_ERROR(ReadVarint(&id, "location.id"));
          break;
        case 4: {
          LEAKPROF_RETURN_IF_ERROR(
              ExpectWireType(tag, WFL::WIRETYPE_LENGTH_DELIMITED, "line"));
          LEAKPROF_ASSIGN_OR_RETURN(CodedInputStream::Limit line_limit,
                                    Enter("location.line"));
          RawLine line;
          while (uint32_t t = in_.ReadTag()) {
            const int field = WFL::GetTagFieldNumber(t);
            if ((field == 1 || field == 2) &&
                WFL::GetTagWireType(t) == WFL::WIRETYPE_VARINT) {
              uint64_t v;
              LEAKPROF_RETURN_IF_ERROR(ReadVarint(&v, "line"));
              if (field == 1) {
                line.function_id = v;
              } else {
                line.line = static_cast<int64_t>(v);
              }
            } else {
              LEAKPROF_RETURN_IF_ERROR(Skip(t, "line"));
            }
          }
          if (in_.BytesUntilLimit() > 0) return Error("invalid tag in line");
          in_.PopLimit(line_limit);
          if (loc.num_lines >= 256) {
            return Error("location has more than 256 inlined lines");
          }
          lines_.push_back(line);
          ++loc.num_lines;
          break;
        }
        default:
          LEAKPROF_RETURN_IF_ERROR(Skip(tag, "location"));
      }
    }
    if (in_.BytesUntilLimit() > 0) return Error("invalid tag in location");
    in_.PopLimit(limit);
    if (id == 0) return ErrorAt(at, "location with id 0");
    if (!locations_.try_emplace(id, loc).second) {
      return ErrorAt(at, absl::StrCat("duplicate location id ", id));
    }
    return absl::OkStatus();
  }

  absl::Status DecodeFunction() {
    const int at = Offset();
    LEAKPROF_ASSIGN_OR_RETURN(CodedInputStream::Limit limit, Enter("function"));
    uint64_t id = 0;
    RawFunction fn;
    while (uint32_t tag = in_.ReadTag()) {
      const int field = WFL::GetTagFieldNumber(tag);
      if ((field == 1 || field == 2 || field == 4) &&
          WFL::GetTagWireType(tag) == WFL::WIRETYPE_VARINT) {
        uint64_t v;
        LEAKPROF_RETURN_IF_ERROR(ReadVarint(&v, "function"));
        if (field == 1) id = v;
        if (field == 2) fn.name = static_cast<int64_t>(v);
        if (field == 4) fn.file = static_cast<int64_t>(v);
      } else {
        LEAKPROF_RETURN_IF_ERROR(Skip(tag, "function"));
      }
    }
    if (in_.BytesUntilLimit() > 0) return Error("invalid tag in function");
    in_.PopLimit(limit);
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
      return absl::Status(
          frame.status().code(),
          absl::StrCat("debug0: byte ", at, ": ", frame.status().message()));
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
        RawLocation* loc = FindLocation(loc_id);
        if (loc == nullptr) {
          return ErrorAt(at, absl::StrCat("sample refers to location ", loc_id,
                                          " which is not defined"));
        }
        if (loc->first_frame < 0) {
          LEAKPROF_RETURN_IF_ERROR(ResolveLocation(*loc, loc_id, at, builder));
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
        return absl::Status(
            index.status().code(),
            absl::StrCat("debug0: byte ", at, ": ", index.status().message()));
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
  CodedInputStream in_;

  std::vector<absl::string_view> strings_;
  std::vector<int64_t> sample_types_;
  std::vector<RawSample> samples_;
  std::vector<uint64_t> sample_locations_;
  std::vector<RawLocation> dense_locations_;
  std::vector<int> sample_offsets_;
  std::vector<RawLine> lines_;
  std::vector<int32_t> location_frames_;  // see RawLocation::first_frame
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
    if (!out.ok()) {
      return absl::Status(out.status().code(),
                          absl::StrCat("debug0: ", out.status().message()));
    }
    inflated = std::move(*out);
    body = inflated;
  }
  if (static_cast<int64_t>(body.size()) > options.max_body_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("debug0: body is ", body.size(),
                     " bytes, over the bound of ", options.max_body_bytes));
  }
  if (body.size() > static_cast<size_t>(INT32_MAX)) {
    return absl::ResourceExhaustedError("debug0: body is over 2 GiB");
  }
  Decoder decoder(body, options);
  return decoder.Run();
}

}  // namespace internal
}  // namespace goprof
}  // namespace leakprof
