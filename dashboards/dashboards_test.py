#!/usr/bin/env python3
"""//dashboards:dashboards_test: the Grafana files are well-formed.

- the JSON is what gen_dashboards.py generates (not edited by hand);
- each dashboard: unique uid, unique panel ids, panels inside the 24-column
  grid and not overlapping, every query panel on the ${ds} data source with
  at least one PromQL target;
- every expression names only metrics of docs/metrics.md (tests/e2e/exprs.py),
  and the check catches a name that is not there;
- the provisioning YAML parses and points at the files and data source uid.
Run from the runfiles root (Bazel) or the repository root.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

import yaml

ROOT = os.environ.get('TEST_SRCDIR', '')
if ROOT:
    ROOT = os.path.join(ROOT, os.environ.get('TEST_WORKSPACE', 'leakprof'))
else:
    ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
D = os.path.join(ROOT, 'dashboards')
failures = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what)
    if not cond:
        failures.append(what)


def main():
    r = subprocess.run([sys.executable, os.path.join(D, 'gen_dashboards.py'), '--check'],
                       capture_output=True, text=True)
    check(r.returncode == 0, 'JSON matches gen_dashboards.py ' + r.stderr.strip())
    boards = sorted(glob.glob(os.path.join(D, '*.json')))
    check(len(boards) == 3, '%d dashboards' % len(boards))
    uids = set()
    for path in boards:
        name = os.path.basename(path)
        with open(path) as f:
            b = json.load(f)
        check(b['uid'] not in uids and len(b['uid']) <= 40, name + ': uid ' + b['uid'])
        uids.add(b['uid'])
        ids = [p['id'] for p in b['panels']]
        check(len(ids) == len(set(ids)), name + ': unique panel ids')
        cells = set()
        overlap = False
        for p in b['panels']:
            g = p['gridPos']
            check(0 <= g['x'] and g['x'] + g['w'] <= 24, '%s: panel %d in the grid' % (name, p['id']))
            for x in range(g['x'], g['x'] + g['w']):
                for y in range(g['y'], g['y'] + g['h']):
                    overlap |= (x, y) in cells
                    cells.add((x, y))
            if p['type'] == 'row':
                continue
            check(p.get('datasource', {}).get('uid') == '${ds}' and p.get('targets') and
                  all(t.get('expr') and t.get('datasource', {}).get('uid') == '${ds}'
                      for t in p['targets']),
                  '%s: panel %d "%s" queries ${ds}' % (name, p['id'], p['title']))
        check(not overlap, name + ': no overlapping panels')
        check(any(v['name'] == 'ds' and v['type'] == 'datasource'
                  for v in b['templating']['list']), name + ': has the ds variable')
    exprs = os.path.join(ROOT, 'tests', 'e2e', 'exprs.py')
    md = os.path.join(ROOT, 'docs', 'metrics.md')
    r = subprocess.run([sys.executable, exprs, 'check', '--dashboards', ','.join(boards),
                        '--metrics-md', md], capture_output=True, text=True)
    check(r.returncode == 0, 'metric names in docs/metrics.md: ' + r.stdout.strip().splitlines()[-1]
          + ('\n' + r.stdout if r.returncode else ''))
    with tempfile.TemporaryDirectory(dir=os.environ.get('TEST_TMPDIR')) as tmp:
        bad = os.path.join(tmp, 'bad.json')
        with open(bad, 'w') as f:
            json.dump({'panels': [{'id': 1, 'title': 't', 'targets': [
                {'refId': 'A', 'expr': 'rate(leakprof_agent_scrape_totals[5m])'}]}]}, f)
        r = subprocess.run([sys.executable, exprs, 'check', '--dashboards', bad,
                            '--metrics-md', md], capture_output=True, text=True)
        check(r.returncode == 1 and 'leakprof_agent_scrape_totals' in r.stdout,
              'the name check catches a misspelt metric')
    with open(os.path.join(D, 'provisioning', 'datasources', 'leakprof.yaml')) as f:
        ds = yaml.safe_load(f)
    check(ds['apiVersion'] == 1 and ds['datasources'][0]['type'] == 'prometheus' and
          ds['datasources'][0]['uid'] == 'leakprof-prometheus', 'datasource provisioning')
    with open(os.path.join(D, 'provisioning', 'dashboards', 'leakprof.yaml')) as f:
        dp = yaml.safe_load(f)
    check(dp['apiVersion'] == 1 and dp['providers'][0]['type'] == 'file' and
          dp['providers'][0]['options']['path'], 'dashboard provider provisioning')
    print('FAIL' if failures else 'PASS')
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
