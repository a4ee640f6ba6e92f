#!/usr/bin/env bash
# A one-shot demo of the parser: build everything, start a real Go service
# with blocked goroutines (//tests/goprof:blocker), capture its goroutine
# profile (debug=0 and debug=2) and classify it with leakprofctl.
#
#   scripts/parse-demo.sh
#
# Outputs go to OUT_DIR (default: a new directory under $TMPDIR or /tmp); the
# last lines say where. The Go program is stopped on exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/install-deps.sh

out=${OUT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/leakprof-run.XXXXXX")}
mkdir -p "$out"

echo "== bazel build //..."
# Keep going: a target this job does not need must not stop it (scripts/test.sh
# counts build failures).
bazel build --keep_going //... ||
  echo "run.sh: WARNING: some targets failed to build (see above)" >&2
bazel build //tests/goprof:blocker //:leakprofctl
# The blocker's output path is an implementation detail of //bazel:go.bzl;
# let Bazel write a script that runs it.
if ! bazel run --script_path="$out/blocker.sh" //tests/goprof:blocker \
  >"$out/bazel-run.log" 2>&1; then
  cat "$out/bazel-run.log" >&2
  exit 1
fi
ctl=$root/bazel-bin/ctl/leakprofctl

blocker_pid=
stop_blocker() {
  if [ -n "$blocker_pid" ] && kill -0 "$blocker_pid" 2>/dev/null; then
    kill "$blocker_pid" 2>/dev/null || true
    wait "$blocker_pid" 2>/dev/null || true
  fi
}
trap stop_blocker EXIT
trap 'exit 130' INT TERM

echo "== starting //tests/goprof:blocker"
"$out/blocker.sh" -addr 127.0.0.1:0 >"$out/blocker.log" 2>&1 </dev/null &
blocker_pid=$!

# It prints "listening on HOST:PORT", then "ready" once its goroutines block.
for _ in $(seq 1 300); do
  grep -qx ready "$out/blocker.log" && break
  if ! kill -0 "$blocker_pid" 2>/dev/null; then
    cat "$out/blocker.log" >&2
    echo "run.sh: the blocker exited before it was ready" >&2
    exit 1
  fi
  sleep 0.1
done
if ! grep -qx ready "$out/blocker.log"; then
  cat "$out/blocker.log" >&2
  echo "run.sh: the blocker was not ready within 30 s" >&2
  exit 1
fi
addr=$(sed -n 's/^listening on //p' "$out/blocker.log" | head -n 1)
echo "blocker (pid $blocker_pid) serving on http://$addr/debug/pprof/"

echo "== capturing goroutine profiles"
url=http://$addr/debug/pprof/goroutine
curl -fsS --max-time 30 -o "$out/goroutine.debug0.pb.gz" "$url?debug=0"
curl -fsS --max-time 30 -o "$out/goroutine.debug2.txt" "$url?debug=2"

echo "== leakprofctl parse $out/goroutine.debug0.pb.gz"
"$ctl" parse "$out/goroutine.debug0.pb.gz" | tee "$out/report.debug0.txt"
"$ctl" parse "$out/goroutine.debug0.pb.gz" --json >"$out/report.debug0.json"
echo "== leakprofctl parse $out/goroutine.debug2.txt"
"$ctl" parse "$out/goroutine.debug2.txt" >"$out/report.debug2.txt"
"$ctl" parse "$out/goroutine.debug2.txt" --json >"$out/report.debug2.json"
echo "(text report of debug=2: $out/report.debug2.txt)"

echo
echo "outputs in $out:"
echo "  goroutine.debug0.pb.gz, goroutine.debug2.txt   profiles of the blocker"
echo "  report.debug0.txt, report.debug2.txt           leakprofctl parse"
echo "  report.debug0.json, report.debug2.json         leakprofctl parse --json"
echo "  blocker.log                                    the Go program's output"
