#!/usr/bin/env bash
# What scraping does to a loaded Go HTTP service's latency (issue 3): wrk
# (Debian's) drives tests/agent:spawner's /work handler on loopback while
# leakprof-agent scrapes it every 10 s, three ways in one run:
#   none    no agent
#   debug0  --interval=10s (goroutine?debug=0, the default path)
#   debug2  --interval=10s --debug2-interval=10s (debug=2 every scrape)
# The service parks GOROUTINES goroutines (default 10000, 300 stacks) so a
# profile has real work to do. Prints wrk's latency percentiles per mode.
# Usage: tools/bench/agent_wrk.sh [SECONDS=60] [GOROUTINES=10000]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}; n=${2:-10000}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 1; }
bazel build -c opt //agent:leakprof-agent //agent:bench_collector //tests/agent:spawner >/dev/null 2>&1
bin=$(bazel info bazel-bin 2>/dev/null)
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
wait_ready() { for _ in $(seq 1 600); do grep -q '^ready$' "$1" 2>/dev/null && return 0; sleep 0.1; done; exit 1; }

"$bin/agent/bench_collector" >"$tmp/c.out" & pids+=($!)
wait_ready "$tmp/c.out"; caddr=$(sed -n 's/^listening on //p' "$tmp/c.out")
"$bin/tests/agent/spawner_/spawner" -n "$n" -stacks 300 >"$tmp/s.out" & pids+=($!)
wait_ready "$tmp/s.out"; taddr=$(sed -n 's/^listening on //p' "$tmp/s.out")

printf '%-7s %10s %10s %10s %10s %12s %8s\n' mode p50 p90 p99 max requests/s scrapes
for mode in none debug0 debug2; do
  apid=
  case $mode in
    debug0) extra=() ;;
    debug2) extra=(--debug2-interval=10s --debug2-max-goroutines=1000000) ;;
  esac
  if [ "$mode" != none ]; then
    "$bin/agent/leakprof-agent" --target="http://$taddr/debug/pprof/" --service="wrk-$mode" \
      --collector="$caddr" --interval=10s --jitter=0 --budget=0 --leak-interval=0 \
      --http-addr= --spool-dir="$tmp/spool-$mode" "${extra[@]}" 2>"$tmp/a-$mode.err" &
    apid=$!; pids+=($apid)
  fi
  wrk -t2 -c16 -d"${secs}s" --latency "http://$taddr/work" >"$tmp/wrk-$mode.out"
  scrapes=$(grep -c "service=wrk-$mode " "$tmp/c.out" || true)
  [ -n "$apid" ] && { kill -TERM "$apid"; wait "$apid" || true; }
  p50=$(awk '$1=="50%"{print $2}' "$tmp/wrk-$mode.out")
  p90=$(awk '$1=="90%"{print $2}' "$tmp/wrk-$mode.out")
  p99=$(awk '$1=="99%"{print $2}' "$tmp/wrk-$mode.out")
  max=$(awk '$1=="Latency" && NF>=4 {print $4; exit}' "$tmp/wrk-$mode.out")
  rps=$(awk '$1=="Requests/sec:"{print $2}' "$tmp/wrk-$mode.out")
  printf '%-7s %10s %10s %10s %10s %12s %8s\n' "$mode" "$p50" "$p90" "$p99" "$max" "$rps" "$scrapes"
done
