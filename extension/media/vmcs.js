// The VMCS/VMCB viewer (webview side). Receives {type:'blocks'|'unavailable'|
// 'editResult'} from extension/src/vmcs-panel.ts; renders the groups with the
// three columns side by side; an editable VMCS12/VMCB12 cell becomes an input
// on click, and Enter posts {type:'edit', name, value}. The adapter validates
// the value; this side only checks that it is a number at all.
(function () {
  const vscode = acquireVsCodeApi();
  const app = document.getElementById('app');
  const saved = vscode.getState() || {};
  const state = { query: saved.query || '', onlyDiffs: !!saved.onlyDiffs, closed: new Set(saved.closed || []) };
  let blocks = undefined;
  /** Field name → {ok, text}: the last edit's answer, shown under the field until the next render of new data. */
  const editNotes = new Map();
  let editing = undefined;
  /** What the user has typed into the open editor, kept across re-renders. */
  let draft = '';

  const save = () => vscode.setState({ query: state.query, onlyDiffs: state.onlyDiffs, closed: [...state.closed] });
  const { el } = window.nestvirtDom;
  const NUMBER = /^\s*(0x[0-9a-f]+|[0-9]+)\s*$/i;

  window.addEventListener('message', (ev) => {
    const m = ev.data;
    if (m.type === 'unavailable') {
      blocks = undefined;
      app.replaceChildren(el('p', { class: 'unavailable', id: 'unavailable' }, m.text));
    } else if (m.type === 'blocks') {
      blocks = m.blocks;
      render();
    } else if (m.type === 'editResult') {
      editNotes.set(m.name, m.ok ? { ok: true, text: `set to ${m.value}` } : { ok: false, text: m.error });
      if (m.ok) editing = undefined;
      render();
    }
  });

  function render() {
    if (!blocks) return;
    const [c12, c02, c01] = blocks.columns;
    const search = el('input', { type: 'search', id: 'search', placeholder: 'Filter fields', value: state.query, 'aria-label': 'Filter fields by name' });
    search.addEventListener('input', () => { state.query = search.value; save(); renderGroups(); });
    const diffs = el('input', { type: 'checkbox', id: 'only-diffs', checked: state.onlyDiffs });
    diffs.addEventListener('change', () => { state.onlyDiffs = diffs.checked; save(); renderGroups(); });
    const refresh = el('button', { class: 'secondary', id: 'refresh' }, 'Refresh');
    refresh.addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
    const nDiff = blocks.groups.reduce((n, g) => n + g.fields.filter((f) => f.differs).length, 0);
    const groupsEl = el('div', { id: 'groups' });
    app.replaceChildren(
      el('div', { class: 'toolbar' },
        el('strong', {}, `${c12} · ${c02} · ${c01}`),
        search,
        el('label', {}, diffs, ` only where ${c02} differs from ${c12} (${nDiff})`),
        refresh),
      blocks.message ? el('p', { class: 'muted' }, blocks.message) : '',
      el('p', { class: 'muted' }, `Click a ${c12} value to edit it; the edit is validated before it is written.`),
      groupsEl);
    renderGroups();

    function renderGroups() {
      const q = state.query.trim().toLowerCase();
      groupsEl.replaceChildren();
      for (const g of blocks.groups) {
        const fields = g.fields.filter((f) => (!q || f.name.toLowerCase().includes(q) || f.key.toLowerCase().includes(q)) && (!state.onlyDiffs || f.differs));
        if (fields.length === 0) continue;
        const table = el('table', { class: 'fields' },
          el('tr', {}, ...['field', 'key', c12, c02, c01, 'decoded'].map((h) => el('th', {}, h))));
        for (const f of fields) table.append(...fieldRows(f));
        const differing = fields.filter((f) => f.differs).length;
        const det = el('details', { open: !state.closed.has(g.name), 'data-group': g.name },
          el('summary', {}, g.name, el('span', { class: 'muted' }, ` ${fields.length} fields${differing ? `, ${differing} differ` : ''}`)),
          table);
        det.addEventListener('toggle', () => { det.open ? state.closed.delete(g.name) : state.closed.add(g.name); save(); });
        groupsEl.append(det);
      }
      if (!groupsEl.childElementCount) groupsEl.append(el('p', { class: 'muted' }, 'no field matches'));
    }
  }

  function fieldRows(f) {
    const v = (k) => f.values[k];
    const cell = (k, cls) => el('td', { class: `value mono ${cls}${v(k) === undefined ? ' absent' : ''}` }, v(k) === undefined ? '—' : v(k));
    const row = el('tr', { class: f.differs ? 'differs' : '', 'data-field': f.name, title: f.differs ? `${blocks.columns[1]} differs from ${blocks.columns[0]}` : '' },
      el('td', { class: 'mono' }, f.name), el('td', { class: 'mono muted' }, f.key),
      v12Cell(f), cell('02', 'v02'), cell('01', 'v01'),
      el('td', { class: 'decoded' }, f.decoded || ''));
    const note = editNotes.get(f.name);
    if (!note) return [row];
    return [row, el('tr', { 'data-note-for': f.name }, el('td', {}), el('td', { colspan: 5, class: note.ok ? 'edit-ok' : 'edit-error', role: note.ok ? 'status' : 'alert' }, note.text))];
  }

  function v12Cell(f) {
    const value = f.values['12'];
    if (value === undefined) return el('td', { class: 'value mono v12 absent' }, '—');
    if (f.readOnly) return el('td', { class: 'value mono v12', title: 'read-only field' }, value);
    if (editing === f.name) {
      const note = editNotes.get(f.name);
      const input = el('input', { class: `cell${note && !note.ok ? ' invalid' : ''}`, value: draft, 'aria-label': `New value of ${f.name}` });
      input.addEventListener('input', () => { draft = input.value; });
      input.addEventListener('keydown', (e) => {
        if (e.key === 'Escape') { editing = undefined; editNotes.delete(f.name); render(); return; }
        if (e.key !== 'Enter') return;
        if (!NUMBER.test(input.value)) {
          editNotes.set(f.name, { ok: false, text: 'enter a number: hex with 0x, or decimal' });
          render();
          return;
        }
        vscode.postMessage({ type: 'edit', name: f.name, value: input.value.trim() });
      });
      requestAnimationFrame(() => { input.focus(); input.select(); });
      return el('td', { class: 'value v12' }, input);
    }
    const btn = el('button', { class: 'cell', title: `Edit ${f.name}` }, value);
    btn.addEventListener('click', () => { editing = f.name; draft = value; editNotes.delete(f.name); render(); });
    return el('td', { class: 'value v12' }, btn);
  }

  vscode.postMessage({ type: 'ready' });
})();
