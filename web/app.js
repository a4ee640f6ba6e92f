// leakprof web page: plain JavaScript, no build step, no libraries.
//
// Routes (location.hash):
//   #/                          services and ranked sites
//   #/service/SERVICE           ranked sites of one service
//   #/site/SERVICE/SITE_ID      one site: stack, hint, charts, alert state
//
// Everything shown comes from the analyzer's JSON API (relative URLs, so the
// page also works behind a path prefix). Stack text, service names, hints and
// evidence come from the monitored programs and are untrusted: they are only
// ever inserted as text (textContent / createTextNode / setAttribute of plain
// attributes), never as HTML. This file must not use innerHTML,
// insertAdjacentHTML, outerHTML or document.write (tests/e2e checks it).
'use strict';

(function () {
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const MAX_ROWS = 200;          // ranked rows shown on one page
  const MAX_SPARKLINES = 30;     // sites whose series the list fetches
  const FETCH_PARALLEL = 4;      // concurrent series fetches
  const REFRESH_MS = 30000;      // list auto-refresh

  let renderToken = 0;           // bumps on each route change; stale work stops
  let refreshTimer = null;

  // ---- DOM helpers (text only) ----
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') node.className = v;
        else if (k === 'text') node.textContent = String(v);
        else node.setAttribute(k, String(v));
      }
    }
    for (const c of children) append(node, c);
    return node;
  }
  function append(node, c) {
    if (c === undefined || c === null || c === false) return;
    if (Array.isArray(c)) { c.forEach((x) => append(node, x)); return; }
    node.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  function svg(tag, attrs) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function link(href, text, cls) { return el('a', {href: href, class: cls, text: text}); }
  // Route segments are URI-encoded so a service or site id can hold anything.
  function siteHref(service, siteId) {
    return '#/site/' + encodeURIComponent(service) + '/' + encodeURIComponent(siteId);
  }
  function serviceHref(service) { return '#/service/' + encodeURIComponent(service); }

  // ---- formatting ----
  function fmtInt(n) {
    if (typeof n !== 'number' || !isFinite(n)) return '–';
    return Math.round(n).toLocaleString('en-US');
  }
  function fmtNum(n, digits) {
    if (typeof n !== 'number' || !isFinite(n)) return '–';
    return n.toFixed(digits === undefined ? 1 : digits);
  }
  function fmtBytes(n) {
    if (typeof n !== 'number' || !isFinite(n)) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? String(Math.round(n)) : n.toFixed(1)) + ' ' + units[i];
  }
  function fmtTime(v) {
    if (v === undefined || v === null || v === '') return '–';
    const d = typeof v === 'number' ? new Date(v * 1000) : new Date(v);
    if (isNaN(d.getTime())) return String(v);
    return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  }
  function fmtDuration(s) {
    if (typeof s !== 'number' || !isFinite(s)) return '–';
    if (s >= 3600 && s % 3600 === 0) return (s / 3600) + ' h';
    if (s >= 60) return Math.round(s / 60) + ' min';
    return Math.round(s) + ' s';
  }
  function fileLine(f) {
    if (!f || !f.file) return '';
    return f.line ? f.file + ':' + f.line : f.file;
  }

  // ---- status line ----
  function setStatus(text, info) {
    const s = document.getElementById('status');
    if (!text) { s.hidden = true; s.textContent = ''; return; }
    s.hidden = false;
    s.className = info ? 'status info' : 'status';
    s.textContent = text;
  }

  // ---- API ----
  async function getJSON(path) {
    const res = await fetch(path, {headers: {Accept: 'application/json'}});
    if (!res.ok) {
      let detail = '';
      try { detail = (await res.text()).slice(0, 300); } catch (e) { /* none */ }
      throw new Error(path + ': HTTP ' + res.status + (detail ? ' ' + detail : ''));
    }
    return res.json();
  }
  function siteURL(service, siteId) {
    return 'api/v1/site?service=' + encodeURIComponent(service) +
        '&site_id=' + encodeURIComponent(siteId);
  }

  // ---- charts ----
  // Points: [[unix_seconds, value], ...]. Returns an <svg> polyline scaled to
  // the box; min at the bottom, max at the top.
  function scale(points, w, h, pad) {
    let x0 = Infinity, x1 = -Infinity, y1 = 0;
    for (const p of points) {
      x0 = Math.min(x0, p[0]); x1 = Math.max(x1, p[0]); y1 = Math.max(y1, p[1]);
    }
    if (x1 === x0) x1 = x0 + 1;
    if (y1 === 0) y1 = 1;
    const sx = (w - pad.l - pad.r) / (x1 - x0);
    const sy = (h - pad.t - pad.b) / y1;
    const pts = points.map((p) =>
      (pad.l + (p[0] - x0) * sx).toFixed(1) + ',' + (h - pad.b - p[1] * sy).toFixed(1));
    return {pts: pts.join(' '), x0: x0, x1: x1, y1: y1};
  }
  function validPoints(points) {
    if (!Array.isArray(points)) return [];
    return points.filter((p) => Array.isArray(p) && p.length >= 2 &&
        typeof p[0] === 'number' && typeof p[1] === 'number' && isFinite(p[0]) && isFinite(p[1]));
  }
  function sparkline(points) {
    const w = 120, h = 28;
    const s = svg('svg', {class: 'spark', width: w, height: h, viewBox: '0 0 ' + w + ' ' + h,
      role: 'img'});
    points = validPoints(points);
    if (points.length === 0) return s;
    const sc = scale(points, w, h, {l: 1, r: 1, t: 2, b: 2});
    s.appendChild(svg('polyline', {points: sc.pts}));
    const title = svg('title', {});
    title.textContent = 'fleet goroutines: ' + fmtInt(points[0][1]) + ' → ' +
        fmtInt(points[points.length - 1][1]);
    s.appendChild(title);
    return s;
  }
  function chart(points, w, h) {
    const pad = {l: 44, r: 8, t: 8, b: 18};
    const s = svg('svg', {class: 'chart', width: w, height: h, viewBox: '0 0 ' + w + ' ' + h,
      role: 'img'});
    points = validPoints(points);
    s.appendChild(svg('line', {class: 'axis', x1: pad.l, y1: h - pad.b, x2: w - pad.r, y2: h - pad.b}));
    s.appendChild(svg('line', {class: 'axis', x1: pad.l, y1: pad.t, x2: pad.l, y2: h - pad.b}));
    if (points.length === 0) {
      const t = svg('text', {x: pad.l + 6, y: h / 2});
      t.textContent = 'no points in the window';
      s.appendChild(t);
      return s;
    }
    const sc = scale(points, w, h, pad);
    s.appendChild(svg('polyline', {points: sc.pts}));
    const label = (x, y, text, anchor) => {
      const t = svg('text', {x: x, y: y, 'text-anchor': anchor || 'start'});
      t.textContent = text;
      s.appendChild(t);
    };
    label(pad.l - 4, pad.t + 8, fmtInt(sc.y1), 'end');
    label(pad.l - 4, h - pad.b, '0', 'end');
    label(pad.l, h - 4, fmtTime(sc.x0).slice(11, 16));
    label(w - pad.r, h - 4, fmtTime(sc.x1).slice(11, 16), 'end');
    return s;
  }

  // ---- list view ----
  function servicesTable(services) {
    const rows = services.map((s) => el('tr', null,
      el('td', null, link(serviceHref(s.service), s.service)),
      el('td', {class: 'num', text: fmtInt(s.instances)}),
      el('td', {class: 'num', text: fmtInt(s.goroutines)}),
      el('td', {class: 'num'}, s.suspects > 0 ?
        el('span', {class: 'badge suspect', text: fmtInt(s.suspects)}) : '0')));
    return el('table', {class: 'services', id: 'services'},
      el('thead', null, el('tr', null,
        el('th', {text: 'service'}), el('th', {class: 'num', text: 'instances'}),
        el('th', {class: 'num', text: 'goroutines'}), el('th', {class: 'num', text: 'suspects'}))),
      el('tbody', null, rows.length ? rows :
        el('tr', null, el('td', {colspan: 4, class: 'empty', text: 'no services reported yet'}))));
  }

  function suspectsTable(suspects, sparkCells) {
    const head = el('tr', null, ['#', '', 'service', 'site', 'class', 'pattern'].map(
      (t) => el('th', {text: t})),
    ['goroutines', 'growth/h', 'rising', 'memory', 'score'].map(
      (t) => el('th', {class: 'num', text: t})),
    el('th', {text: 'fleet count'}));
    const rows = suspects.map((s) => {
      const spark = el('td', {class: 'sparkcell'});
      sparkCells.push({cell: spark, service: s.service, site_id: s.site_id});
      return el('tr', {class: s.suspect ? 'suspect' : 'benign', 'data-site-id': s.site_id},
        el('td', {class: 'num', text: s.rank}),
        el('td', null, s.suspect ? el('span', {class: 'badge suspect',
          text: s.confirmed ? 'confirmed' : 'suspect'}) : s.suppressed ?
          el('span', {class: 'badge none', text: 'suppressed'}) : ''),
        el('td', null, link(serviceHref(s.service), s.service)),
        el('td', {class: 'fn'}, link(siteHref(s.service, s.site_id), s.function || s.site_id,
          'site-link'), el('span', {class: 'file', text: fileLine(s)})),
        el('td', {text: s.class || ''}),
        el('td', {text: s.pattern || ''}),
        el('td', {class: 'num', text: fmtInt(s.goroutines)}),
        el('td', {class: 'num', text: fmtNum(s.growth_per_hour)}),
        el('td', {class: 'num', text: fmtInt(s.instances_rising) + '/' + fmtInt(s.instances)}),
        el('td', {class: 'num', text: fmtBytes(s.est_bytes)}),
        el('td', {class: 'num', text: fmtNum(s.score, 2)}),
        spark);
    });
    return el('table', {class: 'suspects', id: 'suspects'}, el('thead', null, head),
      el('tbody', null, rows.length ? rows :
        el('tr', null, el('td', {colspan: 12, class: 'empty', text: 'no sites evaluated yet'}))));
  }

  async function fillSparklines(cells, token) {
    const queue = cells.slice(0, MAX_SPARKLINES);
    const worker = async () => {
      while (queue.length && token === renderToken) {
        const c = queue.shift();
        try {
          const site = await getJSON(siteURL(c.service, c.site_id));
          if (token !== renderToken) return;
          const fleet = site && site.series ? site.series.fleet : [];
          clear(c.cell);
          c.cell.appendChild(sparkline(fleet));
        } catch (e) {
          c.cell.textContent = '–';
        }
      }
    };
    await Promise.all(Array.from({length: FETCH_PARALLEL}, worker));
  }

  async function renderList(app, service, token) {
    const onlySuspects = sessionStorage.getItem('leakprof.onlySuspects') === '1';
    const [servicesRes, suspectsRes] = await Promise.all([
      getJSON('api/v1/services'),
      getJSON('api/v1/suspects' + (service ? '?service=' + encodeURIComponent(service) : '')),
    ]);
    if (token !== renderToken) return;
    const meta = document.getElementById('meta');
    meta.textContent = 'evaluated ' + fmtTime(suspectsRes.generated_at) + ' · window ' +
        fmtDuration(suspectsRes.window_seconds);
    let suspects = Array.isArray(suspectsRes.suspects) ? suspectsRes.suspects : [];
    const total = suspects.length;
    const flagged = suspects.filter((s) => s.suspect).length;
    if (onlySuspects) suspects = suspects.filter((s) => s.suspect);
    suspects = suspects.slice(0, MAX_ROWS);
    const toggle = el('input', {type: 'checkbox', id: 'only-suspects'});
    toggle.checked = onlySuspects;
    toggle.addEventListener('change', () => {
      sessionStorage.setItem('leakprof.onlySuspects', toggle.checked ? '1' : '0');
      route();
    });
    const sparkCells = [];
    clear(app);
    append(app, [
      service ? el('h1', null, 'Service ', el('span', {class: 'svc', text: service})) : null,
      service ? el('p', null, link('#/', '← all services')) : null,
      service ? null : el('h2', {text: 'Services'}),
      service ? null : servicesTable(Array.isArray(servicesRes.services) ? servicesRes.services : []),
      el('h2', {text: 'Ranked sites'}),
      el('div', {class: 'controls'},
        el('span', {id: 'counts',
          text: flagged + ' suspect' + (flagged === 1 ? '' : 's') + ' of ' + total + ' sites'}),
        el('label', null, toggle, ' suspects only')),
      suspectsTable(suspects, sparkCells),
    ]);
    setStatus('');
    await fillSparklines(sparkCells, token);
  }

  // ---- site view ----
  function alertBadge(alert) {
    const state = alert && typeof alert.state === 'string' ? alert.state : 'none';
    const cls = state === 'firing' ? 'firing' : state === 'resolved' ? 'resolved' : 'none';
    return el('span', {class: 'badge ' + cls, id: 'alert-state', text: state});
  }

  async function renderSite(app, service, siteId, token) {
    const res = await getJSON(siteURL(service, siteId));
    if (token !== renderToken) return;
    const s = res.suspect || {};
    const series = res.series || {};
    const alert = res.alert || {};
    const facts = [
      ['service', link(serviceHref(s.service || service), s.service || service)],
      ['site id', s.site_id || siteId],
      ['location', fileLine(s)],
      ['class', s.class],
      ['pattern', s.pattern],
      ['owner', s.owner],
      ['rank', s.rank],
      ['score', fmtNum(s.score, 2)],
      ['goroutines now', fmtInt(s.goroutines)],
      ['growth', fmtNum(s.growth_per_hour) + ' goroutines/hour'],
      ['instances rising', fmtInt(s.instances_rising) + ' of ' + fmtInt(s.instances)],
      ['memory at stake', fmtBytes(s.est_bytes) + ' (estimated)'],
      ['alert', [alertBadge(alert), alert.since ? ' since ' + fmtTime(alert.since) : '']],
      ['ticket', alert.ticket || 'none'],
    ];
    const dl = el('dl', {class: 'facts'});
    for (const [k, v] of facts) {
      if (v === undefined || v === null || v === '') continue;
      append(dl, [el('dt', {text: k}), el('dd', null, v)]);
    }
    const stack = Array.isArray(s.stack) ? s.stack : [];
    const evidence = Array.isArray(s.evidence) ? s.evidence : [];
    const instances = Array.isArray(series.instances) ? series.instances : [];
    const charts = instances.map((inst) => el('figure', null,
      el('figcaption', {text: inst.instance}), chart(inst.points, 300, 110)));
    clear(app);
    append(app, [
      el('p', null, link('#/', '← ranked sites')),
      el('h1', {id: 'site-function'}, s.function || siteId),
      s.suspect ? el('span', {class: 'badge suspect', text: 'suspect'}) :
        el('span', {class: 'badge ok', text: 'not a suspect'}),
      s.confirmed ? [' ', el('span', {class: 'badge suspect', text: 'confirmed leak'})] : null,
      s.suppressed ? [' ', el('span', {class: 'badge none', text: 'suppressed'})] : null,
      dl,
      el('h2', {text: 'Hint'}),
      s.hint ? el('div', {class: 'hint', id: 'hint', text: s.hint}) :
        el('p', {class: 'empty', text: 'no pattern recognised'}),
      el('h2', {text: 'Evidence'}),
      evidence.length ? el('ul', {class: 'evidence'}, evidence.map((e) => el('li', {text: e}))) :
        el('p', {class: 'empty', text: 'none'}),
      el('h2', {text: 'Stack'}),
      stack.length ? el('ol', {class: 'stack', id: 'stack'}, stack.map((f) => el('li', null,
        el('span', {class: 'func', text: f.function || '?'}),
        el('span', {class: 'file', text: fileLine(f)})))) :
        el('p', {class: 'empty', text: 'no frames'}),
      series.error ? el('p', {class: 'empty', text: 'series unavailable: ' + series.error}) : null,
      el('h2', {text: 'Fleet count' + (series.step_seconds ?
        ' (one point per ' + fmtDuration(series.step_seconds) + ')' : '')}),
      chart(series.fleet, 640, 160),
      el('h2', {text: 'Per instance (' + instances.length + ')'}),
      instances.length ? el('div', {class: 'charts', id: 'instance-charts'}, charts) :
        el('p', {class: 'empty', text: 'no instances in the window'}),
    ]);
    document.title = 'leakprof · ' + (s.function || siteId);
    setStatus('');
  }

  // ---- router ----
  function parseRoute() {
    const parts = (location.hash || '#/').replace(/^#\/?/, '').split('/').filter((p) => p !== '');
    const dec = (p) => { try { return decodeURIComponent(p); } catch (e) { return p; } };
    if (parts[0] === 'site' && parts.length >= 3) {
      return {view: 'site', service: dec(parts[1]), siteId: dec(parts.slice(2).join('/'))};
    }
    if (parts[0] === 'service' && parts.length >= 2) {
      return {view: 'list', service: dec(parts.slice(1).join('/'))};
    }
    return {view: 'list', service: ''};
  }

  async function route() {
    const token = ++renderToken;
    if (refreshTimer) { clearTimeout(refreshTimer); refreshTimer = null; }
    const app = document.getElementById('app');
    const r = parseRoute();
    document.title = 'leakprof';
    try {
      if (r.view === 'site') {
        await renderSite(app, r.service, r.siteId, token);
      } else {
        await renderList(app, r.service, token);
        if (token === renderToken) {
          refreshTimer = setTimeout(() => { if (token === renderToken) route(); }, REFRESH_MS);
        }
      }
      if (token === renderToken) document.body.setAttribute('data-ready', r.view);
    } catch (e) {
      if (token !== renderToken) return;
      setStatus('Could not load: ' + (e && e.message ? e.message : String(e)));
      document.body.setAttribute('data-ready', 'error');
    }
  }

  window.addEventListener('hashchange', () => {
    document.body.removeAttribute('data-ready');
    route();
  });
  route();
})();
