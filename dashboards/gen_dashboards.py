#!/usr/bin/env python3
"""Generates leakprof's Grafana dashboards (dashboards/*.json).

    python3 dashboards/gen_dashboards.py          # rewrite the JSON files
    python3 dashboards/gen_dashboards.py --check  # exit 1 if they differ

Edit the panels here, not the JSON: one place for the queries, consistent
layout, ids and data source. Every expression uses the metric names of
docs/metrics.md; tests/e2e:prometheus_queries_test runs each one against a
real Prometheus. Grafana variables used in expressions: $service,
$__rate_interval (the test substitutes both).
"""
import json
import os
import sys

DS = {'type': 'prometheus', 'uid': '${ds}'}
# A site is a suspect when its score is over leakprof-analyzer --threshold
# (default 50; scores run 0-100, +100 when confirmed). Keep them equal.
THRESHOLD = 50
HERE = os.path.dirname(os.path.abspath(__file__))


class Board:
    def __init__(self, uid, title, description, tags, variables=()):
        self.uid, self.title, self.description, self.tags = uid, title, description, tags
        self.panels = []
        self.x = 0
        self.y = 0
        self.row_h = 0
        self.variables = list(variables)

    def row(self, title):
        self.newline()
        self.panels.append({'type': 'row', 'title': title, 'collapsed': False,
                            'gridPos': {'h': 1, 'w': 24, 'x': 0, 'y': self.y}, 'panels': []})
        self.y += 1

    def newline(self):
        if self.x:
            self.y += self.row_h
            self.x = 0
            self.row_h = 0

    def add(self, panel, w, h):
        if self.x + w > 24:
            self.newline()
        panel['gridPos'] = {'h': h, 'w': w, 'x': self.x, 'y': self.y}
        self.x += w
        self.row_h = max(self.row_h, h)
        self.panels.append(panel)

    def json(self):
        for i, p in enumerate(self.panels, start=1):
            p['id'] = i
        templating = [{
            'name': 'ds', 'label': 'Prometheus', 'type': 'datasource', 'query': 'prometheus',
            'current': {}, 'hide': 0, 'refresh': 1, 'regex': '', 'options': [],
        }] + self.variables
        return {
            'uid': self.uid, 'title': self.title, 'description': self.description,
            'tags': ['leakprof'] + self.tags, 'editable': True, 'schemaVersion': 37,
            'version': 1, 'time': {'from': 'now-6h', 'to': 'now'}, 'refresh': '1m',
            'timezone': '', 'graphTooltip': 1, 'fiscalYearStartMonth': 0,
            'liveNow': False, 'weekStart': '',
            'annotations': {'list': []},
            'links': [{'title': 'leakprof dashboards', 'type': 'dashboards', 'tags': ['leakprof'],
                       'asDropdown': True, 'includeVars': False, 'keepTime': True}],
            'templating': {'list': templating},
            'panels': self.panels,
        }


def target(expr, legend='', ref='A', instant=False, fmt='time_series'):
    t = {'datasource': DS, 'expr': expr, 'refId': ref, 'legendFormat': legend or '__auto',
         'range': not instant, 'instant': instant, 'format': fmt}
    return t


def timeseries(title, desc, targets, unit='short', stack=False):
    return {
        'type': 'timeseries', 'title': title, 'description': desc, 'datasource': DS,
        'targets': targets,
        'fieldConfig': {'defaults': {'unit': unit, 'custom': {
            'drawStyle': 'line', 'lineWidth': 1, 'fillOpacity': 10 if stack else 0,
            'stacking': {'mode': 'normal' if stack else 'none', 'group': 'A'},
            'showPoints': 'never', 'spanNulls': False}}, 'overrides': []},
        'options': {'legend': {'displayMode': 'table', 'placement': 'bottom', 'showLegend': True,
                               'calcs': ['lastNotNull', 'max']},
                    'tooltip': {'mode': 'multi', 'sort': 'desc'}},
    }


def stat(title, desc, expr, unit='short', thresholds=None):
    steps = [{'color': 'green', 'value': None}]
    for value, color in (thresholds or []):
        steps.append({'color': color, 'value': value})
    return {
        'type': 'stat', 'title': title, 'description': desc, 'datasource': DS,
        'targets': [target(expr, instant=True)],
        'fieldConfig': {'defaults': {'unit': unit, 'thresholds': {'mode': 'absolute', 'steps': steps},
                                     'color': {'mode': 'thresholds'}}, 'overrides': []},
        'options': {'reduceOptions': {'calcs': ['lastNotNull'], 'fields': '', 'values': False},
                    'colorMode': 'background', 'graphMode': 'area', 'textMode': 'auto',
                    'justifyMode': 'auto', 'orientation': 'auto'},
    }


def suspects_table(title, desc, selector):
    """Top suspects, one row per site: score, goroutines, growth, memory."""
    def q(metric, ref):
        return target('topk(25, %s%s)' % (metric, selector) if ref == 'A' else
                      '%s%s' % (metric, selector), ref=ref, instant=True, fmt='table')
    link = ('${analyzer}/#/site/${__data.fields.service}/${__data.fields.site_id}')
    return {
        'type': 'table', 'title': title, 'description': desc, 'datasource': DS,
        'targets': [q('leakprof_suspect_score', 'A'), q('leakprof_site_goroutines', 'B'),
                    q('leakprof_site_growth_per_hour', 'C'), q('leakprof_site_est_bytes', 'D')],
        'transformations': [
            {'id': 'merge', 'options': {}},
            {'id': 'organize', 'options': {
                'excludeByName': {'Time': True, 'job': True, 'instance': True, '__name__': True},
                'indexByName': {'service': 0, 'function': 1, 'class': 2, 'site_id': 3,
                                'Value #A': 4, 'Value #B': 5, 'Value #C': 6, 'Value #D': 7},
                'renameByName': {'Value #A': 'score', 'Value #B': 'goroutines',
                                 'Value #C': 'growth/h', 'Value #D': 'memory'}}},
            {'id': 'sortBy', 'options': {'sort': [{'field': 'score', 'desc': True}]}},
        ],
        'fieldConfig': {'defaults': {'custom': {'align': 'auto'}}, 'overrides': [
            {'matcher': {'id': 'byName', 'options': 'memory'},
             'properties': [{'id': 'unit', 'value': 'bytes'}]},
            {'matcher': {'id': 'byName', 'options': 'score'},
             'properties': [{'id': 'decimals', 'value': 2},
                            {'id': 'custom.displayMode', 'value': 'color-background'},
                            {'id': 'thresholds', 'value': {'mode': 'absolute', 'steps': [
                                {'color': 'transparent', 'value': None},
                                {'color': 'red', 'value': THRESHOLD}]}}]},
            {'matcher': {'id': 'byName', 'options': 'function'},
             'properties': [{'id': 'links', 'value': [
                 {'title': 'Open in leakprof', 'url': link, 'targetBlank': True}]}]},
        ]},
        'options': {'showHeader': True, 'footer': {'show': False}},
    }


ANALYZER_VAR = {
    'name': 'analyzer', 'label': 'Analyzer URL', 'type': 'textbox',
    'query': 'http://localhost:7072', 'current': {'text': 'http://localhost:7072',
                                                   'value': 'http://localhost:7072'},
    'hide': 0, 'options': [],
}


def fleet():
    b = Board('leakprof-fleet', 'leakprof / Fleet overview',
              'Goroutine-leak suspects across the fleet: what the analyzer ranks first, '
              'how fast it grows, how much memory is at stake.', ['fleet'], [ANALYZER_VAR])
    b.add(stat('Suspect sites', 'Sites over the analyzer\'s alerting threshold.',
               'max(leakprof_analyzer_suspects)', thresholds=[(1, 'red')]), 6, 4)
    b.add(stat('Goroutines at suspect sites', 'Fleet goroutines at the suspect sites.',
               'sum(leakprof_site_goroutines and on (service, site_id) '
               'leakprof_suspect_score > %d) or vector(0)' % THRESHOLD), 6, 4)
    b.add(stat('Memory at stake', 'Estimated stack memory held at suspect sites '
               '(stack size per class; see docs/analyzer.md).',
               'sum(leakprof_site_est_bytes and on (service, site_id) '
               'leakprof_suspect_score > %d) or vector(0)' % THRESHOLD, unit='bytes', thresholds=[(1 << 30, 'red')]), 6, 4)
    b.add(stat('Services monitored', 'Services with at least one agent reporting.',
               'count(count by (service) (leakprof_agent_target_goroutines))'), 6, 4)
    b.add(suspects_table('Top suspects', 'Highest-scoring sites (the analyzer exports at most '
                         '--max-suspect-series). Click a function to open its page.', ''), 24, 10)
    b.add(timeseries('Growth of the top sites', 'Fleet goroutines per hour at the 10 fastest-'
                     'growing sites.', [target('topk(10, leakprof_site_growth_per_hour)',
                                               '{{service}} {{function}}')]), 12, 9)
    b.add(timeseries('Goroutines at the top sites', 'Fleet goroutines at the 10 largest sites.',
                     [target('topk(10, leakprof_site_goroutines)', '{{service}} {{function}}')]),
          12, 9)
    b.add(timeseries('Memory at stake by service', 'Estimated bytes held at the exported sites, '
                     'per service.', [target('sum by (service) (leakprof_site_est_bytes)',
                                             '{{service}}')], unit='bytes', stack=True), 12, 9)
    b.add(timeseries('Goroutines by service', 'All goroutines of every instance, per service.',
                     [target('sum by (service) (leakprof_agent_target_goroutines)',
                             '{{service}}')], stack=True), 12, 9)
    return b


def service():
    var = {
        'name': 'service', 'label': 'Service', 'type': 'query', 'datasource': DS,
        'query': {'query': 'label_values(leakprof_agent_target_goroutines, service)',
                  'refId': 'service'},
        'definition': 'label_values(leakprof_agent_target_goroutines, service)',
        'refresh': 2, 'sort': 1, 'multi': False, 'includeAll': False, 'current': {},
        'hide': 0, 'options': [], 'regex': '',
    }
    sel = '{service="$service"}'
    b = Board('leakprof-service', 'leakprof / Service', 'One service: its sites over time, '
              'its instances, and how well they are sampled.', ['service'], [var, ANALYZER_VAR])
    b.add(stat('Instances', 'Instances with an agent reporting.',
               'count(leakprof_agent_target_goroutines%s)' % sel), 6, 4)
    b.add(stat('Goroutines', 'All goroutines over the instances.',
               'sum(leakprof_agent_target_goroutines%s)' % sel), 6, 4)
    b.add(stat('Suspect sites', 'This service\'s sites over the alerting threshold.',
               'count(leakprof_suspect_score%s > %d) or vector(0)' % (sel, THRESHOLD),
               thresholds=[(1, 'red')]), 6, 4)
    b.add(stat('Memory at stake', 'Estimated bytes at this service\'s suspect sites.',
               'sum(leakprof_site_est_bytes%s and on (service, site_id) '
               'leakprof_suspect_score > %d) or vector(0)' % (sel, THRESHOLD), unit='bytes'), 6, 4)
    b.add(suspects_table('Sites of $service', 'Its exported sites, highest score first.', sel),
          24, 8)
    b.add(timeseries('Goroutines per site', 'Fleet goroutines at each exported site.',
                     [target('leakprof_site_goroutines%s' % sel, '{{function}} ({{class}})')]),
          12, 9)
    b.add(timeseries('Growth per site', 'Goroutines per hour at each exported site.',
                     [target('leakprof_site_growth_per_hour%s' % sel,
                             '{{function}} ({{class}})')]), 12, 9)
    b.add(timeseries('Goroutines per instance', 'Total goroutines of each instance.',
                     [target('leakprof_agent_target_goroutines%s' % sel, '{{instance}}')]), 12, 9)
    b.add(timeseries('Scrapes by result', 'Profile scrapes per second of this service\'s '
                     'instances, by result.',
                     [target('sum by (result) (rate(leakprof_agent_scrapes_total%s'
                             '[$__rate_interval]))' % sel, '{{result}}')], unit='reqps',
                     stack=True), 12, 9)
    b.add(timeseries('Scrape interval', 'Current interval of each agent (stretched by the '
                     'CPU budget on big profiles).',
                     [target('leakprof_agent_scrape_interval_seconds%s' % sel, '{{instance}}')],
                     unit='s'), 12, 9)
    b.add(timeseries('Profile size', 'Bytes of the last profile fetched.',
                     [target('leakprof_agent_profile_bytes%s' % sel,
                             '{{instance}} {{profile}}')], unit='bytes'), 12, 9)
    return b


def health():
    b = Board('leakprof-health', 'leakprof / Health', 'leakprof\'s own health: scrapes, '
              'pushes, spool, ingest, storage, evaluation.', ['health'])
    rate = '[$__rate_interval]'
    b.add(stat('Agents up', 'Agents Prometheus scrapes successfully.',
               'sum(up{job="leakprof-agent"})'), 6, 4)
    b.add(stat('Collectors up', '', 'sum(up{job="leakprof-collector"})',
               thresholds=None), 6, 4)
    b.add(stat('Analyzers up', '', 'sum(up{job="leakprof-analyzer"})'), 6, 4)
    b.add(stat('Live instances', 'Instances with a snapshot in the last 10 minutes '
               '(collector).', 'sum(leakprof_collector_instances_live)'), 6, 4)
    b.row('Agents: scrapes')
    b.add(timeseries('Scrapes by result', 'Target profile scrapes per second.',
                     [target('sum by (result) (rate(leakprof_agent_scrapes_total%s))' % rate,
                             '{{result}}')], unit='reqps', stack=True), 8, 8)
    b.add(timeseries('Scrape duration p95', 'Fetch + parse, by profile kind.',
                     [target('histogram_quantile(0.95, sum by (le, profile) '
                             '(rate(leakprof_agent_scrape_duration_seconds_bucket%s)))' % rate,
                             '{{profile}}')], unit='s'), 8, 8)
    b.add(timeseries('Seconds since last good scrape', 'Per target; alert '
                     'LeakprofAgentNotScraping fires past 3 intervals.',
                     [target('time() - leakprof_agent_last_scrape_success_timestamp_seconds',
                             '{{service}}/{{instance}}')], unit='s'), 8, 8)
    b.add(timeseries('Snapshot size', 'Encoded bytes of the last snapshot per target.',
                     [target('leakprof_agent_snapshot_bytes', '{{service}}/{{instance}}')],
                     unit='bytes'), 8, 8)
    b.add(timeseries('Profile size', 'Bytes of the last profile fetched.',
                     [target('max by (profile) (leakprof_agent_profile_bytes)', '{{profile}}')],
                     unit='bytes'), 8, 8)
    b.add(timeseries('Scrape interval', 'Current interval per target.',
                     [target('leakprof_agent_scrape_interval_seconds',
                             '{{service}}/{{instance}}')], unit='s'), 8, 8)
    b.row('Agents: pushes and spool')
    b.add(timeseries('Agent pushes by result', 'Push RPCs per second, as agents see them.',
                     [target('sum by (result) (rate(leakprof_agent_pushes_total%s))' % rate,
                             '{{result}}')], unit='reqps', stack=True), 8, 8)
    b.add(timeseries('Push latency p95', 'One Push RPC, agent side.',
                     [target('histogram_quantile(0.95, sum by (le) '
                             '(rate(leakprof_agent_push_duration_seconds_bucket%s)))' % rate,
                             'p95')], unit='s'), 8, 8)
    b.add(timeseries('Spool', 'Snapshots waiting on disk per agent, and drops.',
                     [target('leakprof_agent_spool_snapshots', '{{instance}} waiting'),
                      target('sum by (instance) (increase(leakprof_agent_spool_dropped_total%s))'
                             % rate, '{{instance}} dropped', ref='B')]), 8, 8)
    b.add(timeseries('Spool bytes', 'Bytes waiting on disk per agent.',
                     [target('leakprof_agent_spool_bytes', '{{instance}}')], unit='bytes'), 8, 8)
    b.row('Collector: ingest and storage')
    b.add(timeseries('Collector pushes by result', 'Pushes received per second.',
                     [target('sum by (result) (rate(leakprof_collector_pushes_total%s))' % rate,
                             '{{result}}')], unit='reqps', stack=True), 8, 8)
    b.add(timeseries('Push handling p95', 'Collector side, durable write included.',
                     [target('histogram_quantile(0.95, sum by (le) '
                             '(rate(leakprof_collector_push_duration_seconds_bucket%s)))' % rate,
                             'p95')], unit='s'), 8, 8)
    b.add(timeseries('Points written', 'Stack points stored per second.',
                     [target('sum(rate(leakprof_collector_points_written_total%s))' % rate,
                             'points/s')]), 8, 8)
    b.add(timeseries('Storage', 'RocksDB size by kind.',
                     [target('sum by (kind) (leakprof_collector_storage_bytes)', '{{kind}}')],
                     unit='bytes', stack=True), 8, 8)
    b.add(timeseries('Stacks known, instances live', '',
                     [target('sum(leakprof_collector_stacks_known)', 'stacks'),
                      target('sum(leakprof_collector_instances_live)', 'instances', ref='B')]),
          8, 8)
    b.add(timeseries('Queries, compactions, retention', 'Per second.',
                     [target('sum by (method, result) '
                             '(rate(leakprof_collector_queries_total%s))' % rate,
                             'query {{method}} {{result}}'),
                      target('sum(rate(leakprof_collector_compactions_total%s))' % rate,
                             'compactions', ref='B'),
                      target('sum(rate(leakprof_collector_retention_deleted_total%s))' % rate,
                             'retention deletes', ref='C')]), 8, 8)
    b.row('Analyzer')
    b.add(timeseries('Evaluations by result', 'Rounds per second.',
                     [target('sum by (result) (rate(leakprof_analyzer_evaluations_total%s))'
                             % rate, '{{result}}')], unit='reqps'), 6, 8)
    b.add(timeseries('Evaluation duration p95', 'One round over all services.',
                     [target('histogram_quantile(0.95, sum by (le) '
                             '(rate(leakprof_analyzer_evaluation_duration_seconds_bucket%s)))'
                             % rate, 'p95')], unit='s'), 6, 8)
    b.add(timeseries('Sites evaluated, suspects', '',
                     [target('max(leakprof_analyzer_sites_evaluated)', 'sites'),
                      target('max(leakprof_analyzer_suspects)', 'suspects', ref='B')]), 6, 8)
    b.add(timeseries('Alerts sent', 'Deliveries per second by sink and result.',
                     [target('sum by (sink, result) '
                             '(rate(leakprof_analyzer_alerts_sent_total%s))' % rate,
                             '{{sink}} {{result}}')], unit='reqps'), 6, 8)
    return b


BOARDS = {'leakprof-fleet.json': fleet, 'leakprof-service.json': service,
          'leakprof-health.json': health}


def main():
    check = '--check' in sys.argv[1:]
    stale = []
    for name, make in BOARDS.items():
        text = json.dumps(make().json(), indent=2, sort_keys=True) + '\n'
        path = os.path.join(HERE, name)
        if check:
            try:
                with open(path) as f:
                    if f.read() != text:
                        stale.append(name)
            except FileNotFoundError:
                stale.append(name)
        else:
            with open(path, 'w') as f:
                f.write(text)
    if stale:
        sys.exit('gen_dashboards: out of date: %s (run python3 dashboards/gen_dashboards.py)'
                 % ', '.join(stale))


if __name__ == '__main__':
    main()
