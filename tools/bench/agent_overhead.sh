#!/usr/bin/env bash
# The agent's overhead, measured on the real binaries (issue 3):
#   - agent CPU per scrape+push cycle and peak RSS, at 1k/10k/100k goroutines;
#   - the target's own CPU per scrape, and its share of a core at the
#     interval the budget stretch picks (--budget=0.001, --interval=60s);
#   - bytes on the wire per steady-state snapshot against the gzipped
#     debug=0 body of the same target.
# Target: tests/agent:spawner (N goroutines at S distinct 17-frame stacks).
# Collector: agent:bench_collector (a real gRPC server; prints each push).
# CPU is read from /proc/PID/task/*/schedstat (nanoseconds on CPU, all
# threads) before and after CYCLES cycles at --interval=1s.
# Usage: [AGENT=binary] [AGENT_ARGS="--stack_refs"] tools/bench/agent_overhead.sh [CYCLES=20]
set -euo pipefail
cd "$(dirname "$0")/../.."
cycles=${1:-20}
bazel build -c opt //agent:leakprof-agent //agent:bench_collector //tests/agent:spawner >/dev/null 2>&1
bin=$(bazel info bazel-bin 2>/dev/null)
agent=${AGENT:-$bin/agent/leakprof-agent}
collector=$bin/agent/bench_collector
spawner=$bin/tests/agent/spawner_/spawner
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

cpu_ns() {  # total on-CPU ns of all threads of $1
  local t=0 v
  for f in /proc/"$1"/task/*/schedstat; do read -r v _ <"$f" && t=$((t + v)); done
  echo $t
}
wait_ready() {  # file
  for _ in $(seq 1 600); do grep -q '^ready$' "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "not ready: $1" >&2; exit 1
}
metric() {  # port name-and-labels-regex
  curl -sf "http://127.0.0.1:$1/metrics" | grep -E "^$2 " | awk '{print $2}' | head -1
}
start_agent() {  # out-prefix extra-args...
  local out=$1; shift
  "$agent" --target="http://$taddr/debug/pprof/" --service=bench --instance="$n" \
    --collector="$caddr" --jitter=0 --leak-interval=0 --http-addr=127.0.0.1:0 \
    --spool-dir="$tmp/spool-$n-$out" "$@" 2>"$tmp/$out.err" &
  apid=$!
  pids+=($apid)
  for _ in $(seq 1 300); do grep -q "metrics on port" "$tmp/$out.err" && break; sleep 0.1; done
  aport=$(sed -n 's/.*metrics on port \([0-9]*\).*/\1/p' "$tmp/$out.err")
}

"$collector" >"$tmp/collector.out" &
pids+=($!)
wait_ready "$tmp/collector.out"
caddr=$(sed -n 's/^listening on //p' "$tmp/collector.out")

printf '%-8s %7s %9s %12s %10s %14s %12s %14s %12s %9s %7s\n' goroutines stacks \
  cycles agent_ms/cyc agent_rss target_ms/scr interval_s target_share \
  gz_body_B steady_B ratio
for spec in 1000:100 10000:300 100000:2000; do
  n=${spec%%:*}; s=${spec##*:}
  "$spawner" -n "$n" -stacks "$s" >"$tmp/spawner-$n.out" &
  spid=$!
  pids+=($spid)
  wait_ready "$tmp/spawner-$n.out"
  taddr=$(sed -n 's/^listening on //p' "$tmp/spawner-$n.out")
  gzbody=$(curl -sf "http://$taddr/debug/pprof/goroutine?debug=0" | wc -c)

  # Phase 1: a cycle a second, no stretch. Two runs of different lengths
  # (3 and 3+CYCLES cycles, counted as pushes the collector stored); the
  # agent logs its getrusage() CPU (all threads, exited ones included) and
  # peak RSS when stopped; the difference of the two runs is CYCLES cycles'
  # cost, without start-up. The target's CPU is read over the long run.
  run_cycles() {  # cycles -> sets cpu_us rss_kib tcpu_ns
    local k=$1 svc="bench-$n-$1"
    "$agent" --target="http://$taddr/debug/pprof/" --service="$svc" --instance="$n" \
      --collector="$caddr" --jitter=0 --leak-interval=0 --interval=1s --budget=0 \
      --http-addr=127.0.0.1:0 --spool-dir="$tmp/spool-$svc" ${AGENT_ARGS:-} 2>"$tmp/$svc.err" &
    local pid=$!
    local t0; t0=$(cpu_ns "$spid")
    for _ in $(seq 1 $((k * 40 + 600))); do
      [ "$(grep -c "service=$svc seq=.* stored=1" "$tmp/collector.out")" -ge "$k" ] && break
      sleep 0.05
    done
    tcpu_ns=$(( $(cpu_ns "$spid") - t0 ))
    kill -TERM "$pid" 2>/dev/null || true; wait "$pid" || true
    grep -q "stopped after" "$tmp/$svc.err" || { echo "agent run $svc failed:" >&2; cat "$tmp/$svc.err" >&2; exit 1; }
    local line; line=$(grep "stopped after" "$tmp/$svc.err")
    cpu_us=$(( $(sed -n 's/.*cpu_user_us=\([0-9]*\).*/\1/p' <<<"$line") + $(sed -n 's/.*cpu_sys_us=\([0-9]*\).*/\1/p' <<<"$line") ))
    rss_kib=$(sed -n 's/.*max_rss_kib=\([0-9]*\).*/\1/p' <<<"$line")
    done_cycles=$(sed -n 's/.*stopped after \([0-9]*\) scrape.*/\1/p' <<<"$line")
  }
  run_cycles 3; short_cpu=$cpu_us; short_n=$done_cycles
  run_cycles $((3 + cycles)); long_cpu=$cpu_us; long_n=$done_cycles; rss=$rss_kib
  d=$((long_n - short_n))
  agent_ms=$(awk -v a=$((long_cpu - short_cpu)) -v d=$d 'BEGIN{printf "%.3f", a/d/1e3}')
  target_ms=$(awk -v a=$tcpu_ns -v d=$long_n 'BEGIN{printf "%.2f", a/d/1e6}')
  svc_steady="bench-$n-$((3 + cycles))"

  # Phase 2: the default budget; the interval the agent picks after a scrape.
  start_agent p2 --interval=60s --budget=0.001
  for _ in $(seq 1 600); do iv=$(metric "$aport" 'leakprof_agent_scrape_interval_seconds\{instance="'$n'",service="bench"\}' || true); [ -n "$iv" ] && break; sleep 0.1; done
  kill "$apid"; wait "$apid" 2>/dev/null || true
  share=$(awk -v t="$target_ms" -v i="$iv" 'BEGIN{printf "%.5f", t/1e3/i}')

  steady=$(grep "service=$svc_steady seq=" "$tmp/collector.out" | grep " defs=0 binds=0 " |
    sed -n 's/.*gzip=\([0-9]*\).*/\1/p' | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  ratio=$(awk -v s="$steady" -v b="$gzbody" 'BEGIN{printf "%.1f%%", 100*s/b}')
  printf '%-8s %7s %9s %12s %8sKiB %14s %12.1f %14s %12s %9s %7s\n' "$n" "$s" "$d" "$agent_ms" \
    "$rss" "$target_ms" "$iv" "$share" "$gzbody" "$steady" "$ratio"
  kill "$spid"; wait "$spid" 2>/dev/null || true
done
