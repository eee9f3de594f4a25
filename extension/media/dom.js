// DOM helpers shared by nestvirt's webview scripts (loaded before each page's
// own script by extension/src/webview-html.ts). Pages build their DOM with
// these calls, never innerHTML: names in the data come from the guest run.
(function () {
  /** el('td', {class: 'x', title: 't'}, child, 'text', ...): attributes false/undefined are left out, true is empty. */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === false) continue;
      if (k === 'class') e.className = v; else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) if (c !== undefined && c !== null) e.append(c);
    return e;
  }
  window.nestvirtDom = { el };
})();
