#!/usr/bin/env bash
# Thread CPU per GET of the agent's keep-alive fetcher (POSIX sockets +
# libhttp-parser) against its anchor, the cpp-httplib fetcher it replaced,
# and a raw send/poll/recv loop (the floor), side by side in one run
# (tools/bench/fetch_cpu/fetch_cpu.cc). Each keeps its own connection to a
# real Go target, tests/agent:spawner (10,000 goroutines at 300 stacks); the
# three take turns, with SLEEP between two GETs. Loopback only.
# Usage: [GETS=30] [SLEEP=1s] [REPLAY=/tmp/prof/g10k.debug0]
#        tools/bench/fetch_cpu.sh
# GETS is per fetcher (1..1000); with REPLAY the target serves that recorded
# body at /replay/goroutine instead of its live debug=0 profile.
set -euo pipefail
cd "$(dirname "$0")/../.."
gets=${GETS:-30}
pause=${SLEEP:-1s}
bazel build -c opt //tools/bench/fetch_cpu //tests/agent:spawner >/dev/null 2>&1
bin=$(bazel info -c opt bazel-bin 2>/dev/null)
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

args=(-n 10000 -stacks 300)
path='/debug/pprof/goroutine?debug=0'
if [ -n "${REPLAY:-}" ]; then
  args+=(-replay "$REPLAY")
  path=/replay/goroutine
fi
"$bin/tests/agent/spawner_/spawner" "${args[@]}" >"$tmp/spawner.out" 2>&1 &
pid=$!
for _ in $(seq 1 600); do grep -q '^ready$' "$tmp/spawner.out" && break; sleep 0.1; done
grep -q '^ready$' "$tmp/spawner.out" || { echo "spawner not ready" >&2; exit 1; }
addr=$(sed -n 's/^listening on //p' "$tmp/spawner.out")
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); GET http://$addr$path, $gets GETs each, $pause apart"
"$bin/tools/bench/fetch_cpu/fetch_cpu" --url="http://$addr$path" --gets="$gets" --sleep="$pause"
