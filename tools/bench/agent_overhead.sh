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
# threads) of the agent and of the target, after 3 cycles and again CYCLES
# cycles later, at --interval=1s.
# Usage: [AGENT=binary] [AGENT_ARGS="--stack_refs=false"]
#        [SIZES="1000:100 10000:300"] (goroutines:stacks, the default adds 100000:2000)
#        [REPLAY_BODIES="/tmp/prof/g10k.debug0 /tmp/prof/g100k.debug0"]
#        tools/bench/agent_overhead.sh [CYCLES=20]
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
phases() {  # port: the agent's CPU seconds in fetch, parse, snapshot, push
  local m; m=$(curl -sf "http://127.0.0.1:$1/metrics" || true)
  for ph in fetch parse snapshot push; do
    # 0 for agents older than the metric (AGENT=...).
    { grep -E "^leakprof_agent_cpu_seconds_total\{phase=\"$ph\"\} " <<<"$m" || echo "x 0"; } |
      awk '{printf "%s ", $2}'
  done
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

splits=()
"$collector" >"$tmp/collector.out" &
pids+=($!)
wait_ready "$tmp/collector.out"
caddr=$(sed -n 's/^listening on //p' "$tmp/collector.out")

printf '%-8s %7s %9s %12s %10s %14s %12s %14s %12s %9s %7s\n' goroutines stacks \
  cycles agent_ms/cyc agent_rss target_ms/scr interval_s target_share \
  gz_body_B steady_B ratio
# Live spawners, then (REPLAY_BODIES) recorded bodies of realistic services,
# e.g. goprofgen's g10k.debug0, served by the spawner as /replay/goroutine:
# the agent's cost on deep, varied stacks (no target cost: nothing is
# profiled there).
specs=${SIZES:-"1000:100 10000:300 100000:2000"}
for b in ${REPLAY_BODIES:-}; do specs="$specs replay:$b"; done
for spec in $specs; do
  if [[ $spec == replay:* ]]; then
    body=${spec#replay:}; n=$(basename "$body"); s=replay; root=replay/
    "$spawner" -n 10 -stacks 1 -replay "$body" >"$tmp/spawner-$n.out" &
  else
    n=${spec%%:*}; s=${spec##*:}; root=debug/pprof/
    "$spawner" -n "$n" -stacks "$s" >"$tmp/spawner-$n.out" &
  fi
  spid=$!
  pids+=($spid)
  wait_ready "$tmp/spawner-$n.out"
  taddr=$(sed -n 's/^listening on //p' "$tmp/spawner-$n.out")
  gzbody=$(curl -sf "http://$taddr/${root}goroutine?debug=0" | wc -c)

  # Phase 1: a cycle a second, no stretch. After 3 cycles (start-up and
  # first definitions done), the agent's CPU (all its threads, from
  # /proc/PID/task/*/schedstat: it starts no thread per cycle) and the
  # target's are read, and again CYCLES cycles later (cycles counted as
  # pushes the collector stored). Peak RSS is the agent's VmHWM, logged
  # when it stops.
  svc="bench-$n"
  "$agent" --target="http://$taddr/$root" --service="$svc" --instance="$n" \
    --collector="$caddr" --jitter=0 --leak-interval=0 --interval=1s --budget=0 \
    --http-addr=127.0.0.1:0 --spool-dir="$tmp/spool-$svc" ${AGENT_ARGS:-} 2>"$tmp/$svc.err" &
  apid=$!
  pids+=($apid)
  stored() { grep -c "service=$svc seq=.* stored=1" "$tmp/collector.out" || true; }
  wait_stored() {  # n
    for _ in $(seq 1 $(($1 * 40 + 600))); do [ "$(stored)" -ge "$1" ] && return 0; sleep 0.05; done
    echo "agent $svc stored too little" >&2; cat "$tmp/$svc.err" >&2; exit 1
  }
  wait_stored 3
  mport=$(sed -n 's/.*metrics on port \([0-9]*\).*/\1/p' "$tmp/$svc.err")
  p0=$(phases "$mport"); a0=$(cpu_ns "$apid"); t0=$(cpu_ns "$spid"); k0=$(stored)
  wait_stored $((3 + cycles))
  a1=$(cpu_ns "$apid"); t1=$(cpu_ns "$spid"); k1=$(stored); p1=$(phases "$mport")
  kill -TERM "$apid" 2>/dev/null || true; wait "$apid" || true
  line=$(grep "stopped after" "$tmp/$svc.err")
  rss=$(sed -n 's/.*peak_rss_kib=\([0-9]*\).*/\1/p' <<<"$line")
  d=$((k1 - k0))
  agent_ms=$(awk -v a=$((a1 - a0)) -v d=$d 'BEGIN{printf "%.3f", a/d/1e6}')
  target_ms=$(awk -v a=$((t1 - t0)) -v d=$d 'BEGIN{printf "%.2f", a/d/1e6}')
  svc_steady=$svc
  # Where a cycle's CPU went (leakprof_agent_cpu_seconds_total by phase);
  # "other": waking up and sleeping, bookkeeping, the other threads.
  split=$(awk -v p0="$p0" -v p1="$p1" -v d=$d -v tot="$agent_ms" 'BEGIN{
    n = split(p0, a, " "); split(p1, b, " "); s = 0; out = ""
    for (i = 1; i <= n; i++) { v = (b[i] - a[i]) / d * 1e3; s += v; out = out sprintf("%.2f/", v) }
    printf "%s%.2f", out, tot - s }')
  splits+=("$n $split")

  # Phase 2: the default budget; the interval the agent picks after a scrape.
  if [ "$s" = replay ]; then
    target_ms=-; iv=0; share=-
  else
    start_agent p2 --interval=60s --budget=0.001
    for _ in $(seq 1 600); do iv=$(metric "$aport" 'leakprof_agent_scrape_interval_seconds\{instance="'$n'",service="bench"\}' || true); [ -n "$iv" ] && break; sleep 0.1; done
    kill "$apid"; wait "$apid" 2>/dev/null || true
    share=$(awk -v t="$target_ms" -v i="$iv" 'BEGIN{printf "%.5f", t/1e3/i}')
  fi

  steady=$(grep "service=$svc_steady seq=" "$tmp/collector.out" | grep " defs=0 binds=0 " |
    sed -n 's/.*gzip=\([0-9]*\).*/\1/p' | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  ratio=$(awk -v s="$steady" -v b="$gzbody" 'BEGIN{printf "%.1f%%", 100*s/b}')
  printf '%-8s %7s %9s %12s %8sKiB %14s %12.1f %14s %12s %9s %7s\n' "$n" "$s" "$d" "$agent_ms" \
    "$rss" "$target_ms" "$iv" "$share" "$gzbody" "$steady" "$ratio"
  kill "$spid"; wait "$spid" 2>/dev/null || true
done
echo
echo "agent CPU per cycle by phase, ms: fetch/parse/snapshot/push/other"
for l in "${splits[@]}"; do echo "$l"; done
