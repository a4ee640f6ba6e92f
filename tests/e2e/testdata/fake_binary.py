#!/usr/bin/env python3
"""A stand-in for every binary examples/fleet.py starts, for fleet_launcher_test
only (never the proof a feature works): its role is its file name
(leakprof-collector, leakprof-analyzer, leakprof-agent, service, leakprofctl).
Servers answer /healthz, /metrics and (analyzer) /api/v1/suspects; `service`
prints "listening on HOST:PORT" and "ready" like //tests/scenarios:service;
`leakprofctl top` prints one line. Each writes its pid to $FAKE_PID_DIR.
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

role = os.path.basename(sys.argv[0])
if role == 'leakprofctl':
    print('FAKE TOP rank 1 checkout main.leak')
    sys.exit(0)
pid_dir = os.environ.get('FAKE_PID_DIR')
if pid_dir:
    with open(os.path.join(pid_dir, '%s.%d' % (role, os.getpid())), 'w') as f:
        f.write(' '.join(sys.argv))
addr = '127.0.0.1:0'
for a in sys.argv[1:]:
    if a.startswith('--http_addr='):
        addr = a.split('=', 1)[1]


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        if self.path == '/healthz':
            body = b'ok\n'
        elif self.path.startswith('/api/v1/suspects'):
            body = json.dumps({'suspects': [{'rank': 1, 'service': 'checkout', 'site_id': 'ab',
                                             'function': 'main.leak', 'class': 'chan_send',
                                             'score': 70, 'suspect': True}]}).encode()
        else:
            body = b''
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)


host, port = addr.rsplit(':', 1)
server = ThreadingHTTPServer((host or '127.0.0.1', int(port)), H)
if role == 'service':
    print('listening on %s:%d' % server.server_address, flush=True)
    print('ready', flush=True)
server.serve_forever()
