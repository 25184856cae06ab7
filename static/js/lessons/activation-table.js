// The activation table of the lecture, live: every activation's f(z) (solid) and f'(z)
// (dashed), its formulas under the grid; and unit health in the diagram: a unit that is dead
// (f'(z) = 0 on every training point) or saturated (f'(z) ≈ 0 on most of them) is marked.
// Hovering a hidden neuron draws where its inputs z fall on its activation's curve.

import { el } from '../dom.js';
import { fit } from '../heatmap.js';
import { named, t, tAttr, tText } from '../i18n.js';

/** @param {any} catalog @param {HTMLElement} net @param {() => any} palette */
export function createActivationTable(catalog, net, palette) {
  const { z, curves } = catalog.activation_curves;
  const heading = tText(el('h3', { className: 'view-title' }), 'views.units_title');
  const cells = catalog.activations.map((name) => {
    const canvas = tAttr(el('canvas', { className: 'activation-curve', role: 'img' }), 'aria-label', 'views.curve_label', { name: named('activation', name, name) });
    const cell = el('figure', { className: 'activation-cell', dataset: { name } }, [canvas, el('figcaption', { text: named('activation', name, name) })]);
    cell.addEventListener('pointerenter', () => { selected = name; caption(); dirty = true; });
    return { name, canvas, cell };
  });
  const grid = el('div', { className: 'activation-grid' }, cells.map((c) => c.cell));
  const formula = el('p', { className: 'view-note activation-formula' });
  const unitLine = el('p', { className: 'view-note unit-line', role: 'status' });
  const root = el('figure', { id: 'view-units', className: 'view units-view' }, [heading, grid, formula, unitLine]);
  let layers = [];
  let hovered = null; // {layer, unit}
  let selected = catalog.activations[0];
  let dirty = true;

  function caption() {
    formula.textContent = t('views.formula_line', { f: named('formula', selected, ''), df: named('derivative', selected, '') });
    for (const c of cells) c.cell.classList.toggle('selected', c.name === selected);
  }

  function mark() {
    for (const node of net.querySelectorAll('.neuron[data-health]')) delete node.dataset.health;
    layers.forEach((layer, l) => layer.status.forEach((status, n) => {
      const node = net.querySelector(`.neuron[data-column="${l + 1}"][data-unit="${n}"]`);
      if (node && status !== 'ok') node.dataset.health = status;
    }));
  }

  function describeUnit() {
    const layer = hovered && layers[hovered.layer];
    if (!layer) { tText(unitLine, 'views.units_hint'); return; }
    const n = hovered.unit;
    unitLine.textContent = t('views.unit_status', {
      layer: hovered.layer + 1, n: n + 1, name: named('activation', layer.activation, layer.activation),
      status: named('unitstatus', layer.status[n], layer.status[n]), active: Math.round(100 * layer.active[n]),
    });
  }

  net.addEventListener('pointerover', (event) => {
    const node = /** @type {HTMLElement} */ (event.target).closest?.('.neuron[data-column]');
    if (!node || root.hidden) return;
    const layer = Number(node.dataset.column) - 1;
    if (layer >= layers.length) return;
    hovered = { layer, unit: Number(node.dataset.unit) };
    selected = layers[layer].activation;
    caption();
    describeUnit();
    dirty = true;
  });

  function drawCell({ name, canvas }) {
    const { ctx, width, height } = fit(canvas);
    const colors = palette();
    ctx.clearRect(0, 0, width, height);
    const curve = curves[name];
    const values = [...curve.f, ...curve.df];
    const lo = Math.min(-1, ...values);
    const hi = Math.max(1, Math.min(6, Math.max(...values)));
    const x = (v) => ((v - z[0]) / (z[z.length - 1] - z[0])) * width;
    const y = (v) => height - 3 - ((Math.min(hi, v) - lo) / (hi - lo)) * (height - 6);
    ctx.strokeStyle = colors.css('--grid-line');
    ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(0, y(0)); ctx.lineTo(width, y(0)); ctx.moveTo(x(0), 0); ctx.lineTo(x(0), height); ctx.stroke();
    const layer = hovered && layers[hovered.layer];
    if (layer && layer.activation === name) { // where the hovered unit's inputs fall: bars along z
      const hist = layer.z_hist[hovered.unit];
      const top = Math.max(...hist, 1e-9);
      const bar = width / hist.length;
      ctx.fillStyle = colors.css('--accent');
      ctx.globalAlpha = 0.35;
      hist.forEach((share, i) => { const h = (share / top) * (height - 6); ctx.fillRect(i * bar + 1, height - h, bar - 2, h); });
      ctx.globalAlpha = 1;
    }
    const line = parseFloat(colors.css('--chart-line')) || 2;
    for (const [key, dash, color] of [['df', [4, 3], colors.css('--ink-soft')], ['f', [], colors.css('--ink')]]) {
      ctx.strokeStyle = color;
      ctx.lineWidth = line;
      ctx.setLineDash(dash);
      ctx.beginPath();
      curve[key].forEach((v, i) => (i ? ctx.lineTo(x(z[i]), y(v)) : ctx.moveTo(x(z[i]), y(v))));
      ctx.stroke();
    }
    ctx.setLineDash([]);
  }

  return {
    root,
    update(frame, view) {
      if (!view) return;
      layers = view;
      mark();
      describeUnit();
      dirty = true;
    },
    draw() {
      if (!dirty || root.hidden) return;
      dirty = false;
      for (const cell of cells) drawCell(cell);
    },
    clear() { layers = []; mark(); hovered = null; },
    relabel() {
      for (const c of cells) c.cell.querySelector('figcaption').textContent = named('activation', c.name, c.name);
      caption(); describeUnit(); dirty = true;
    },
  };
}
