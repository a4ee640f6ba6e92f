#!/usr/bin/env bash
# The CPU a Go target spends per goroutine profile, against the wall time of
# the fetch (what leakprof-agent's budget stretch can see): the ratio behind
# the agent's cost estimate (docs/agent.md, "What one cycle does", step 5).
# Target: //tests/agent:spawner -n N -stacks S. Each fetch is a GET of
# goroutine?debug=0 with curl; the target's CPU (all threads, from
# /proc/PID/task/*/schedstat) is read before it and 0.5 s after it, so the
# GC cycle the profile's allocations start is counted too.
# Usage: tools/bench/target_profile_cost.sh [N=10000] [S=300] [FETCHES=10]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-10000}; s=${2:-300}; fetches=${3:-10}
bazel build -c opt //tests/agent:spawner >/dev/null 2>&1
bin=$(bazel info bazel-bin 2>/dev/null)
out=$(mktemp)
"$bin/tests/agent/spawner_/spawner" -n "$n" -stacks "$s" >"$out" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 1 300); do grep -q '^ready$' "$out" && break; sleep 0.1; done
addr=$(sed -n 's/^listening on //p' "$out")
cpu_ns() { local t=0 v; for f in /proc/"$pid"/task/*/schedstat; do read -r v _ <"$f" && t=$((t + v)); done; echo $t; }
a=$(cpu_ns); sleep 2; b=$(cpu_ns)
printf 'target idle: %.2f ms/s\n' "$(awk -v d=$((b - a)) 'BEGIN{print d/2e6}')"
printf '%-6s %10s %10s %7s\n' fetch wall_ms cpu_ms ratio
for i in $(seq 1 "$fetches"); do
  a=$(cpu_ns)
  w=$(curl -s -o /dev/null -w '%{time_total}' "http://$addr/debug/pprof/goroutine?debug=0")
  sleep 0.5
  b=$(cpu_ns)
  awk -v i="$i" -v w="$w" -v c=$((b - a)) 'BEGIN{printf "%-6s %10.1f %10.1f %7.2f\n", i, w*1e3, c/1e6, c/1e6/(w*1e3)}'
  sleep 0.5
done
