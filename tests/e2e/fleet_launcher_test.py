#!/usr/bin/env python3
"""//tests/e2e:fleet_launcher_test: examples/fleet.py's process handling, with
fake binaries (testdata/fake_binary.py) standing in for the real ones:

- it starts a collector, an analyzer, N services and N agents with the flags
  the binaries take, prints where to look, progress, and the top when
  suspects appear;
- --duration stops it, Ctrl-C (SIGINT) stops it, and either way every
  process it started is gone afterwards;
- a busy port is reported, not ignored.
The real fleet runs in //tests/e2e:fleet_e2e_test.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FLEET = os.path.join(ROOT, 'examples', 'fleet.py')
TMP = os.environ.get('TEST_TMPDIR') or __import__('tempfile').mkdtemp()
failures = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what, flush=True)
    if not cond:
        failures.append(what)


def make_bins():
    d = os.path.join(TMP, 'bin')
    os.makedirs(d, exist_ok=True)
    src = os.path.join(HERE, 'testdata', 'fake_binary.py')
    for name in ('leakprof-collector', 'leakprof-analyzer', 'leakprof-agent', 'service',
                 'leakprofctl'):
        dst = os.path.join(d, name)
        shutil.copy(src, dst)
        os.chmod(dst, 0o755)
    return d


def free_base():
    for _ in range(100):
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            p = s.getsockname()[1]
        if p > 60000:
            continue
        ok = True
        for i in range(3):
            with socket.socket() as s:
                try:
                    s.bind(('127.0.0.1', p + i))
                except OSError:
                    ok = False
        if ok:
            return p
    raise RuntimeError('no free port block')


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes.
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().split(')')[-1].split()[0] != 'Z'
    except OSError:
        return False


def run(name, extra, interrupt_after=None):
    pid_dir = os.path.join(TMP, name + '-pids')
    os.makedirs(pid_dir)
    env = dict(os.environ, FAKE_PID_DIR=pid_dir)
    argv = [sys.executable, FLEET, '--bin-dir', make_bins(), '--data-dir',
            os.path.join(TMP, name + '-data'), '--base-port', str(free_base())] + extra
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                         text=True)
    if interrupt_after:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(os.listdir(pid_dir)) < interrupt_after:
            time.sleep(0.2)
        time.sleep(1)
        p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=120)
    pids = [int(f.rsplit('.', 1)[1]) for f in os.listdir(pid_dir)]
    return p.returncode, out, pids, pid_dir


def main():
    code, out, pids, pid_dir = run('duration', ['--fleet=3', '--duration=6s'])
    print(out)
    check(code == 0, 'exits 0 after --duration')
    roles = sorted(f.rsplit('.', 1)[0] for f in os.listdir(pid_dir))
    check(roles == ['leakprof-agent'] * 3 + ['leakprof-analyzer', 'leakprof-collector'] +
          ['service'] * 3, 'started collector, analyzer, 3 services, 3 agents: %s' % roles)
    agent_args = [open(os.path.join(pid_dir, f)).read() for f in os.listdir(pid_dir)
                  if f.startswith('leakprof-agent.')]
    check(all('--interval=5s' in a and '--service=' in a and '--target=http://127.0.0.1:' in a
              for a in agent_args), 'agents get --interval=5s, --service, a --target')
    check('web page       http://127.0.0.1:' in out and 'suspects API' in out,
          'prints where to look')
    check('] 3 services, 3 agents,' in out, 'prints progress')
    check('FAKE TOP rank 1' in out, 'prints leakprofctl top once suspects appear')
    time.sleep(0.5)
    check(not [p for p in pids if alive(p)], 'every process stopped after --duration')

    code, out, pids, _ = run('sigint', ['--fleet=2', '--duration=10m'], interrupt_after=6)
    check(code == 0 and 'stopping everything (SIGINT)' in out, 'Ctrl-C stops it (exit %s)' % code)
    time.sleep(0.5)
    check(len(pids) == 6 and not [p for p in pids if alive(p)],
          'every process stopped after Ctrl-C (%d started)' % len(pids))

    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        busy = s.getsockname()[1]
        s.listen()
        argv = [sys.executable, FLEET, '--bin-dir', make_bins(), '--data-dir',
                os.path.join(TMP, 'busy-data'), '--base-port', str(busy), '--duration=5s']
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    check(r.returncode == 1 and 'in use' in r.stderr, 'a busy port is an error: ' +
          (r.stderr.strip().splitlines() or [''])[-2:][0])
    print('FAIL' if failures else 'PASS')
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
