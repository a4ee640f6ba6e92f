#!/usr/bin/env bash
# Runs prometheus_queries_test.py from the runfiles tree: every dashboard and
# rule expression through a real Prometheus. Extra arguments (e.g. --bins=...)
# are passed on. See prometheus_queries_test.py.
set -euo pipefail
cd "${TEST_SRCDIR:-.}/${TEST_WORKSPACE:-}"
export HOME="${TEST_TMPDIR:-/tmp}"
# fleet.py lives in examples/; the runfiles tree keeps the layout.
exec python3 tests/e2e/prometheus_queries_test.py \
  --dashboards=dashboards/leakprof-fleet.json,dashboards/leakprof-service.json,dashboards/leakprof-health.json \
  --rules=deploy/prometheus/rules.yml "$@"
