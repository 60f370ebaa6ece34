// softbr web view: polls /api/state (bridges, ports, topology) and /api/fdb (MAC tables), long-polls
// /api/events, and draws the topology (cytoscape), the ports with rate charts, a virtualised MAC
// table (only the visible rows exist, so 10k MACs scroll smoothly) and the event stream.
'use strict';
(() => {
  const STATE_POLL_MS = 500;
  const FDB_POLL_MS = 1000;
  const ROW_H = 20;
  const HISTORY = 60;
  const COLORS = { forwarding: '#2e7d32', learning: '#f9a825', listening: '#1565c0', blocking: '#c62828', disabled: '#9e9e9e' };

  const $ = (s) => document.querySelector(s);
  const view = { state: null, macRows: [], shown: [], cy: null, graphKey: '', lastCounters: new Map(), history: new Map(), movedAt: new Map(), newAt: new Map(), fetchedAt: 0 };
  window.softbr = view;

  // lab names carry a long prefix (sby<pid>); show what tells ports apart
  const short = (name) => name.replace(/^sb[a-z]{1,2}\d{7}/, '');

  // ------------------------------------------------------------------ topology
  function graphElements(st) {
    const els = [];
    const portNode = new Map();
    for (const b of st.bridges) {
      els.push({ data: { id: `b:${b.name}`, label: b.name + (b.stp && b.isRoot ? ' (root)' : ''), kind: 'bridge' } });
      for (const p of b.ports) {
        const id = `p:${b.name}/${p.name}`;
        portNode.set(`${b.name}/${p.name}`, id);
        els.push({ data: { id, label: short(p.name), kind: 'port', state: p.state, role: p.role, bridge: b.name, port: p.name } });
        els.push({ data: { id: `m:${id}`, source: `b:${b.name}`, target: id, kind: 'member' } });
      }
    }
    const topo = st.topology;
    if (topo && topo.hosts) {
      for (const h of Object.keys(topo.hosts)) els.push({ data: { id: `h:${h}`, label: h, kind: 'host' } });
      (topo.links || []).forEach((l, i) => {
        const ends = l.ends.map((e, j) => {
          if (e.includes(':')) return `h:${e.split(':')[0]}`;
          const p = l.ports.find((x) => x.bridge === e && (l.ends.indexOf(e) === j));
          return p ? portNode.get(`${p.bridge}/${p.port}`) : undefined;
        });
        // a bridge-to-bridge link has one port per bridge; match them by bridge name
        if (l.ends.every((e) => !e.includes(':'))) {
          ends[0] = portNode.get(`${l.ports[0]?.bridge}/${l.ports[0]?.port}`);
          ends[1] = portNode.get(`${l.ports[1]?.bridge}/${l.ports[1]?.port}`);
        }
        if (ends[0] && ends[1]) els.push({ data: { id: `l:${i}:${l.ends.join('--')}`, source: ends[0], target: ends[1], kind: 'link' } });
      });
    }
    return els;
  }

  function drawGraph(st) {
    const els = graphElements(st);
    const key = els.map((e) => e.data.id).join('|');
    if (!view.cy) {
      view.cy = cytoscape({
        container: $('#graph'),
        style: [
          { selector: 'node', style: { label: 'data(label)', 'font-size': 10, 'text-valign': 'bottom', 'text-margin-y': 2 } },
          { selector: 'node[kind="bridge"]', style: { shape: 'round-rectangle', width: 60, height: 28, 'background-color': '#37474f', color: '#fff', 'text-valign': 'center', 'text-margin-y': 0, 'font-size': 11, 'font-weight': 'bold' } },
          { selector: 'node[kind="host"]', style: { shape: 'ellipse', width: 34, height: 34, 'background-color': '#90a4ae' } },
          { selector: 'node[kind="port"]', style: { width: 14, height: 14, 'background-color': (n) => COLORS[n.data('state')] || COLORS.disabled, 'border-width': (n) => (n.data('role') === 'root' ? 3 : 1), 'border-color': '#000', 'border-style': (n) => (n.data('role') === 'alternate' ? 'dashed' : 'solid') } },
          { selector: 'edge', style: { width: 2, 'line-color': '#b0bec5', 'curve-style': 'bezier' } },
          { selector: 'edge[kind="member"]', style: { width: 3, 'line-color': '#607d8b' } },
          { selector: 'edge.blocked', style: { 'line-color': COLORS.blocking, 'line-style': 'dashed' } },
        ],
      });
    }
    const cy = view.cy;
    if (key !== view.graphKey) {
      view.graphKey = key;
      cy.elements().remove();
      cy.add(els);
      cy.layout({ name: 'cose', animate: false, randomize: false, nodeRepulsion: 8000, idealEdgeLength: 40, fit: true, padding: 20 }).run();
    }
    for (const b of st.bridges) {
      for (const p of b.ports) {
        const n = cy.getElementById(`p:${b.name}/${p.name}`);
        if (n.nonempty() && (n.data('state') !== p.state || n.data('role') !== p.role)) n.data({ state: p.state, role: p.role });
      }
      cy.getElementById(`b:${b.name}`).data('label', b.name + (b.stp && b.isRoot ? ' (root)' : ''));
    }
    cy.edges('[kind="link"]').forEach((e) => {
      const blocked = [e.source(), e.target()].some((n) => n.data('state') === 'blocking');
      e.toggleClass('blocked', blocked);
    });
  }

  // ------------------------------------------------------------------ ports and rates
  function sparkline(canvas, hist) {
    const ctx = canvas.getContext('2d');
    const w = canvas.width, h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    const max = Math.max(1, ...hist.map((x) => x.rx + x.tx));
    for (const [key, color] of [['rx', '#1565c0'], ['tx', '#2e7d32']]) {
      ctx.strokeStyle = color;
      ctx.beginPath();
      hist.forEach((x, i) => { const px = (i / (HISTORY - 1)) * w; const py = h - (x[key] / max) * (h - 1); i ? ctx.lineTo(px, py) : ctx.moveTo(px, py); });
      ctx.stroke();
    }
  }

  function drawPorts(st) {
    const tbody = $('#ports tbody');
    const rows = [];
    for (const b of st.bridges) {
      // each bridge's counters carry when they were read: a bridge thread that was slow to answer
      // gives its last read again, which keeps the last rate instead of showing 0 frames/s
      const now = b.at ?? st.now;
      for (const p of b.ports) {
        const key = `${b.name}/${p.name}`;
        const last = view.lastCounters.get(key);
        const dt = last ? (now - last.now) / 1000 : 0;
        const rate = last && dt === 0 ? last.rate : { rx: dt > 0 ? Math.max(0, (p.rxFrames - last.rx) / dt) : 0, tx: dt > 0 ? Math.max(0, (p.txFrames - last.tx) / dt) : 0 };
        view.lastCounters.set(key, { now, rx: p.rxFrames, tx: p.txFrames, rate });
        const hist = view.history.get(key) || Array.from({ length: HISTORY }, () => ({ rx: 0, tx: 0 }));
        if (dt > 0) { hist.push(rate); while (hist.length > HISTORY) hist.shift(); }
        view.history.set(key, hist);
        rows.push({ key, b, p, rate, hist });
      }
    }
    // rows are reused by key: only their cells change, the canvases stay
    const seen = new Set();
    for (const r of rows) {
      seen.add(r.key);
      let tr = tbody.querySelector(`tr[data-port="${CSS.escape(r.key)}"]`);
      if (!tr) {
        tr = document.createElement('tr');
        tr.dataset.port = r.key;
        tr.innerHTML = '<td></td><td></td><td class="state"></td><td></td><td class="num"></td><td class="num"></td><td><canvas class="spark" width="120" height="18"></canvas></td>';
        tbody.appendChild(tr);
      }
      const c = tr.children;
      c[0].textContent = r.b.name;
      c[1].textContent = short(r.p.name) + (r.p.host ? ' (host)' : '');
      c[1].title = r.p.name;
      c[2].textContent = r.p.state;
      c[2].className = `state state-${r.p.state}`;
      c[3].textContent = r.p.role;
      c[4].textContent = r.rate.rx.toFixed(1);
      c[5].textContent = r.rate.tx.toFixed(1);
      tr.dataset.state = r.p.state;
      tr.classList.toggle('blocked', r.p.state === 'blocking');
      sparkline(c[6].firstChild, r.hist);
    }
    for (const tr of [...tbody.children]) if (!seen.has(tr.dataset.port)) tr.remove();
  }

  // ------------------------------------------------------------------ MAC table (virtualised)
  function filterMacs() {
    const f = $('#mac-filter').value.trim().toLowerCase();
    view.shown = f ? view.macRows.filter((r) => r.mac.includes(f) || r.port.toLowerCase().includes(f) || r.bridge.toLowerCase().includes(f)) : view.macRows;
    $('#macs-spacer').style.height = `${view.shown.length * ROW_H}px`;
    $('#mac-count').textContent = `(${view.shown.length}${f ? ` of ${view.macRows.length}` : ''})`;
    drawMacRows();
  }

  function drawMacRows() {
    const box = $('#macs');
    const first = Math.max(0, Math.floor(box.scrollTop / ROW_H) - 5);
    const count = Math.ceil(box.clientHeight / ROW_H) + 10;
    const rowsEl = $('#macs-rows');
    rowsEl.style.top = `${first * ROW_H}px`;
    const now = Date.now();
    const since = (now - view.fetchedAt) / 1000;
    const html = [];
    for (const r of view.shown.slice(first, first + count)) {
      const left = r.kind === 'learned' ? Math.max(0, r.ageingSec - r.age - since) : null;
      const cls = ['mac-row', r.kind === 'learned' ? '' : 'local', now - (view.movedAt.get(`${r.bridge}/${r.mac}`) || 0) < 10_000 ? 'moved' : '', now - (view.newAt.get(`${r.bridge}/${r.mac}`) || 0) < 3000 ? 'new' : ''].join(' ');
      html.push(`<div class="${cls}" data-mac="${r.mac}"><span>${r.bridge}</span><span>${r.mac}</span><span title="${r.port}">${short(r.port)}</span><span>${r.kind}</span><span>${left === null ? '—' : left.toFixed(1) + ' s'}</span></div>`);
    }
    rowsEl.innerHTML = html.join('');
  }

  async function pollFdb() {
    const st = view.state;
    if (!st) return;
    const parts = await Promise.all(st.bridges.map((b) => fetch(`/api/fdb?bridge=${encodeURIComponent(b.name)}`).then((r) => (r.ok ? r.json() : null)).catch(() => null)));
    const rows = [];
    for (const part of parts) {
      if (!part) continue;
      for (const [mac, port, kind, age] of part.rows) rows.push({ bridge: part.bridge, mac, port, kind, age, ageingSec: part.ageingSec });
    }
    view.macRows = rows;
    view.fetchedAt = Date.now();
    filterMacs();
  }

  // ------------------------------------------------------------------ events
  function describe(e) {
    switch (e.type) {
      case 'learned': return `learned ${e.mac} on ${short(e.port)}`;
      case 'moved': return `moved ${e.mac} from ${short(e.from)} to ${short(e.to)}`;
      case 'aged': return `aged ${e.mac} on ${short(e.port)}`;
      case 'stp-state': return `port ${short(e.port)} ${e.from} -> ${e.to}`;
      case 'root-change': return `root is now ${e.root} via ${short(e.rootPort)} cost ${e.cost}`;
      case 'port-added': return `port ${short(e.port)} (${e.no}) added, ${e.kind}`;
      case 'port-removed': return `port ${short(e.port)} removed`;
      case 'stp': return `stp ${e.what}`;
      default: return e.type;
    }
  }

  let fdbSoon = null;
  async function pollEvents(since) {
    for (;;) {
      let r;
      try {
        r = await (await fetch(`/api/events?since=${since}`)).json();
      } catch {
        await new Promise((res) => setTimeout(res, 1000));
        continue;
      }
      const list = $('#events');
      for (const e of r.events) {
        const li = document.createElement('li');
        li.className = e.type;
        li.textContent = `${new Date(e.time).toLocaleTimeString()} ${e.bridge}: ${describe(e)}`;
        list.prepend(li);
        if (e.type === 'moved') view.movedAt.set(`${e.bridge}/${e.mac}`, Date.now());
        if (e.type === 'learned') view.newAt.set(`${e.bridge}/${e.mac}`, Date.now());
        if (e.type === 'learned' || e.type === 'moved' || e.type === 'aged') fdbSoon ??= setTimeout(() => { fdbSoon = null; void pollFdb(); }, 50);
        if (e.type === 'stp-state' || e.type.startsWith('port-')) void pollState();
      }
      while (list.children.length > 200) list.lastChild.remove();
      since = r.seq;
    }
  }

  // ------------------------------------------------------------------ state
  let inFlight = false;
  async function pollState() {
    if (inFlight) return;
    inFlight = true;
    try {
      const st = await (await fetch('/api/state')).json();
      view.state = st;
      const ports = st.bridges.reduce((n, b) => n + b.ports.length, 0);
      const blocked = st.bridges.reduce((n, b) => n + b.ports.filter((p) => p.state === 'blocking').length, 0);
      $('#summary').textContent = `${st.topology?.name ? `lab ${st.topology.name}: ` : ''}${st.bridges.length} bridges, ${ports} ports, ${blocked} blocking, ${st.bridges.reduce((n, b) => n + b.macs, 0)} learned MACs`;
      drawGraph(st);
      drawPorts(st);
    } catch {
      $('#summary').textContent = 'daemon not answering';
    } finally {
      inFlight = false;
    }
  }

  $('#macs').addEventListener('scroll', drawMacRows, { passive: true });
  $('#mac-filter').addEventListener('input', filterMacs);
  setInterval(pollState, STATE_POLL_MS);
  setInterval(pollFdb, FDB_POLL_MS);
  setInterval(drawMacRows, 250);
  void pollState().then(pollFdb);
  void pollEvents(-1);
})();
