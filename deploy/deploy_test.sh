#!/usr/bin/env bash
# Runs deploy_test.py with the system python3 (PyYAML from python3-yaml).
set -euo pipefail
cd "${TEST_SRCDIR:-.}/${TEST_WORKSPACE:-}"
exec python3 deploy/deploy_test.py "$@"
