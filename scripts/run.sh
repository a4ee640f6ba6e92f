#!/usr/bin/env bash
# The main job (README.md): a local fleet on the embedded default. Installs
# what is missing, builds, starts a collector (RocksDB under ./leakprof-data),
# an analyzer, and example Go services (some leaking, some healthy) each with
# its own agent; prints where to look and the ranked suspects as they appear;
# Ctrl-C stops everything it started.
#
#   scripts/run.sh                        # 6 instances, 30 minutes
#   scripts/run.sh --fleet=10 --duration=1h
#   scripts/run.sh --target=http://127.0.0.1:6060/debug/pprof/
#                                         # watch services you already run
#   scripts/run.sh --help
#
# The whole logic is scripts/fleet.sh (and examples/fleet.py). The former
# main job, a one-shot parse of a real Go program's profiles, is
# scripts/parse-demo.sh.
exec "$(dirname "${BASH_SOURCE[0]}")/fleet.sh" "$@"
