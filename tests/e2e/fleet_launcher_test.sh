#!/usr/bin/env bash
# Runs fleet_launcher_test.py from the runfiles tree.
set -euo pipefail
cd "${TEST_SRCDIR:-.}/${TEST_WORKSPACE:-}"
exec python3 tests/e2e/fleet_launcher_test.py "$@"
