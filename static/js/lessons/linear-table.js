// The network as one linear map: when every hidden layer is linear, logits = x·A + c with
// A = W1·W2·…·Wk (the lecture's "two regressions stacked are one"), shown beside linear
// regression's closed form w = (XᵀX)⁻¹Xᵀy on the same features, and how straight the boundary
// is (the logits' distance from a plane in x1, x2).

import { el } from '../dom.js';
import { t, tText } from '../i18n.js';
import { formatValue } from './format.js';

/** @param {any} catalog */
export function createLinearTable(catalog) {
  const labels = Object.fromEntries(catalog.features.map((f) => [f.name, f.label]));
  const heading = tText(el('h3', { className: 'view-title' }), 'views.linear_title');
  const table = el('table', { className: 'linear-table' });
  const note = el('p', { className: 'view-note' });
  const root = el('figure', { id: 'view-linear', className: 'view linear-view' }, [heading, table, note]);
  let last = null;

  function render() {
    const view = last;
    if (!view) { table.replaceChildren(); note.textContent = ''; return; }
    const outputs = (view.network ?? view.closed_form)?.c.length ?? 0;
    const head = [el('th', { text: '' })];
    for (let k = 0; k < outputs; k += 1) {
      const suffix = outputs > 1 ? ` ${k + 1}` : '';
      if (view.network) head.push(el('th', { scope: 'col', text: t('views.linear_network') + suffix }));
      if (view.closed_form) head.push(el('th', { scope: 'col', text: t('views.linear_closed') + suffix }));
    }
    const rows = [...view.features.map((name, i) => [labels[name] ?? name, i]), [t('views.linear_bias'), -1]];
    const body = rows.map(([label, i]) => {
      const cells = [el('th', { scope: 'row', text: label })];
      for (let k = 0; k < outputs; k += 1) {
        for (const m of [view.network, view.closed_form]) {
          if (m) cells.push(el('td', { text: formatValue(i < 0 ? m.c[k] : m.a[i][k]) }));
        }
      }
      return el('tr', {}, cells);
    });
    table.replaceChildren(el('thead', {}, [el('tr', {}, head)]), el('tbody', {}, body));
    const parts = [];
    if (!view.network) parts.push(t('views.linear_not_linear'));
    if (view.gap != null) parts.push(t('views.linear_gap', { gap: formatValue(view.gap) }));
    if (view.curvature != null) {
      parts.push(view.curvature < 1e-6 ? t('views.linear_straight') : t('views.linear_curved', { value: formatValue(view.curvature) }));
    }
    note.textContent = parts.join(' ');
  }

  return {
    root,
    update(frame, view) { if (view) { last = view; render(); } },
    clear() { last = null; render(); },
    relabel: render,
  };
}
