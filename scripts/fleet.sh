#!/usr/bin/env bash
# The main job on one machine: builds leakprof, starts a collector (data under
# ./leakprof-data), an analyzer, and a small fleet of example Go services
# (//tests/scenarios:service: some leaking in the scenario suite's patterns,
# some healthy), each with its own agent, on short intervals (agent 5s,
# analyzer 15s over a 15m window) so suspects show within minutes. Prints
# where to look, progress while it waits, and `leakprofctl top` when suspects
# appear; Ctrl-C stops everything it started.
#
#   scripts/fleet.sh                      # 6 instances, 30 minutes
#   scripts/fleet.sh --fleet=10 --duration=1h
#   scripts/fleet.sh --target=http://127.0.0.1:6060/debug/pprof/ \
#                    --target=api=http://10.0.0.5:6060/debug/pprof/
#                                         # watch services you already run
#   scripts/fleet.sh --prometheus         # plus a Prometheus scraping it all
#   scripts/fleet.sh --help               # every option (examples/fleet.py)
#
# Environment: LEAKPROF_SKIP_DEPS=1 skips scripts/install-deps.sh,
# LEAKPROF_SKIP_BUILD=1 skips the Bazel build (uses bazel-bin as it is).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
for a in "$@"; do
  case "$a" in
    -h|--help) exec python3 examples/fleet.py --bin-dir=. --help ;;
  esac
done

if [ "${LEAKPROF_SKIP_DEPS:-0}" != 1 ]; then
  scripts/install-deps.sh
fi

targets=(//:leakprof-collector //:leakprof-analyzer //:leakprof-agent //:leakprofctl
  //tests/scenarios:service)
if [ "${LEAKPROF_SKIP_BUILD:-0}" != 1 ]; then
  echo "fleet: building ${targets[*]}" >&2
  bazel build "${targets[@]}" >&2
fi

# Collect the binaries in one directory, wherever Bazel put them.
bin="$(pwd)/leakprof-data/bin"
mkdir -p "$bin"
link() {  # link NAME TARGET
  local path
  path="$(bazel cquery --output=starlark --starlark:expr='target.files.to_list()[0].path' \
    "$2" 2>/dev/null | tail -1)"
  [ -n "$path" ] && [ -e "$path" ] || { echo "fleet: no output for $2" >&2; exit 1; }
  ln -sf "$(pwd)/$path" "$bin/$1"
}
link leakprof-collector //:leakprof-collector
link leakprof-analyzer //:leakprof-analyzer
link leakprof-agent //:leakprof-agent
link leakprofctl //:leakprofctl
link service //tests/scenarios:service

exec python3 examples/fleet.py --bin-dir="$bin" "$@"
