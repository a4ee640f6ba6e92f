#!/usr/bin/env bash
# Runs dashboards_test.py with the system python3 (PyYAML from python3-yaml).
set -euo pipefail
cd "${TEST_SRCDIR:-.}/${TEST_WORKSPACE:-}"
exec python3 dashboards/dashboards_test.py
