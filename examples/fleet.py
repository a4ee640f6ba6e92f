#!/usr/bin/env python3
"""A local leakprof fleet: collector, analyzer, example Go services, agents.

Started by scripts/fleet.sh (which builds the binaries first); also imported
by tests/e2e (the Fleet class). Standard library only.

    fleet.py --bin-dir DIR [--fleet=N] [--duration=30m] [--target [SERVICE=]URL ...]
             [--data-dir=./leakprof-data] [--base-port=7070] [--prometheus]

--bin-dir holds leakprof-collector, leakprof-analyzer, leakprof-agent,
leakprofctl and service (//tests/scenarios:service). Every process's log goes
to DATA_DIR/logs/NAME.log. Ctrl-C (or SIGTERM, or --duration) stops
everything this script started, gracefully (SIGTERM, then SIGKILL after
10 s).
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

# The example fleet: each instance runs //tests/scenarios:service with these
# leak patterns and benign workloads; instances are dealt out round robin, so
# --fleet=6 gives 2 checkout, 2 search, 1 inventory, 1 payments.
SERVICE_KINDS = [
    ('checkout', 'premature_return,range_unclosed', 'pool,read_loop'),
    ('search', 'ncast,ticker_no_stop', 'bursty,stopped_ticker'),
    ('inventory', '', 'pool,sleepers,big_pool,accept'),  # healthy
    ('payments', 'nil_chan', 'bursty,sleepers'),
]
MAX_DURATION_S = 24 * 3600


def log(msg):
    sys.stderr.write('fleet: %s\n' % msg)
    sys.stderr.flush()


def parse_duration(text):
    m = re.fullmatch(r'(\d+(?:\.\d+)?)(ms|s|m|h)?', text.strip())
    if not m:
        raise argparse.ArgumentTypeError('bad duration %r (e.g. 90s, 30m, 2h)' % text)
    scale = {'ms': 0.001, 's': 1, 'm': 60, 'h': 3600, None: 1}[m.group(2)]
    return float(m.group(1)) * scale


def port_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(('127.0.0.1', port))
            return True
        except OSError:
            return False


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read()


class Proc:
    def __init__(self, name, popen, log_path):
        self.name, self.popen, self.log_path = name, popen, log_path

    def alive(self):
        return self.popen.poll() is None

    def tail(self, n=5):
        try:
            with open(self.log_path, errors='replace') as f:
                return ''.join(f.readlines()[-n:])
        except OSError:
            return ''


class Fleet:
    """Starts and stops the processes of a local fleet. Not thread-safe."""

    def __init__(self, bin_dir, data_dir, base_port=7070, agent_interval='5s',
                 analyzer_interval='15s', analyzer_window='15m', leak_per_minute=20,
                 extra_analyzer_flags=(), extra_agent_flags=()):
        self.bin_dir = os.path.abspath(bin_dir)
        self.data_dir = os.path.abspath(data_dir)
        self.logs = os.path.join(self.data_dir, 'logs')
        os.makedirs(self.logs, exist_ok=True)
        self.base_port = base_port
        self.collector_grpc = '127.0.0.1:%d' % base_port
        self.collector_http = '127.0.0.1:%d' % (base_port + 1)
        self.analyzer_http = '127.0.0.1:%d' % (base_port + 2)
        self.agent_interval = agent_interval
        self.analyzer_interval = analyzer_interval
        self.analyzer_window = analyzer_window
        self.leak_per_minute = leak_per_minute
        self.extra_analyzer_flags = list(extra_analyzer_flags)
        self.extra_agent_flags = list(extra_agent_flags)
        self.procs = []
        self.agents = []    # (name, http addr)
        self.services = []  # (service, instance, pprof URL)
        self.prometheus = None

    def binary(self, name):
        path = os.path.join(self.bin_dir, name)
        if not os.access(path, os.X_OK):
            raise RuntimeError('%s not found or not executable; build it first '
                               '(scripts/fleet.sh does)' % path)
        return path

    def start(self, name, argv, stdout_to_log=True):
        log_path = os.path.join(self.logs, name + '.log')
        f = open(log_path, 'ab')
        # A new session: Ctrl-C reaches only this script, which then stops
        # the children in order.
        p = subprocess.Popen(argv, stdout=f if stdout_to_log else subprocess.PIPE, stderr=f,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        f.close()
        proc = Proc(name, p, log_path)
        self.procs.append(proc)
        log('started %s (pid %d): %s' % (name, p.pid, ' '.join(argv)))
        return proc

    def wait_healthy(self, proc, addr, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not proc.alive():
                raise RuntimeError('%s exited (code %s); its log %s ends:\n%s' % (
                    proc.name, proc.popen.returncode, proc.log_path, proc.tail()))
            try:
                if http_get('http://%s/healthz' % addr, timeout=2).strip() == b'ok':
                    return
            except (urllib.error.URLError, OSError, ValueError):
                pass
            time.sleep(0.2)
        raise RuntimeError('%s not healthy on %s after %ds; log %s:\n%s' % (
            proc.name, addr, timeout, proc.log_path, proc.tail()))

    def check_ports(self, ports):
        busy = [p for p in ports if not port_free(p)]
        if busy:
            raise RuntimeError('ports %s are in use (another leakprof?); stop it or pass '
                               '--base-port' % busy)

    def start_collector(self):
        self.check_ports([self.base_port, self.base_port + 1])
        p = self.start('collector', [
            self.binary('leakprof-collector'),
            '--data_dir=' + os.path.join(self.data_dir, 'collector'),
            '--grpc_addr=' + self.collector_grpc,
            '--http_addr=' + self.collector_http,
        ])
        self.wait_healthy(p, self.collector_http)

    def start_analyzer(self):
        self.check_ports([self.base_port + 2])
        p = self.start('analyzer', [
            self.binary('leakprof-analyzer'),
            '--collector=' + self.collector_grpc,
            '--interval=' + self.analyzer_interval,
            '--window=' + self.analyzer_window,
            '--http_addr=' + self.analyzer_http,
        ] + self.extra_analyzer_flags)
        self.wait_healthy(p, self.analyzer_http)

    def page_url(self):
        """The web page's URL: the analyzer's own, or (an analyzer built
        without //web:assets) web/ served by tests/e2e/fixture_server.py with
        the analyzer's API forwarded."""
        try:
            if b'app.js' in http_get('http://%s/' % self.analyzer_http, timeout=5):
                return 'http://%s/' % self.analyzer_http
        except (urllib.error.URLError, OSError):
            pass
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        server = os.path.join(root, 'tests', 'e2e', 'fixture_server.py')
        web = os.path.join(root, 'web')
        if not (os.path.exists(server) and os.path.isdir(web)):
            return 'http://%s/ (this analyzer serves no page)' % self.analyzer_http
        p = self.start('page', [sys.executable, server, '--web-dir', web, '--port', '0',
                                '--api-upstream', 'http://' + self.analyzer_http],
                       stdout_to_log=False)
        line = p.popen.stdout.readline().decode(errors='replace').strip()
        m = re.match(r'^listening on (\S+)$', line)
        return 'http://%s/' % m.group(1) if m else 'http://%s/' % self.analyzer_http

    def start_service(self, service, instance, patterns, benign):
        """Starts one //tests/scenarios:service; returns its pprof root URL."""
        argv = [self.binary('service'), '-addr', '127.0.0.1:0',
                '-leak-per-minute', str(self.leak_per_minute)]
        if patterns:
            argv += ['-patterns', patterns]
        if benign:
            argv += ['-benign', benign]
        return self.start_target(service, instance, argv)

    def start_target(self, service, instance, argv):
        """Starts a program that prints "listening on HOST:PORT" then
        "ready" and serves /debug/pprof/; returns its pprof root URL."""
        p = self.start('service-' + instance, argv, stdout_to_log=False)
        addr = None
        deadline = time.monotonic() + 30
        # The service prints "listening on HOST:PORT" then "ready".
        while time.monotonic() < deadline:
            line = p.popen.stdout.readline()
            if not line:
                break
            line = line.decode(errors='replace').strip()
            m = re.match(r'^listening on (\S+)$', line)
            if m:
                addr = m.group(1)
            if line == 'ready':
                break
        if not addr:
            raise RuntimeError('service %s printed no address; log %s:\n%s' % (
                instance, p.log_path, p.tail()))
        # Keep draining its stdout into the log so it never blocks on a full
        # pipe.
        def drain(pipe, path):
            with open(path, 'ab') as out:
                for chunk in iter(lambda: pipe.read1(65536), b''):
                    out.write(chunk)
                    out.flush()
        threading.Thread(target=drain, args=(p.popen.stdout, p.log_path), daemon=True).start()
        url = 'http://%s/debug/pprof/' % addr
        self.services.append((service, instance, url))
        return url

    def start_agent(self, service, instance, target_url, http_port=None):
        http_port = http_port or free_port()
        addr = '127.0.0.1:%d' % http_port
        spool = os.path.join(self.data_dir, 'spool', instance)
        os.makedirs(spool, exist_ok=True)
        p = self.start('agent-' + instance, [
            self.binary('leakprof-agent'),
            '--target=' + target_url,
            '--service=' + service,
            '--instance=' + instance,
            '--collector=' + self.collector_grpc,
            '--interval=' + self.agent_interval,
            # A demo on short intervals: up to 1 % of a core for the
            # services' profiles (production default: 0.1 %), so the 5 s
            # interval is not stretched and leaks show within minutes.
            '--budget=0.01',
            '--http_addr=' + addr,
            '--spool_dir=' + spool,
        ] + self.extra_agent_flags)
        self.wait_healthy(p, addr)
        self.agents.append((instance, addr))
        return addr

    def start_example_fleet(self, n):
        counts = {}
        for i in range(n):
            service, patterns, benign = SERVICE_KINDS[i % len(SERVICE_KINDS)]
            counts[service] = counts.get(service, 0) + 1
            instance = '%s-%d' % (service, counts[service] - 1)
            url = self.start_service(service, instance, patterns, benign)
            self.start_agent(service, instance, url)

    def start_prometheus(self, rules_path=None, port=None):
        """Debian's prometheus on loopback scraping every process (1 s)."""
        exe = shutil.which('prometheus')
        if not exe:
            raise RuntimeError('prometheus not installed (scripts/install-deps.sh)')
        port = port or free_port()
        pdir = os.path.join(self.data_dir, 'prometheus')
        os.makedirs(pdir, exist_ok=True)
        cfg = {
            'global': {'scrape_interval': '1s', 'evaluation_interval': '1s'},
            'scrape_configs': [
                {'job_name': 'leakprof-agent', 'honor_labels': True,
                 'static_configs': [{'targets': [a for _, a in self.agents]}]},
                {'job_name': 'leakprof-collector',
                 'static_configs': [{'targets': [self.collector_http]}]},
                {'job_name': 'leakprof-analyzer', 'honor_labels': True,
                 'static_configs': [{'targets': [self.analyzer_http]}]},
            ],
        }
        if rules_path:
            shutil.copy(rules_path, os.path.join(pdir, 'rules.yml'))
            cfg['rule_files'] = ['rules.yml']
        with open(os.path.join(pdir, 'prometheus.yml'), 'w') as f:
            json.dump(cfg, f, indent=1)  # JSON is YAML
        addr = '127.0.0.1:%d' % port
        p = self.start('prometheus', [
            exe, '--config.file=' + os.path.join(pdir, 'prometheus.yml'),
            '--storage.tsdb.path=' + os.path.join(pdir, 'data'),
            '--web.listen-address=' + addr, '--log.level=warn',
        ])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not p.alive():
                raise RuntimeError('prometheus exited; log:\n' + p.tail())
            try:
                if http_get('http://%s/-/ready' % addr, timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        else:
            raise RuntimeError('prometheus not ready on ' + addr)
        self.prometheus = addr
        return addr

    def stop(self):
        """SIGTERM to everything started, newest first; SIGKILL after 10 s."""
        for proc in reversed(self.procs):
            if proc.alive():
                try:
                    proc.popen.send_signal(signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 10
        for proc in reversed(self.procs):
            left = max(0.1, deadline - time.monotonic())
            try:
                proc.popen.wait(timeout=left)
            except subprocess.TimeoutExpired:
                log('%s did not stop in 10 s: SIGKILL' % proc.name)
                proc.popen.kill()
                proc.popen.wait()
            log('stopped %s (exit %s)' % (proc.name, proc.popen.returncode))
        self.procs = []

    def suspects(self):
        body = http_get('http://%s/api/v1/suspects' % self.analyzer_http, timeout=10)
        return json.loads(body)


def format_top(report, limit=10):
    """The ranked suspects as a table (when leakprofctl top is unavailable)."""
    rows = [s for s in report.get('suspects', []) if s.get('suspect')][:limit]
    lines = ['%-4s %-10s %-40s %-13s %8s %9s %7s' % (
        'rank', 'service', 'function', 'class', 'gorout.', 'growth/h', 'score')]
    for s in rows:
        lines.append('%-4s %-10s %-40s %-13s %8d %9.1f %7.1f' % (
            s.get('rank'), s.get('service', '')[:10], s.get('function', '')[-40:],
            s.get('class', '')[:13], s.get('goroutines', 0), s.get('growth_per_hour', 0),
            s.get('score', 0)))
        if s.get('hint'):
            lines.append('     hint: ' + s['hint'][:110])
    return '\n'.join(lines)


def print_top(fleet):
    ctl = os.path.join(fleet.bin_dir, 'leakprofctl')
    try:
        r = subprocess.run([ctl, 'top', '--analyzer=http://' + fleet.analyzer_http],
                           capture_output=True, text=True, timeout=30)
        if r.returncode == 0 and r.stdout.strip():
            print(r.stdout.rstrip(), flush=True)
            return
        log('leakprofctl top failed (%s); printing the API instead' % (
            r.stderr.strip().splitlines()[-1:] or r.returncode))
    except (OSError, subprocess.TimeoutExpired) as e:
        log('leakprofctl top: %s; printing the API instead' % e)
    print(format_top(fleet.suspects()), flush=True)


def fmt_elapsed(s):
    s = int(s)
    return '%dm%02ds' % (s // 60, s % 60)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--bin-dir', required=True, help='directory with the built binaries')
    ap.add_argument('--fleet', type=int, default=6,
                    help='example service instances (each with its own agent; default 6)')
    ap.add_argument('--duration', type=parse_duration, default=parse_duration('30m'),
                    help='stop after running this long (default 30m, at most 24h)')
    ap.add_argument('--target', action='append', default=[], metavar='[SERVICE=]URL',
                    help='watch a service you already run (its pprof root, e.g. '
                         'http://127.0.0.1:6060/debug/pprof/) instead of the example fleet; '
                         'repeatable')
    ap.add_argument('--data-dir', default='leakprof-data',
                    help='collector data, spools and logs (default ./leakprof-data)')
    ap.add_argument('--clean', action='store_true',
                    help='empty --data-dir first (its bin/ stays)')
    ap.add_argument('--base-port', type=int, default=7070,
                    help='collector gRPC on this port, its HTTP +1, analyzer +2 (default 7070)')
    ap.add_argument('--agent-interval', default='5s', help='agents\' scrape interval')
    ap.add_argument('--analyzer-interval', default='15s', help='analyzer\'s evaluation interval')
    ap.add_argument('--window', default='15m', help='analyzer\'s window')
    ap.add_argument('--leak-per-minute', type=int, default=20,
                    help='goroutines each leak pattern leaks per minute per instance')
    ap.add_argument('--prometheus', action='store_true',
                    help='also run Debian\'s prometheus scraping the fleet, with '
                         'deploy/prometheus/rules.yml')
    ap.add_argument('--rules', default='', help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not (0 < args.duration <= MAX_DURATION_S):
        ap.error('--duration must be in (0, 24h]')
    if not args.target and not (1 <= args.fleet <= 50):
        ap.error('--fleet must be 1..50')

    if args.clean and os.path.isdir(args.data_dir):
        # Everything but bin/ (scripts/fleet.sh's links to the binaries).
        for name in os.listdir(args.data_dir):
            path = os.path.join(args.data_dir, name)
            if os.path.abspath(path) == os.path.abspath(args.bin_dir) or name == 'bin':
                continue
            shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) \
                else os.remove(path)
    fleet = Fleet(args.bin_dir, args.data_dir, args.base_port, args.agent_interval,
                  args.analyzer_interval, args.window, args.leak_per_minute)
    stopping = {'why': ''}

    def on_signal(signum, _frame):
        stopping['why'] = signal.Signals(signum).name
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    start = time.monotonic()
    try:
        fleet.start_collector()
        fleet.start_analyzer()
        if args.target:
            for i, t in enumerate(args.target):
                service, _, url = t.rpartition('=') if re.match(r'^[\w.-]+=', t) else ('', '', t)
                service = service or 'target%d' % i
                instance = '%s-%d' % (service, i)
                fleet.services.append((service, instance, url))
                fleet.start_agent(service, instance, url)
        else:
            fleet.start_example_fleet(args.fleet)
        if args.prometheus:
            rules = args.rules or os.path.join(os.path.dirname(os.path.abspath(__file__)), '..',
                                               'deploy', 'prometheus', 'rules.yml')
            fleet.start_prometheus(rules if os.path.exists(rules) else None)
        print('', flush=True)
        print('leakprof fleet is running (%d services, %d agents). Look at:' % (
            len(fleet.services), len(fleet.agents)))
        print('  web page       %s' % fleet.page_url())
        print('  suspects API   http://%s/api/v1/suspects' % fleet.analyzer_http)
        print('  metrics        http://%s/metrics (analyzer), http://%s/metrics (collector)'
              % (fleet.analyzer_http, fleet.collector_http))
        print('  agents         ' + ', '.join('http://%s/metrics' % a for _, a in fleet.agents[:3])
              + (' ...' if len(fleet.agents) > 3 else ''))
        if fleet.prometheus:
            print('  prometheus     http://%s/' % fleet.prometheus)
        print('  logs, data     %s' % fleet.data_dir)
        print('  terminal       %s top --analyzer=http://%s' % (
            os.path.join(fleet.bin_dir, 'leakprofctl'), fleet.analyzer_http))
        print('Suspects show after a few evaluations (interval %s). Ctrl-C stops everything.'
              % args.analyzer_interval, flush=True)
        start = time.monotonic()  # --duration counts from here, not from the build
        last_ids = None
        last_top = 0.0
        next_progress = 0.0
        while time.monotonic() - start < args.duration:
            now = time.monotonic()
            dead = [p.name for p in fleet.procs if not p.alive() and p.name != 'prometheus']
            if dead:
                raise RuntimeError('%s exited; see %s' % (', '.join(dead), fleet.logs))
            try:
                report = fleet.suspects()
                sites = report.get('suspects', [])
                ids = [(s['service'], s['site_id']) for s in sites if s.get('suspect')]
            except (urllib.error.URLError, OSError, ValueError, KeyError) as e:
                report, sites, ids = None, [], None
                log('analyzer API: %s' % e)
            if now >= next_progress:
                print('[%s] %d services, %d agents, %d sites ranked, %s suspects' % (
                    fmt_elapsed(now - start), len(fleet.services), len(fleet.agents), len(sites),
                    len(ids) if ids is not None else '?'), flush=True)
                next_progress = now + 10
            if ids and (ids != last_ids or now - last_top >= 60):
                print('', flush=True)
                print_top(fleet)
                print('', flush=True)
                last_ids, last_top = ids, now
            time.sleep(min(5, max(0.1, args.duration - (time.monotonic() - start))))
        stopping['why'] = 'duration %s reached' % fmt_elapsed(args.duration)
    except KeyboardInterrupt:
        stopping['why'] = stopping['why'] or 'interrupted'
    except RuntimeError as e:
        log('error: %s' % e)
        stopping['why'] = 'error'
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        log('stopping everything (%s)' % stopping['why'])
        fleet.stop()
        log('data kept in %s' % fleet.data_dir)
    sys.exit(1 if stopping['why'] == 'error' else 0)


if __name__ == '__main__':
    main()
