#!/usr/bin/env bash
# The parser's speed check (issue 2, docs/benchmarks.md): leakprof's parser
# beside Go's own parsers, in one run, on the same real bodies.
#
#   tools/bench/parser_vs_go.sh [BODY_DIR]
#
# 1. Writes real goroutine profiles with ../shared/tools/goprofgen (Go 1.19's
#    runtime): 100k goroutines at 2000 stacks and 10k at 300, each as debug=0,
#    1 and 2, into BODY_DIR (default: a temporary directory; kept if given and
#    reused when the files are already there).
# 2. For ROUNDS rounds (default 5), times on each body, one right after the
#    other:
#      Go      ../shared/tools/goprof-anchor/run.sh: google/pprof
#              profile.Parse (debug=0) or panicparse ScanSnapshot (debug=2),
#              best of 5 runs;
#      ours    leakprofctl parse --repeat=5 --json: parse + classify + site
#              aggregation, best of 5 runs ("best_seconds").
# 3. Prints a Markdown table: each side's best time over all rounds (both
#    sides get 5 x ROUNDS runs: the minimum is the steadiest estimate of the
#    cost on a shared machine), the speed-up best against best, the median
#    of the per-round speed-ups, and the speed-up the issue requires (3x over
#    profile.Parse on debug=0, 10x over panicparse on debug=2).
#
# Environment: ROUNDS, LEAKPROF_SHARED (default: ../shared beside the
# checkout). Needs the Go anchors' Debian packages (the anchor installs them).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
shared=${LEAKPROF_SHARED:-$(cd "$root/.." && pwd)/shared}
rounds=${ROUNDS:-5}
for tool in goprofgen/run.sh goprof-anchor/run.sh; do
  if [ ! -x "$shared/tools/$tool" ]; then
    echo "parser_vs_go: $shared/tools/$tool not found (set LEAKPROF_SHARED)" >&2
    exit 2
  fi
done

results=$(mktemp)
if [ $# -ge 1 ]; then
  bodies=$1
  mkdir -p "$bodies"
  trap 'rm -f "$results"' EXIT
else
  bodies=$(mktemp -d "${TMPDIR:-/tmp}/leakprof-bench.XXXXXX")
  trap 'rm -f "$results"; rm -rf "$bodies"' EXIT
fi

cd "$root"
bazel build --color=no --curses=no //:leakprofctl >&2
ctl=$root/bazel-bin/ctl/leakprofctl

# name goroutines stacks
sets=("g100k 100000 2000" "g10k 10000 300")
for set in "${sets[@]}"; do
  read -r name n s <<<"$set"
  if [ ! -s "$bodies/$name.debug2" ]; then
    echo "== goprofgen: $n goroutines, $s stacks -> $bodies/$name.debug*" >&2
    "$shared/tools/goprofgen/run.sh" "$bodies/$name" "$n" "$s" yes >&2
  fi
done

# Seconds, from the anchor's "best=1.234ms" (Go's time.Duration format).
go_seconds() {
  python3 -c '
import re, sys
m = re.search(r"best=([0-9.]+)(ns|µs|us|ms|s)\b", sys.stdin.read())
scale = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}
print(float(m.group(1)) * scale[m.group(2)] if m else "nan")'
}

our_seconds() {
  "$ctl" parse "$1" --format="$2" --repeat=5 --json |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["best_seconds"])'
}

for round in $(seq 1 "$rounds"); do
  for set in "${sets[@]}"; do
    read -r name _ _ <<<"$set"
    for fmt in debug0 debug2; do
      body=$bodies/$name.$fmt
      anchor=pprof
      [ "$fmt" = debug2 ] && anchor=panicparse
      go=$("$shared/tools/goprof-anchor/run.sh" "$anchor" "$body" 2>/dev/null |
        go_seconds)
      ours=$(our_seconds "$body" "$fmt")
      echo "round $round: $name.$fmt  go=$go  ours=$ours" >&2
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$fmt" "$(stat -c %s "$body")" \
        "$anchor" "$go" "$ours" >>"$results"
    done
  done
done

echo
echo "Machine: $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
echo
python3 - "$results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, fmt, size, anchor, go, ours = line.split("\t")
    rows.setdefault((name, fmt, int(size), anchor), []).append((float(go), float(ours)))
need = {"debug0": 3.0, "debug2": 10.0}
label = {"pprof": "profile.Parse", "panicparse": "panicparse"}
print("| body | bytes | Go anchor | Go best (ms) | leakprof best (ms) | speed-up, best vs best | per-round speed-ups (median) | required |")
print("|---|---:|---|---:|---:|---:|---|---:|")
ok = True
for (name, fmt, size, anchor), runs in rows.items():
    go_best = min(g for g, _ in runs)
    our_best = min(o for _, o in runs)
    ratio = go_best / our_best
    per_round = [g / o for g, o in runs]
    ok = ok and ratio >= need[fmt]
    print(f"| {name}.{fmt} | {size} | {label[anchor]} | {go_best*1e3:.2f} | "
          f"{our_best*1e3:.2f} | **{ratio:.1f}x** | "
          f"{' / '.join(f'{r:.1f}' for r in per_round)} "
          f"({statistics.median(per_round):.1f}x) | {need[fmt]:.0f}x |")
print()
print("all required speed-ups met" if ok else "SOME REQUIRED SPEED-UP NOT MET")
PY
