// Copyright 2026 The leakprof Authors.
//
// bench_collector: TestCollector as a process, for tools/bench/agent_*.sh.
// Serves leakprof.v1.Collector/Push on 127.0.0.1:--port, prints
// "listening on 127.0.0.1:PORT", "ready", then one line per push:
//   push service=S seq=N stacks=K defs=D bytes=B gzip=G stored=0|1
// where B is the serialized PushRequest and G its gzip size as gRPC's
// message compression makes it (zlib, default level, gzip wrapper): the
// message bytes on the wire (plus the 5-byte gRPC prefix).

#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "agent/testing/test_collector.h"

ABSL_FLAG(int, port, 0, "port on 127.0.0.1 (0 = any)");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM file of the server certificate: serve TLS (with --tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM file of the server key");

namespace {

int64_t GzipSize(const std::string& in) {
  z_stream z = {};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 | 16, 8,
               Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  const int64_t n = static_cast<int64_t>(z.total_out);
  deflateEnd(&z);
  return n;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  leakprof::agent::testing::TestCollector collector;
  std::shared_ptr<grpc::ServerCredentials> creds;
  if (!absl::GetFlag(FLAGS_tls_cert).empty()) {
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({ReadFile(absl::GetFlag(FLAGS_tls_key)),
                                      ReadFile(absl::GetFlag(FLAGS_tls_cert))});
    creds = grpc::SslServerCredentials(ssl);
  }
  if (!collector.Start(absl::GetFlag(FLAGS_port), creds).ok()) return 1;
  std::printf("listening on %s\nready\n", collector.address().c_str());
  std::fflush(stdout);
  size_t printed = 0;
  while (true) {
    absl::SleepFor(absl::Milliseconds(50));
    // Only the new pushes: copying all of them every 50 ms made this
    // process busy (40 % of a core after an hour), disturbing the figures
    // measured beside it.
    for (const auto& p : collector.PushesFrom(printed)) {
      ++printed;
      leakprof::v1::PushRequest req;
      *req.mutable_snapshot() = p.received;
      std::printf(
          "push service=%s seq=%llu stacks=%d defs=%d binds=%d bytes=%lld "
          "gzip=%lld stored=%d\n",
          p.snapshot.service().c_str(),
          static_cast<unsigned long long>(p.snapshot.sequence()),
          p.snapshot.stack_ids_size(), p.snapshot.definitions_size(),
          p.received.bind_stack_ids_size(),
          static_cast<long long>(p.request_bytes),
          static_cast<long long>(GzipSize(req.SerializeAsString())),
          p.stored ? 1 : 0);
    }
    std::fflush(stdout);
  }
}
