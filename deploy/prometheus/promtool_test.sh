#!/usr/bin/env bash
# //deploy/prometheus:promtool_test: the Prometheus files pass Debian's
# promtool: `check rules`, `test rules` (rules_test.yml), `check config` of
# prometheus.yml, and of prometheus-k8s.yml with its kubernetes_sd_configs
# swapped for static ones (Debian builds Prometheus without Kubernetes
# discovery, so its promtool rejects that one field and nothing else).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
if [ -n "${TEST_SRCDIR:-}" ]; then
  root="$TEST_SRCDIR/${TEST_WORKSPACE:-leakprof}"
fi
dir="$root/deploy/prometheus"
command -v promtool >/dev/null || { echo "promtool_test: promtool not found; run scripts/install-deps.sh" >&2; exit 1; }
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
cp "$dir"/prometheus.yml "$dir"/prometheus-k8s.yml "$dir"/rules.yml \
  "$dir"/rules_test.yml "$dir"/agents.json "$tmp"/
cd "$tmp"

fail=0
run() {
  echo "+ $*"
  if ! "$@"; then echo "FAILED: $*"; fail=1; fi
}
run promtool check rules rules.yml
run promtool test rules rules_test.yml
run promtool check config prometheus.yml
python3 - <<'PY'
import yaml
with open('prometheus-k8s.yml') as f:
    cfg = yaml.safe_load(f)
n = 0
for job in cfg['scrape_configs']:
    if job.pop('kubernetes_sd_configs', None) is not None:
        job['static_configs'] = [{'targets': ['127.0.0.1:1']}]
        n += 1
assert n == len(cfg['scrape_configs']), 'every k8s job uses kubernetes_sd_configs'
with open('prometheus-k8s-static.yml', 'w') as f:
    yaml.safe_dump(cfg, f)
PY
run promtool check config prometheus-k8s-static.yml

# Every expression names only metrics of docs/metrics.md.
run python3 "$root/tests/e2e/exprs.py" check --rules rules.yml --metrics-md "$root/docs/metrics.md"

# Every alert has a severity label and a summary annotation.
run python3 - <<'PY'
import sys, yaml
rules = yaml.safe_load(open('rules.yml'))
bad = []
for g in rules['groups']:
    for r in g['rules']:
        if 'alert' not in r:
            continue
        if r.get('labels', {}).get('severity') not in ('info', 'warning', 'critical'):
            bad.append(r['alert'] + ': severity')
        if not r.get('annotations', {}).get('summary'):
            bad.append(r['alert'] + ': summary')
print('\n'.join(bad) or 'every alert has a severity and a summary')
sys.exit(1 if bad else 0)
PY
[ "$fail" -eq 0 ] && echo PASS || { echo FAIL; exit 1; }
