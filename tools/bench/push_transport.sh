#!/usr/bin/env bash
# The agent's Push transport, client side (issue 3): CPU per push on a kept
# connection, CPU while idle between pushes, threads and peak RSS, for the
# nghttp2 client (agent/collector_client.h) side by side with the grpc++
# client it replaced (a channel per push, as the agent did, and one kept
# channel). Collector: //agent:bench_collector (a real grpc++ server) in its
# own process, so getrusage in //agent:push_bench{,_grpc} is the client only.
# Then the same over TLS (agent/testdata/tls; a second bench_collector).
# Usage: tools/bench/push_transport.sh [PUSHES=200] [STACKS=301] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/../.."
pushes=${1:-200}
stacks=${2:-301}
rounds=${3:-3}
bazel build -c opt //agent:push_bench //agent:push_bench_grpc //agent:bench_collector >/dev/null 2>&1
bin=$(bazel info -c opt bazel-bin 2>/dev/null)
tmp=$(mktemp -d)
cpid=
tpid=
cleanup() {
  [ -n "$cpid" ] && kill "$cpid" 2>/dev/null
  [ -n "$tpid" ] && kill "$tpid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

"$bin/agent/bench_collector" >"$tmp/collector.out" &
cpid=$!
for _ in $(seq 1 600); do grep -q '^ready$' "$tmp/collector.out" && break; sleep 0.1; done
addr=$(sed -n 's/^listening on //p' "$tmp/collector.out")
tls=agent/testdata/tls
"$bin/agent/bench_collector" --tls_cert=$tls/server.pem --tls_key=$tls/server.key >"$tmp/tls.out" &
tpid=$!
for _ in $(seq 1 600); do grep -q '^ready$' "$tmp/tls.out" && break; sleep 0.1; done
taddr=$(sed -n 's/^listening on //p' "$tmp/tls.out")

# Interleaved rounds: each transport sees the same machine load.
for r in $(seq 1 "$rounds"); do
  "$bin/agent/push_bench" --collector="$addr" --pushes="$pushes" --stacks="$stacks"
  "$bin/agent/push_bench_grpc" --collector="$addr" --pushes="$pushes" --stacks="$stacks" --transport=grpc_per_push
  "$bin/agent/push_bench_grpc" --collector="$addr" --pushes="$pushes" --stacks="$stacks" --transport=grpc_kept
done
for r in $(seq 1 "$rounds"); do
  "$bin/agent/push_bench" --collector="$taddr" --pushes="$pushes" --stacks="$stacks" --tls_ca=$tls/ca.pem
  "$bin/agent/push_bench_grpc" --collector="$taddr" --pushes="$pushes" --stacks="$stacks" --transport=grpc_per_push --tls_ca=$tls/ca.pem
  "$bin/agent/push_bench_grpc" --collector="$taddr" --pushes="$pushes" --stacks="$stacks" --transport=grpc_kept --tls_ca=$tls/ca.pem
done
