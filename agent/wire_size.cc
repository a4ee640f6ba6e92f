// Copyright 2026 The leakprof Authors.
//
// agent_wire_size: the bytes a steady-state snapshot of a profile body costs
// on the wire, next to the body itself. For each FILE (a body as served,
// e.g. goprofgen's .debug0, which is the gzipped debug=0 form):
//   body_bytes        the file's size
//   gzip_body_bytes   the body gzipped (itself when already gzip)
//   first_gz          the first PushRequest (every definition and binding),
//                     gzipped as gRPC does (zlib default level)
//   ids_gz            a steady-state PushRequest (everything acknowledged)
//                     with points by 8-byte id (--stack_refs off)
//   refs_gz           the same with points by stack reference (protocol.md,
//                     "Stack references")
//   churn_gz          refs, every count changed at random (by up to half)
//                     since the last push: the worst case
//   ratio             refs_gz / gzip_body_bytes (churn: churn_gz / ...)
// Each push goes through the agent's own Pusher to a transport that records
// the request and answers "stored".
// Usage: agent_wire_size FILE...

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "agent/definitions.h"
#include "agent/pusher.h"
#include "agent/snapshot_builder.h"
#include "common/goprof/parser.h"

namespace {

std::string Gzip(const std::string& in) {
  z_stream z = {};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 | 16, 8,
               Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// Keeps the gzipped size of the last PushRequest; answers "stored".
class Recorder : public leakprof::agent::PushTransport {
 public:
  absl::StatusOr<leakprof::v1::PushResponse> Push(
      const leakprof::v1::Snapshot& s) override {
    leakprof::v1::PushRequest r;
    *r.mutable_snapshot() = s;
    last_gz = Gzip(r.SerializeAsString()).size();
    leakprof::v1::PushResponse ok;
    ok.set_stored(true);
    return ok;
  }
  size_t last_gz = 0;
};

// Gzipped sizes of a first push of `s`, a steady-state one, and one with
// every count changed.
struct Sizes {
  size_t first = 0, steady = 0, churn = 0;
};
Sizes Measure(const leakprof::v1::Snapshot& s,
              leakprof::agent::DefinitionStore* store, bool refs) {
  Recorder t;
  leakprof::agent::PusherOptions o;
  o.use_refs = refs;
  leakprof::agent::Pusher p(&t, store, o);
  const std::vector<uint64_t> ids(s.stack_ids().begin(), s.stack_ids().end());
  Sizes z;
  (void)p.Push(leakprof::agent::WithDefinitions(s, ids, *store));
  z.first = t.last_gz;
  (void)p.Push(s);
  z.steady = t.last_gz;
  leakprof::v1::Snapshot changed = s;
  // Worst case: every count moves by a random amount, up to half its value
  // and at least 1 (a fixed seed: runs compare).
  std::mt19937_64 rng(42);
  for (int i = 0; i < changed.counts_size(); ++i) {
    const int64_t c = changed.counts(i);
    std::uniform_int_distribution<int64_t> d(-(c / 2), c / 2 + 1);
    int64_t next = c + d(rng);
    if (next == c) ++next;
    changed.set_counts(i, std::max<int64_t>(next, 0));
  }
  (void)p.Push(changed);
  z.churn = t.last_gz;
  return z;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace leakprof;
  std::printf("%-20s %9s %8s %7s %9s %8s %8s %8s %7s %7s %7s\n", "file", "body",
              "gz_body", "stacks", "first_gz", "ids_gz", "refs_gz", "churn_gz",
              "ids%", "refs%", "churn%");
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string body = ss.str();
    auto p = goprof::Parse(body);
    if (!p.ok()) {
      std::fprintf(stderr, "%s: %s\n", argv[i], p.status().ToString().c_str());
      return 1;
    }
    const bool gz = body.size() > 2 && static_cast<uint8_t>(body[0]) == 0x1f &&
                    static_cast<uint8_t>(body[1]) == 0x8b;
    const size_t gz_body = gz ? body.size() : Gzip(body).size();
    agent::SnapshotMeta meta;
    meta.service = "payments";
    meta.instance = "payments-7d9f8c6b5-x2x4q";
    meta.labels = {{"version", "1.4.2"}, {"zone", "eu-west-1a"}};
    meta.timestamp_unix_nanos = 1795000000123456789;
    meta.process_start_unix_nanos = 1794990000123456789;
    meta.go_version = "go1.19.8";
    meta.sequence = 12345;
    meta.agent_version = "leakprof-agent/0.1.0";
    agent::DefinitionStore store;
    const v1::Snapshot s = agent::BuildSnapshot(*p, meta, &store);
    const Sizes ids = Measure(s, &store, /*refs=*/false);
    const Sizes refs = Measure(s, &store, /*refs=*/true);
    std::string name = argv[i];
    name = name.substr(name.rfind('/') + 1);
    auto pct = [gz_body](size_t n) {
      return 100.0 * static_cast<double>(n) / static_cast<double>(gz_body);
    };
    std::printf(
        "%-20s %9zu %8zu %7zu %9zu %8zu %8zu %8zu %6.1f%% %6.1f%% %6.1f%%\n",
        name.c_str(), body.size(), gz_body, p->stacks.size(), refs.first,
        ids.steady, refs.steady, refs.churn, pct(ids.steady), pct(refs.steady),
        pct(refs.churn));
  }
  return 0;
}
