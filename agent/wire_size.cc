// Copyright 2026 The leakprof Authors.
//
// agent_wire_size: the bytes a steady-state snapshot of a profile body costs
// on the wire, next to the body itself. For each FILE (a body as served,
// e.g. goprofgen's .debug0, which is the gzipped debug=0 form):
//   body_bytes        the file's size
//   gzip_body_bytes   the body gzipped (itself when already gzip)
//   first_push_gzip   PushRequest with every definition, gzipped as gRPC
//                     does (zlib default level)
//   steady_gzip       PushRequest of the same profile once acknowledged
//                     (ids and counts only), gzipped the same way
//   ratio             steady_gzip / gzip_body_bytes
// Usage: agent_wire_size FILE...

#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "agent/definitions.h"
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

std::string Request(const leakprof::v1::Snapshot& s) {
  leakprof::v1::PushRequest r;
  *r.mutable_snapshot() = s;
  return r.SerializeAsString();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace leakprof;
  std::printf("%-28s %10s %10s %8s %12s %12s %8s\n", "file", "body", "gz_body",
              "stacks", "first_gz", "steady_gz", "ratio");
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
    const std::vector<uint64_t> ids(s.stack_ids().begin(), s.stack_ids().end());
    const size_t first =
        Gzip(Request(agent::WithDefinitions(s, ids, store))).size();
    const size_t steady = Gzip(Request(s)).size();
    std::string name = argv[i];
    name = name.substr(name.rfind('/') + 1);
    std::printf(
        "%-28s %10zu %10zu %8zu %12zu %12zu %7.1f%%\n", name.c_str(),
        body.size(), gz_body, p->stacks.size(), first, steady,
        100.0 * static_cast<double>(steady) / static_cast<double>(gz_body));
  }
  return 0;
}
