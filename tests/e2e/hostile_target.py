#!/usr/bin/env python3
"""A hostile "Go service" for the end-to-end test: its goroutine profile
(debug=1 text, whatever the query asks) names a function
`main.<img src=x onerror=window.__pwned=1>` in a file `./evil<b>.go`, blocked
on a channel receive, with a count that grows every second. Agents scrape it
like any target; the page must show the name as text and run nothing.

Binds 127.0.0.1:0, prints "listening on HOST:PORT" then "ready". Standard
library only.
"""
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FUNCTION = 'main.<img src=x onerror=window.__pwned=1>'
START = time.monotonic()


def profile():
    n = 5 + int(time.monotonic() - START)
    return ('goroutine profile: total %d\n'
            '%d @ 0x437876 0x40564c 0x4051fd 0x4bbf13 0x4632a1\n'
            '#\t0x437875\truntime.gopark+0xd6\t/usr/lib/go/src/runtime/proc.go:363\n'
            '#\t0x40564b\truntime.chanrecv+0x3ab\t/usr/lib/go/src/runtime/chan.go:583\n'
            '#\t0x4051fc\truntime.chanrecv1+0x1c\t/usr/lib/go/src/runtime/chan.go:442\n'
            '#\t0x4bbf12\t%s+0x72\t./evil<b>.go:15\n'
            '#\t0x4632a0\tmain.main+0x20\t./main.go:9\n\n' % (n, n, FUNCTION))


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write('hostile_target: %s\n' % (fmt % args))

    def do_GET(self):
        if not self.path.startswith('/debug/pprof/goroutine'):
            self.send_response(404)
            self.end_headers()
            return
        body = profile().encode()
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain; charset=utf-8')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    srv = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    srv.daemon_threads = True
    print('listening on %s:%d' % srv.server_address, flush=True)
    print('ready', flush=True)
    srv.serve_forever()


if __name__ == '__main__':
    main()
