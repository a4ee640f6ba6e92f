#!/usr/bin/env python3
"""//deploy:deploy_test: what can be checked of deploy/ offline.

    deploy_test.py [--bin agent=PATH --bin collector=PATH --bin analyzer=PATH]

- Kubernetes manifests (deploy/k8s): YAML well-formed; every object has
  apiVersion, kind, metadata.name (and a namespace when namespaced);
  workloads' selectors match their pod labels; every container has an image,
  cpu+memory requests and a memory limit; named ports, volume mounts, Secret
  and ConfigMap references resolve; Services select a workload and target its
  ports; the StatefulSet's serviceName and volume claims resolve; the
  example Deployment runs leakprof-agent as a sidecar with its target on
  localhost; the analyzer's routing/ignore files are in its mounted
  ConfigMap and parse; kustomization.yaml lists every manifest.
- Every flag passed to a leakprof binary (k8s args, systemd ExecStart,
  Dockerfile CMD) exists: in the binary's `--helpfull` when --bin gives it,
  else in the flag list of the issues (FALLBACK_FLAGS).
- systemd units pass `systemd-analyze verify` with no warning (binaries
  swapped for /bin/true), when systemd-analyze exists.
- Dockerfile: builds from Debian bookworm, has the agent, collector and
  analyzer targets, builds the //:leakprof-* aliases.
Prints one line per check; exits 1 on any failure.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = os.environ.get('TEST_SRCDIR', '')
ROOT = (os.path.join(ROOT, os.environ.get('TEST_WORKSPACE', 'leakprof')) if ROOT
        else os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEPLOY = os.path.join(ROOT, 'deploy')

# The flags the issues name (absl spells them with underscores). Used only
# when the binaries are not given.
FALLBACK_FLAGS = {
    'agent': {'target', 'service', 'instance', 'label', 'collector', 'interval', 'http_addr',
              'spool_dir', 'auth_token_file', 'tls_ca', 'tls_cert', 'tls_key', 'config'},
    'collector': {'data_dir', 'grpc_addr', 'http_addr', 'retention', 'auth_token_file',
                  'tls_cert', 'tls_key', 'tls_client_ca'},
    'analyzer': {'collector', 'window', 'interval', 'http_addr', 'alertmanager_url',
                 'ticket_webhook_url', 'routing', 'ignore', 'once', 'max_suspect_series',
                 'auth_token_file', 'tls_ca'},
}
NAMESPACED = {'Deployment', 'StatefulSet', 'Service', 'ConfigMap', 'Secret', 'DaemonSet'}

failures = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what)
    if not cond:
        failures.append(what)
    return cond


def help_flags(path):
    r = subprocess.run([path, '--helpfull'], capture_output=True, text=True, timeout=60)
    text = r.stdout + r.stderr
    flags = set(re.findall(r'^\s+--([A-Za-z0-9_]+) \(', text, re.M))
    return flags


def flags_of(args):
    """Flag names in a list of arguments: --name=value, --name value, --name."""
    out = []
    for a in args:
        m = re.match(r'^--?([A-Za-z0-9_-]+)(=|$)', a)
        if m:
            out.append(m.group(1))
    return out


def which_binary(text):
    m = re.search(r'leakprof-(agent|collector|analyzer)\b', text)
    return m.group(1) if m else None


def load_k8s():
    docs = []
    for path in sorted(glob.glob(os.path.join(DEPLOY, 'k8s', '*.yaml'))):
        name = os.path.basename(path)
        try:
            with open(path) as f:
                loaded = [d for d in yaml.safe_load_all(f) if d is not None]
        except yaml.YAMLError as e:
            check(False, '%s: YAML: %s' % (name, e))
            continue
        check(bool(loaded), '%s: well-formed YAML, %d documents' % (name, len(loaded)))
        for d in loaded:
            d['__file'] = name
            docs.append(d)
    return docs


def pod_spec(obj):
    return obj.get('spec', {}).get('template', {}).get('spec', {})


def check_k8s(docs, known_flags):
    objs = [d for d in docs if d.get('kind') != 'Kustomization']
    for d in objs:
        md = d.get('metadata', {})
        where = '%s: %s/%s' % (d['__file'], d.get('kind'), md.get('name'))
        check(d.get('apiVersion') and d.get('kind') and md.get('name'),
              where + ' has apiVersion, kind, metadata.name')
        if d.get('kind') in NAMESPACED:
            check(bool(md.get('namespace')), where + ' has a namespace')
    by_kind = {}
    for d in objs:
        by_kind.setdefault(d['kind'], []).append(d)
    names = {(d['kind'], d['metadata'].get('namespace'), d['metadata']['name']) for d in objs}
    workloads = by_kind.get('Deployment', []) + by_kind.get('StatefulSet', [])
    check(len(by_kind.get('StatefulSet', [])) >= 1, 'a StatefulSet (the collector)')
    for w in workloads:
        ns, name = w['metadata']['namespace'], w['metadata']['name']
        where = '%s %s/%s' % (w['kind'], ns, name)
        labels = w['spec']['template']['metadata'].get('labels', {})
        sel = w['spec']['selector'].get('matchLabels', {})
        check(sel and all(labels.get(k) == v for k, v in sel.items()),
              where + ': selector matches the pod labels')
        spec = pod_spec(w)
        volumes = {v['name']: v for v in spec.get('volumes', [])}
        claims = {c['metadata']['name'] for c in w['spec'].get('volumeClaimTemplates', [])}
        for v in volumes.values():
            if 'secret' in v:
                check(('Secret', ns, v['secret']['secretName']) in names,
                      '%s: volume %s: Secret %s exists' % (where, v['name'], v['secret']['secretName']))
            if 'configMap' in v:
                check(('ConfigMap', ns, v['configMap']['name']) in names,
                      '%s: volume %s: ConfigMap %s exists' % (where, v['name'], v['configMap']['name']))
        for c in spec.get('containers', []):
            cw = '%s container %s' % (where, c['name'])
            res = c.get('resources', {})
            check(bool(c.get('image')), cw + ': image')
            check('cpu' in res.get('requests', {}) and 'memory' in res.get('requests', {})
                  and 'memory' in res.get('limits', {}), cw + ': cpu/memory requests, memory limit')
            ports = {p.get('name') for p in c.get('ports', [])}
            for probe in ('readinessProbe', 'livenessProbe'):
                port = c.get(probe, {}).get('httpGet', {}).get('port')
                if isinstance(port, str):
                    check(port in ports, '%s: %s port %s is a container port' % (cw, probe, port))
            for m in c.get('volumeMounts', []):
                check(m['name'] in volumes or m['name'] in claims,
                      '%s: mount %s has a volume' % (cw, m['name']))
            binary = which_binary(c.get('image', '') + ' ' + ' '.join(c.get('command', [])))
            if binary:
                used = flags_of(c.get('args', []))
                unknown = sorted(set(used) - known_flags[binary])
                check(not unknown, '%s: flags %s exist in leakprof-%s%s' % (
                    cw, ','.join(used), binary, (' (unknown: %s)' % unknown) if unknown else ''))
        if w['kind'] == 'StatefulSet':
            check(('Service', ns, w['spec'].get('serviceName')) in names,
                  where + ': serviceName is a Service')
            check(bool(claims), where + ': has volumeClaimTemplates (persistent data)')
    for s in by_kind.get('Service', []):
        ns = s['metadata']['namespace']
        sel = s['spec'].get('selector', {})
        targets = [w for w in workloads if w['metadata']['namespace'] == ns and
                   all(w['spec']['template']['metadata'].get('labels', {}).get(k) == v
                       for k, v in sel.items())]
        if not check(bool(sel) and bool(targets),
                     'Service %s/%s selects a workload' % (ns, s['metadata']['name'])):
            continue
        cports = {p.get('name') for w in targets for c in pod_spec(w)['containers']
                  for p in c.get('ports', [])}
        for p in s['spec']['ports']:
            tp = p.get('targetPort')
            if isinstance(tp, str):
                check(tp in cports, 'Service %s/%s port %s targets container port %s' % (
                    ns, s['metadata']['name'], p['name'], tp))
    # The sidecar: an app Deployment with a leakprof-agent container scraping
    # localhost.
    sidecars = []
    for w in by_kind.get('Deployment', []):
        cs = pod_spec(w)['containers']
        for c in cs:
            if which_binary(c.get('image', '')) == 'agent' and len(cs) > 1:
                target = [a for a in c.get('args', []) if a.startswith('--target=')]
                sidecars.append(w['metadata']['name'])
                check(bool(target) and re.match(r'--target=http://(127\.0\.0\.1|localhost)[:/]',
                                                target[0]) is not None,
                      'Deployment %s: agent sidecar targets localhost (%s)' % (
                          w['metadata']['name'], target))
    check(bool(sidecars), 'an example Deployment with the agent as a sidecar: %s' % sidecars)
    # The analyzer's --routing/--ignore files come from its ConfigMap.
    for w in by_kind.get('Deployment', []):
        spec = pod_spec(w)
        for c in spec['containers']:
            if which_binary(c.get('image', '')) != 'analyzer':
                continue
            mounts = {m['mountPath']: m['name'] for m in c.get('volumeMounts', [])}
            vols = {v['name']: v for v in spec.get('volumes', [])}
            for a in c.get('args', []):
                m = re.match(r'^--(routing|ignore)=(.+)$', a)
                if not m:
                    continue
                d, f = os.path.split(m.group(2))
                cm = vols.get(mounts.get(d, ''), {}).get('configMap', {}).get('name')
                data = [x for x in by_kind.get('ConfigMap', []) if x['metadata']['name'] == cm]
                body = data[0].get('data', {}).get(f) if data else None
                ok = body is not None
                if ok:
                    parsed = yaml.safe_load(body)
                    ok = isinstance(parsed, dict) and (
                        ('ignore' in parsed) if m.group(1) == 'ignore' else
                        ('routes' in parsed or 'default_owner' in parsed))
                check(ok, 'analyzer --%s=%s: in ConfigMap %s, parses' % (m.group(1), m.group(2), cm))
    kust = [d for d in docs if d.get('kind') == 'Kustomization']
    files = {os.path.basename(p) for p in glob.glob(os.path.join(DEPLOY, 'k8s', '*.yaml'))}
    files.discard('kustomization.yaml')
    check(bool(kust) and set(kust[0].get('resources', [])) == files,
          'kustomization.yaml lists every manifest')


def systemd_exec_args(path):
    text = open(path).read().replace('\\\n', ' ')
    m = re.search(r'^ExecStart=(.+)$', text, re.M)
    return m.group(1).split() if m else []


def check_systemd(known_flags):
    units = sorted(glob.glob(os.path.join(DEPLOY, 'systemd', '*.service')))
    check(len(units) == 3, '%d systemd units' % len(units))
    for u in units:
        args = systemd_exec_args(u)
        binary = which_binary(args[0] if args else '')
        if not check(binary is not None, '%s: ExecStart runs a leakprof binary' % os.path.basename(u)):
            continue
        used = flags_of(args[1:])
        unknown = sorted(set(used) - known_flags[binary])
        check(not unknown, '%s: flags exist in leakprof-%s%s' % (
            os.path.basename(u), binary, (' (unknown: %s)' % unknown) if unknown else ''))
    tool = shutil.which('systemd-analyze')
    if not tool:
        print('skip systemd-analyze verify: not installed')
        return
    with tempfile.TemporaryDirectory(dir=os.environ.get('TEST_TMPDIR')) as tmp:
        paths = []
        for u in units:
            body = re.sub(r'/usr/local/bin/leakprof-[a-z]+', '/bin/true', open(u).read())
            name = os.path.basename(u).replace('@.service', '@example.service')
            p = os.path.join(tmp, name)
            with open(p, 'w') as f:
                f.write(body)
            paths.append(p)
        r = subprocess.run([tool, 'verify', '--man=no'] + paths, capture_output=True, text=True,
                           timeout=60)
        out = (r.stdout + r.stderr).strip()
        check(r.returncode == 0 and not out, 'systemd-analyze verify: no warnings%s' % (
            ('\n' + out) if out else ''))


def check_docker(known_flags):
    path = os.path.join(DEPLOY, 'docker', 'Dockerfile')
    text = open(path).read()
    froms = re.findall(r'^FROM\s+(\S+)', text, re.M)
    check(re.search(r'^ARG DEBIAN=debian:bookworm$', text, re.M) is not None and
          all(f.startswith('${DEBIAN}') or f in ('runtime',) for f in froms),
          'Dockerfile: every stage from Debian bookworm (%s)' % froms)
    stages = set(re.findall(r'^FROM\s+\S+\s+AS\s+(\S+)', text, re.M))
    check({'build', 'runtime', 'agent', 'collector', 'analyzer'} <= stages,
          'Dockerfile: stages %s' % sorted(stages))
    for t in ('//:leakprof-agent', '//:leakprof-collector', '//:leakprof-analyzer'):
        check(t in text, 'Dockerfile builds ' + t)
    for m in re.finditer(r'^CMD\s+\[(.*)\]', text, re.M):
        args = re.findall(r'"([^"]*)"', m.group(1))
        unknown = sorted(set(flags_of(args)) - known_flags['collector'])
        check(not unknown, 'Dockerfile CMD flags exist in leakprof-collector %s' % unknown)
    check(os.path.exists(os.path.join(DEPLOY, 'docker', 'Dockerfile.dockerignore')),
          'Dockerfile.dockerignore present')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bin', action='append', default=[], help='NAME=PATH of a binary')
    args = ap.parse_args()
    known = {k: set(v) for k, v in FALLBACK_FLAGS.items()}
    for spec in args.bin:
        name, path = spec.split('=', 1)
        flags = help_flags(path)
        if check(len(flags) > 5, 'leakprof-%s --helpfull lists %d flags' % (name, len(flags))):
            known[name] = flags
    for name in known:
        print('     flags of leakprof-%s from %s' % (
            name, '--helpfull' if any(s.startswith(name + '=') for s in args.bin)
            else 'the issue\'s list'))
    check_k8s(load_k8s(), known)
    check_systemd(known)
    check_docker(known)
    print('FAIL (%d)' % len(failures) if failures else 'PASS')
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
