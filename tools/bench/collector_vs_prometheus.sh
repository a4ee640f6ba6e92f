#!/usr/bin/env bash
# The collector's ingest, disk, memory and query figures side by side with the
# anchor, a real Prometheus taking the same series through its remote-write
# receiver (/work/shared/tools/prom-remote-write-anchor/run.sh, or ANCHOR=...),
# in one run. Shape: 100 services x 10 instances x 100 stacks, one point a
# minute of simulated time, 241 rounds (two full 2-hour windows + 1).
#
#   tools/bench/collector_vs_prometheus.sh            # everything (~10 min)
#   SKIP_ANCHOR=1 tools/bench/collector_vs_prometheus.sh
#
# Prints one summary line per measurement; docs/benchmarks.md records them.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-241}
CONC=${CONC:-256}
ANCHOR=${ANCHOR:-/work/shared/tools/prom-remote-write-anchor/run.sh}
bazel build //collector:leakprof-collector //tools/bench/collector_bench:all >/dev/null 2>&1 \
  || { echo "build failed" >&2; exit 1; }
bin=$(bazel info bazel-bin 2>/dev/null)
work=$(mktemp -d /tmp/collector-bench.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

start_collector() {  # $1 = data dir
  rm -f "$work/ready"
  "$bin/collector/leakprof-collector" --data-dir="$1" --grpc-addr=127.0.0.1:0 \
    --http-addr=127.0.0.1:0 --ready-file="$work/ready" 2>>"$work/collector.log" &
  pid=$!
  for _ in $(seq 1 200); do [ -s "$work/ready" ] && break; sleep 0.1; done
  port=$(cut -d' ' -f1 "$work/ready")
}
stop_collector() { kill -TERM "$pid"; wait "$pid"; pid=""; }

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (shared with other builds)"
echo "== leakprof-collector: 100 services x 10 instances x 100 stacks, $ROUNDS rounds, one 100-stack snapshot per push, conc $CONC"
start_collector "$work/ingest"
"$bin/tools/bench/collector_bench/collector_load" --target=127.0.0.1:$port \
  --services=100 --instances=10 --stacks=100 --rounds="$ROUNDS" --conc="$CONC" \
  --pid="$pid" | tee "$work/load.txt" | grep -v '^  t='
points=$(grep -o 'points=[0-9]*' "$work/load.txt" | tail -1 | cut -d= -f2)
stop_collector
"$bin/tools/bench/collector_bench/collector_compact" --data_dir="$work/ingest" --points="$points"
echo "   data dir after compaction: $(du -sb "$work/ingest" | cut -f1) bytes (SST + WAL + RocksDB's own files)"

echo "== leakprof-collector: query shape: 1 service x 1000 instances x 10 stacks, 361 rounds (6 h), GetSiteSeries of one site, 6 h window"
start_collector "$work/query"
"$bin/tools/bench/collector_bench/collector_load" --target=127.0.0.1:$port \
  --services=1 --instances=1000 --stacks=10 --rounds=361 --conc="$CONC" \
  --query_site_window_hours=6 --pid="$pid" | grep -v '^  t='
stop_collector

if [ -z "${SKIP_ANCHOR:-}" ]; then
  echo "== anchor: Prometheus remote write, same series, -batch 100 (one snapshot per request)"
  "$ANCHOR" -rounds "$ROUNDS" -align-2h -conc 4 -batch 100 -max-dur 300s 2>&1 | grep -v '^  t='
  echo "== anchor: Prometheus remote write, same series, -batch 5000"
  "$ANCHOR" -rounds "$ROUNDS" -align-2h -conc 4 -batch 5000 -max-dur 300s 2>&1 | grep -v '^  t='
fi
