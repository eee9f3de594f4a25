// The VM Transitions timeline (webview side). Receives {type:'data'|'unavailable'}
// from extension/src/timeline-view.ts and draws: per-reason stats, filters, one
// lane per (vCPU, level) on an instructions-retired axis, and the transition
// list. Clicks post {type:'goto', seq}. Built with DOM calls (no innerHTML):
// reason names and handler names come from the adapter.
(function () {
  const vscode = acquireVsCodeApi();
  const app = document.getElementById('app');
  const SVG = 'http://www.w3.org/2000/svg';
  const LANE_H = 22, LABEL_W = 64, AXIS_H = 18, LIST_MAX = 400;

  /** Filter state survives refreshes and the view being hidden. */
  const saved = vscode.getState() || {};
  const filters = {
    levels: new Set(saved.levels || [0, 1, 2]),
    hiddenReasons: new Set(saved.hiddenReasons || []),
    handler: saved.handler || '',
  };
  /** Visible icount window [from, to]; undefined = the whole run. */
  let zoom = undefined;
  let data = undefined;
  let selectedSeq = undefined;

  const saveState = () => vscode.setState({ levels: [...filters.levels], hiddenReasons: [...filters.hiddenReasons], handler: filters.handler });

  const { el } = window.nestvirtDom;
  function svg(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    return e;
  }
  const fmt = (n) => Number(n).toLocaleString('en-US');
  // Entries carry reason 0 with their instruction's name (VMLAUNCH): the name keeps them apart from exit reason 0.
  const reasonKey = (t) => `${t.arch}:${t.reason}:${t.reasonName}`;
  const isEntry = (t) => t.type === 'entry';
  const describe = (t) => `${t.type}${isEntry(t) ? '' : ` ${t.reasonName} (${t.reason})`} L${t.from}→L${t.to}`;

  /** Stable colour per reason: the order of reasons by number, cycling through the six chart colours. */
  function colourMap(transitions, stats) {
    const keys = new Map();
    for (const r of (stats && stats.reasons) || []) keys.set(reasonKey(r), r.reason);
    for (const t of transitions) keys.set(reasonKey(t), t.reason);
    const sorted = [...keys.entries()].sort((a, b) => a[1] - b[1]).map(([k]) => k);
    const map = new Map();
    sorted.forEach((k, i) => map.set(k, `c${i % 6}${i >= 6 ? ' p1' : ''}`));
    return map;
  }
  const colourOf = (colours, t) => (t.type === 'entry-fail' ? 'fail' : colours.get(reasonKey(t)) || 'c0');

  function passes(t) {
    if (filters.hiddenReasons.has(reasonKey(t))) return false;
    if (filters.handler && (t.handledBy || '') !== filters.handler) return false;
    return filters.levels.has(t.from) || filters.levels.has(t.to);
  }

  window.addEventListener('message', (ev) => {
    const m = ev.data;
    if (m.type === 'unavailable') {
      data = undefined;
      app.replaceChildren(el('p', { class: 'unavailable', id: 'unavailable' }, m.text));
    } else if (m.type === 'data') {
      data = m;
      render();
    }
  });

  function render() {
    if (!data) return;
    const colours = colourMap(data.transitions, data.stats);
    const shown = data.transitions.filter(passes);
    app.replaceChildren(
      toolbar(),
      filterBar(colours),
      timeline(colours),
      el('div', { class: 'columns' }, statsSection(colours), listSection(colours, shown)),
    );
  }

  function toolbar() {
    const exportBtn = el('button', { id: 'export', title: 'Save the transitions as Chrome/Perfetto trace-event JSON' }, 'Export…');
    exportBtn.addEventListener('click', () => vscode.postMessage({ type: 'export' }));
    const refreshBtn = el('button', { class: 'secondary', id: 'refresh' }, 'Refresh');
    refreshBtn.addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
    const resetBtn = el('button', { class: 'secondary', id: 'reset-zoom', disabled: !zoom }, 'Reset zoom');
    resetBtn.addEventListener('click', () => { zoom = undefined; render(); });
    const window_ = data.total > data.transitions.length ? ` (showing the last ${fmt(data.transitions.length)})` : '';
    return el('div', { class: 'toolbar' },
      el('span', { id: 'summary' }, `${fmt(data.total)} transitions${window_} · ${fmt(data.icountNow)} instructions retired`),
      exportBtn, refreshBtn, resetBtn,
      el('span', { class: 'muted' }, 'wheel: zoom · click a mark: go to that transition'));
  }

  function filterBar(colours) {
    const bar = el('div', { class: 'toolbar', id: 'filters' });
    for (const level of [2, 1, 0]) {
      const box = el('input', { type: 'checkbox', id: `level-${level}`, checked: filters.levels.has(level) });
      box.addEventListener('change', () => {
        box.checked ? filters.levels.add(level) : filters.levels.delete(level);
        saveState(); render();
      });
      bar.append(el('label', {}, box, ` L${level}`));
    }
    const handlers = [...new Set(data.transitions.map((t) => t.handledBy).filter(Boolean))].sort();
    const sel = el('select', { id: 'handler', title: 'Handled by' }, el('option', { value: '' }, 'any handler'));
    for (const h of handlers) sel.append(el('option', { value: h, selected: h === filters.handler }, h));
    sel.addEventListener('change', () => { filters.handler = sel.value; saveState(); render(); });
    bar.append(el('label', {}, 'handler ', sel));
    const names = new Map();
    for (const t of data.transitions) names.set(reasonKey(t), t.reasonName);
    for (const r of (data.stats && data.stats.reasons) || []) names.set(reasonKey(r), r.reasonName);
    for (const [key, name] of [...names.entries()].sort((a, b) => a[1].localeCompare(b[1]))) {
      const box = el('input', { type: 'checkbox', checked: !filters.hiddenReasons.has(key), 'data-reason': name });
      box.addEventListener('change', () => {
        box.checked ? filters.hiddenReasons.delete(key) : filters.hiddenReasons.add(key);
        saveState(); render();
      });
      bar.append(el('label', { class: 'reason-filter' }, box, el('span', { class: `swatch ${colours.get(key)}` }), name));
    }
    return bar;
  }

  /** One lane per (vCPU, level); a bar for the time a level ran after each transition, a mark per transition. */
  function timeline(colours) {
    const vcpus = [...new Set(data.transitions.map((t) => t.vcpu))].sort((a, b) => a - b);
    if (vcpus.length === 0) vcpus.push(0);
    const levels = [2, 1, 0].filter((l) => filters.levels.has(l));
    const lanes = [];
    for (const v of vcpus) for (const l of levels) lanes.push({ vcpu: v, level: l });
    const width = Math.max(300, app.clientWidth - 4);
    const height = lanes.length * LANE_H + AXIS_H;
    const root = svg('svg', { class: 'lanes', id: 'lanes', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'VM transitions by level over instructions retired' });
    const first = data.transitions.length ? data.transitions[0].icount : 0;
    const [x0, x1] = zoom || [data.start > 0 ? first : 0, Math.max(data.icountNow, first + 1)];
    const plotW = width - LABEL_W - 8;
    const x = (ic) => LABEL_W + ((ic - x0) / (x1 - x0)) * plotW;
    const laneY = new Map(lanes.map((ln, i) => [`${ln.vcpu}:${ln.level}`, i * LANE_H]));

    lanes.forEach((ln, i) => {
      root.append(svg('rect', { class: 'lane-bg', x: LABEL_W, y: i * LANE_H + 2, width: plotW, height: LANE_H - 4 }));
      const label = svg('text', { class: 'lane-label', x: 2, y: i * LANE_H + LANE_H / 2 + 4 });
      label.textContent = vcpus.length > 1 ? `vCPU${ln.vcpu} L${ln.level}` : `L${ln.level}`;
      root.append(label);
    });

    // Bars: after transition i of a vCPU, level `to` runs until that vCPU's next transition.
    const byVcpu = new Map();
    for (const t of data.transitions) (byVcpu.get(t.vcpu) || byVcpu.set(t.vcpu, []).get(t.vcpu)).push(t);
    for (const list of byVcpu.values()) {
      // Before its first transition in view, the vCPU ran in that transition's `from` level.
      const first = list[0];
      const y0 = laneY.get(`${first.vcpu}:${first.from}`);
      if (y0 !== undefined && first.icount > x0) {
        const b = Math.min(x(first.icount), LABEL_W + plotW);
        root.append(svg('rect', { class: 'segment run', x: LABEL_W, y: y0 + 6, width: Math.max(1, b - LABEL_W), height: LANE_H - 12 }));
      }
      list.forEach((t, i) => {
        const y = laneY.get(`${t.vcpu}:${t.to}`);
        if (y === undefined) return;
        const end = i + 1 < list.length ? list[i + 1].icount : data.icountNow;
        if (end < x0 || t.icount > x1) return;
        const a = Math.max(x(t.icount), LABEL_W), b = Math.min(x(end), LABEL_W + plotW);
        const cls = isEntry(t) ? 'segment run' : `segment ${colourOf(colours, t)}`;
        root.append(svg('rect', { class: passes(t) ? cls : `${cls} dim`, x: a, y: y + 6, width: Math.max(1, b - a), height: LANE_H - 12 }));
      });
    }
    // Marks: in the lane the transition went to, clickable.
    for (const t of data.transitions) {
      if (!passes(t) || t.icount < x0 || t.icount > x1) continue;
      const y = laneY.get(`${t.vcpu}:${t.to}`);
      if (y === undefined) continue;
      const mark = svg('rect', {
        class: `marker ${isEntry(t) ? 'segment run' : colourOf(colours, t)}${t.seq === selectedSeq ? ' selected' : ''}`,
        x: x(t.icount) - 1.5, y: y + 2, width: 3, height: LANE_H - 4, 'data-seq': t.seq, tabindex: 0,
      });
      const title = svg('title', {});
      title.textContent = `#${t.seq} ${describe(t)} @ ${fmt(t.icount)}${t.handledBy ? ` — ${t.handledBy}` : ''}`;
      mark.append(title);
      mark.addEventListener('click', () => go(t.seq));
      mark.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') go(t.seq); });
      root.append(mark);
    }
    // Axis: five ticks.
    const axis = svg('g', { class: 'axis' });
    const yAxis = lanes.length * LANE_H;
    for (let k = 0; k <= 4; k++) {
      const ic = x0 + ((x1 - x0) * k) / 4;
      const px = x(ic);
      axis.append(svg('line', { x1: px, x2: px, y1: yAxis, y2: yAxis + 4 }));
      const label = svg('text', { x: Math.min(px, width - 60), y: yAxis + 14 });
      label.textContent = fmt(Math.round(ic));
      axis.append(label);
    }
    root.append(axis);
    root.addEventListener('wheel', (e) => {
      e.preventDefault();
      const box = root.getBoundingClientRect();
      const at = x0 + ((e.clientX - box.left - LABEL_W) / plotW) * (x1 - x0);
      const f = e.deltaY < 0 ? 0.7 : 1 / 0.7;
      const lo = Math.max(0, at - (at - x0) * f), hi = Math.min(data.icountNow, at + (x1 - at) * f);
      zoom = hi - lo < 10 ? [at - 5, at + 5] : lo <= 0 && hi >= data.icountNow ? undefined : [lo, hi];
      render();
    }, { passive: false });
    return root;
  }

  function statsSection(colours) {
    const sec = el('section', { id: 'stats' }, el('h3', {}, 'Exit reasons'));
    if (!data.stats) {
      sec.append(el('p', { class: 'unavailable' }, `stats not available: ${data.statsError || 'no answer'}`));
      return sec;
    }
    const now = data.stats.icountNow || 1;
    const table = el('table', {}, el('tr', {}, ...['reason', 'count', 'reflected', 'L0', 'share of time'].map((h) => el('th', {}, h))));
    const reasons = [...data.stats.reasons].sort((a, b) => b.count - a.count);
    for (const r of reasons) {
      const share = (100 * r.handlingInstructions) / now;
      table.append(el('tr', { 'data-reason': r.reasonName },
        el('td', {}, el('span', { class: `swatch ${colours.get(reasonKey(r)) || 'c0'}` }), `${r.reasonName} (${r.reason})`),
        el('td', { class: 'mono' }, fmt(r.count)),
        el('td', { class: 'mono' }, fmt(r.reflected)),
        el('td', { class: 'mono' }, fmt(r.handledByL0)),
        el('td', { class: 'mono', title: `${fmt(r.handlingInstructions)} instructions handling it` },
          el('span', { class: 'share', 'data-share': share.toFixed(2) }), ` ${share < 0.01 && share > 0 ? '<0.01' : share.toFixed(2)}%`)));
    }
    if (reasons.length === 0) table.append(el('tr', {}, el('td', { class: 'muted' }, 'no exits yet')));
    sec.append(table, el('p', { class: 'muted' }, `${fmt(data.stats.total)} transitions in all`));
    // Bar widths via CSSOM (the CSP forbids inline style attributes).
    for (const bar of sec.querySelectorAll('.share')) bar.style.width = `${Math.min(100, Number(bar.getAttribute('data-share'))) * 0.8}px`;
    return sec;
  }

  function listSection(colours, shown) {
    const sec = el('section', {}, el('h3', {}, `Transitions (${fmt(shown.length)} shown)`));
    const table = el('table', { id: 'list', class: 'mono' },
      el('tr', {}, ...['#', 'icount', 'vCPU', 'levels', 'type', 'reason', 'handled by', 'RIP'].map((h) => el('th', {}, h))));
    const rows = shown.slice(-LIST_MAX);
    for (const t of rows) {
      const row = el('tr', { class: `clickable${t.seq === selectedSeq ? ' selected' : ''}`, tabindex: 0, 'data-seq': t.seq, title: t.check ? `${t.check.id} (${t.check.section}): ${t.check.rule}` : t.rule || '' },
        el('td', {}, String(t.seq)), el('td', {}, fmt(t.icount)), el('td', {}, String(t.vcpu)),
        el('td', {}, `L${t.from}→L${t.to}`), el('td', {}, t.type),
        el('td', {}, isEntry(t) ? '' : el('span', { class: `swatch ${colourOf(colours, t)}` }), isEntry(t) ? '' : `${t.reasonName} (${t.reason})`),
        el('td', {}, t.handledBy || ''), el('td', {}, t.rip || ''));
      row.addEventListener('click', () => go(t.seq));
      row.addEventListener('keydown', (e) => { if (e.key === 'Enter') go(t.seq); });
      table.append(row);
    }
    const wrap = el('div', { id: 'list-wrap' }, table);
    sec.append(shown.length > LIST_MAX ? el('p', { class: 'muted' }, `the latest ${LIST_MAX} of them`) : '', wrap);
    // Newest at the bottom, in view.
    requestAnimationFrame(() => (wrap.scrollTop = wrap.scrollHeight));
    return sec;
  }

  function go(seq) {
    selectedSeq = seq;
    vscode.postMessage({ type: 'goto', seq });
    render();
  }

  window.addEventListener('resize', () => data && render());
  vscode.postMessage({ type: 'ready' });
})();
