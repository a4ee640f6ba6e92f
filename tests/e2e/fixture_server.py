#!/usr/bin/env python3
"""A stand-in for leakprof-analyzer's HTTP API, for testing the web page.

Serves the page files from --web-dir at "/", "/app.js", "/style.css" and
generated JSON at /api/v1/services, /api/v1/suspects and /api/v1/site, with
the shapes docs/operations.md and web/README.md document. The data is made up
(times relative to now) and includes a site whose function name and hint hold
HTML and script, to prove the page shows them as text.

With --api-upstream URL it serves only the page files itself and forwards
/api/ requests to that analyzer instead (the real JSON with this page, for
an analyzer that does not serve //web:assets yet).

Binds 127.0.0.1 on --port (0: a free one) and prints "listening on HOST:PORT"
then "ready" on stdout. Standard library only.
"""
import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

XSS_FUNCTION = 'main.<img src=x onerror=window.__pwned=1>'
XSS_HINT = '<script>window.__pwned=2</script> close the channel & return'
WINDOW = 900
STEP = 30

STATIC = {
    '/': ('index.html', 'text/html; charset=utf-8'),
    '/index.html': ('index.html', 'text/html; charset=utf-8'),
    '/app.js': ('app.js', 'text/javascript; charset=utf-8'),
    '/style.css': ('style.css', 'text/css; charset=utf-8'),
}


def make_sites():
    """The ranked sites: three suspects (one with hostile text), two benign."""
    def site(rank, service, site_id, cls, function, file, line, score, suspect,
             goroutines, instances, rising, growth, pattern, hint):
        return {
            'rank': rank, 'service': service, 'site_id': site_id,
            'class': cls, 'function': function, 'file': file, 'line': line,
            'score': score, 'suspect': suspect, 'goroutines': goroutines,
            'instances': instances, 'instances_rising': rising,
            'growth_per_hour': growth, 'est_bytes': goroutines * 8192,
            'evidence': ['%d of %d instances rising' % (rising, instances),
                         'monotonic trend p<0.01'] if suspect else [],
            'pattern': pattern, 'hint': hint, 'owner': 'team-' + service,
            'confirmed': False, 'suppressed': False,
            'stack': [
                {'function': 'runtime.gopark', 'file': '/usr/lib/go-1.19/src/runtime/proc.go', 'line': 363},
                {'function': 'runtime.chansend1', 'file': '/usr/lib/go-1.19/src/runtime/chan.go', 'line': 144},
                {'function': function, 'file': file, 'line': line},
                {'function': 'main.main', 'file': './main.go', 'line': 12},
            ],
        }
    return [
        site(1, 'checkout', '8a1f00c2d3e4f5a6', 'chan_send',
             'main.prematureReturn.func1', './main.go', 101, 9.5, True,
             540, 3, 3, 60.0, 'premature_return',
             'Send on an unbuffered channel whose receiver returned early: '
             'give the channel a buffer of 1.'),
        site(2, 'checkout', '0123456789abcdef', 'chan_receive',
             XSS_FUNCTION, './evil<b>.go', 7, 7.25, True,
             300, 3, 2, 30.0, 'range_unclosed', XSS_HINT),
        site(3, 'search', 'fedcba9876543210', 'select',
             'main.tickerNoStop', './main.go', 55, 4.0, True,
             120, 2, 2, 12.0, 'ticker_no_stop', 'defer ticker.Stop()'),
        site(4, 'search', '1111222233334444', 'chan_receive',
             'main.pool.worker', './main.go', 80, 0.1, False,
             64, 2, 0, 0.0, '', ''),
        site(5, 'checkout', '5555666677778888', 'io_wait',
             'net/http.(*conn).serve', 'net/http/server.go', 1995, 0.0, False,
             12, 3, 0, 0.0, '', ''),
    ]


def series_for(s, now):
    n = WINDOW // STEP
    start = now - WINDOW
    instances = []
    for i in range(s['instances']):
        rising = i < s['instances_rising']
        base = s['goroutines'] // max(1, s['instances'])
        pts = []
        for k in range(n + 1):
            v = base * k // n if rising else base
            pts.append([start + k * STEP, v])
        instances.append({'instance': '%s-%d' % (s['service'], i), 'points': pts})
    fleet = []
    for k in range(n + 1):
        fleet.append([start + k * STEP, sum(inst['points'][k][1] for inst in instances)])
    return {'step_seconds': STEP, 'fleet': fleet, 'instances': instances}


class Handler(BaseHTTPRequestHandler):
    web_dir = '.'
    upstream = ''

    def log_message(self, fmt, *args):  # one line per request on stderr
        sys.stderr.write('fixture_server: %s\n' % (fmt % args))

    def send(self, code, ctype, body):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Cache-Control', 'no-store')
        self.end_headers()
        self.wfile.write(body)

    def json(self, obj, code=200):
        self.send(code, 'application/json', json.dumps(obj))

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        now = int(time.time())
        sites = make_sites()
        if url.path in STATIC:
            name, ctype = STATIC[url.path]
            with open(os.path.join(self.web_dir, name), 'rb') as f:
                return self.send(200, ctype, f.read())
        if self.upstream and url.path.startswith('/api/'):
            try:
                with urllib.request.urlopen(self.upstream.rstrip('/') + self.path,
                                            timeout=30) as r:
                    return self.send(r.status, r.headers.get('Content-Type', ''), r.read())
            except urllib.error.HTTPError as e:
                return self.send(e.code, e.headers.get('Content-Type', ''), e.read())
        if url.path == '/api/v1/suspects':
            if 'service' in q:
                sites = [s for s in sites if s['service'] == q['service']]
            return self.json({'generated_at': now, 'window_seconds': WINDOW,
                              'suspects': sites})
        if url.path == '/api/v1/services':
            out = {}
            for s in sites:
                e = out.setdefault(s['service'], {'service': s['service'], 'instances': 0,
                                                  'goroutines': 0, 'suspects': 0})
                e['instances'] = max(e['instances'], s['instances'])
                e['goroutines'] += s['goroutines']
                e['suspects'] += 1 if s['suspect'] else 0
            return self.json({'services': sorted(out.values(), key=lambda e: e['service'])})
        if url.path == '/api/v1/site':
            for s in sites:
                if s['service'] == q.get('service') and s['site_id'] == q.get('site_id'):
                    alert = ({'state': 'firing', 'since': now - 600, 'ticket': 'open'}
                             if s['suspect'] else {'state': 'none', 'since': 0, 'ticket': 'none'})
                    return self.json({'suspect': s, 'series': series_for(s, now), 'alert': alert})
            return self.json({'error': 'no such site'}, 404)
        if url.path == '/healthz':
            return self.send(200, 'text/plain', 'ok\n')
        return self.send(404, 'text/plain', 'not found\n')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--web-dir', required=True, help='directory with index.html, app.js, style.css')
    ap.add_argument('--port', type=int, default=0, help='port on 127.0.0.1 (0: a free one)')
    ap.add_argument('--api-upstream', default='',
                    help='forward /api/ to this analyzer (http://HOST:PORT) instead of fixtures')
    args = ap.parse_args()
    Handler.web_dir = args.web_dir
    Handler.upstream = args.api_upstream
    srv = ThreadingHTTPServer(('127.0.0.1', args.port), Handler)
    srv.daemon_threads = True
    print('listening on %s:%d' % srv.server_address, flush=True)
    print('ready', flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    main()
