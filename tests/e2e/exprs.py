#!/usr/bin/env python3
"""Every PromQL expression leakprof ships, and the metric names they use.

    exprs.py list  --dashboards D1.json,... --rules R.yml [--service S]
    exprs.py check --dashboards D1.json,... --rules R.yml --metrics-md docs/metrics.md

`list` prints one JSON object per line: {"where", "expr"} with Grafana
variables substituted ($service -> --service, $__rate_interval -> 1m, ...).
`check` verifies that every expression names only metrics listed in
docs/metrics.md (the contract) or Prometheus's own (up, ...), and prints one
line per problem; exits 1 on any. Used by //dashboards:dashboards_test and
//tests/e2e:prometheus_queries_test. Standard library + PyYAML (Debian's
python3-yaml).
"""
import argparse
import json
import re
import sys

import yaml

GRAFANA_VARS = {
    '$__rate_interval': '1m',
    '${__rate_interval}': '1m',
    '$__interval': '15s',
    '${__interval}': '15s',
    '$__range': '1h',
}
# Names PromQL expressions may use besides the contract's.
PROMETHEUS_OWN = {'up', 'scrape_duration_seconds', 'scrape_samples_scraped'}
HISTOGRAM_SUFFIXES = ('_bucket', '_sum', '_count')
FUNCTIONS_AND_KEYWORDS = {
    'sum', 'max', 'min', 'avg', 'count', 'topk', 'bottomk', 'rate', 'irate', 'increase',
    'deriv', 'delta', 'histogram_quantile', 'clamp_min', 'clamp_max', 'time', 'vector',
    'and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right',
    'label_values', 'abs', 'scalar', 'offset', 'bool', 'le',
}


def dashboard_exprs(paths):
    out = []
    for path in paths:
        with open(path) as f:
            board = json.load(f)
        for panel in board.get('panels', []):
            for t in panel.get('targets', []) or []:
                if t.get('expr'):
                    out.append({'where': '%s: panel %d "%s" %s' % (
                        path.rsplit('/', 1)[-1], panel.get('id', 0), panel.get('title', ''),
                        t.get('refId', '')), 'expr': t['expr']})
        for var in board.get('templating', {}).get('list', []):
            q = var.get('query')
            if var.get('type') == 'query':
                q = q.get('query') if isinstance(q, dict) else q
                m = re.match(r'^label_values\((.+),\s*\w+\)$', q or '')
                if m:  # label_values(SELECTOR, label): the selector must return data
                    out.append({'where': '%s: variable %s' % (path.rsplit('/', 1)[-1],
                                                              var['name']), 'expr': m.group(1)})
    return out


def rule_exprs(path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    out = []
    for g in doc.get('groups', []):
        for r in g.get('rules', []):
            name = r.get('alert') or r.get('record')
            out.append({'where': '%s: %s' % (path.rsplit('/', 1)[-1], name),
                        'expr': r['expr'].strip()})
    return out


def substitute(expr, service):
    for k, v in GRAFANA_VARS.items():
        expr = expr.replace(k, v)
    return expr.replace('${service}', service).replace('$service', service)


def metric_names(expr):
    # Drop string literals and label matchers' values, then take identifiers
    # that look like metric names (not followed by '(' = functions).
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r'\{[^}]*\}', '', expr)
    expr = re.sub(r'\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)', '', expr)
    names = set()
    for m in re.finditer(r'\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?', expr):
        word, call = m.group(1), m.group(2)
        if call or word in FUNCTIONS_AND_KEYWORDS:
            continue
        if re.fullmatch(r'\d+[smhdwy]?', word) or word in ('e', 'Inf', 'NaN'):
            continue
        names.add(word)
    return names


def contract_names(metrics_md):
    names = set()
    with open(metrics_md) as f:
        for line in f:
            m = re.match(r'^\|\s*`([a-z_:][a-z0-9_:]*)`\s*\|\s*(\w+)', line)
            if m:
                names.add(m.group(1))
    return names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['list', 'check'])
    ap.add_argument('--dashboards', default='')
    ap.add_argument('--rules', default='')
    ap.add_argument('--service', default='svc')
    ap.add_argument('--metrics-md', default='')
    args = ap.parse_args()
    exprs = []
    if args.dashboards:
        exprs += dashboard_exprs([p for p in args.dashboards.split(',') if p])
    if args.rules:
        for p in args.rules.split(','):
            exprs += rule_exprs(p)
    if args.mode == 'list':
        for e in exprs:
            print(json.dumps({'where': e['where'], 'expr': substitute(e['expr'], args.service)}))
        return
    contract = contract_names(args.metrics_md)
    if len(contract) < 10:
        sys.exit('exprs: found only %d metric names in %s' % (len(contract), args.metrics_md))
    problems = []
    for e in exprs:
        for name in metric_names(substitute(e['expr'], args.service)):
            base = name
            for suf in HISTOGRAM_SUFFIXES:
                if name.endswith(suf) and name[:-len(suf)] in contract:
                    base = name[:-len(suf)]
            if base not in contract and base not in PROMETHEUS_OWN:
                problems.append('%s: metric %s is not in %s' % (e['where'], name,
                                                                 args.metrics_md))
    for p in problems:
        print(p)
    print('%d expressions, %d problems' % (len(exprs), len(problems)))
    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()
