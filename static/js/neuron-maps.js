// What each neuron's little map shows: inputs from a formula when the server does not send them
// (inactive features), outputs on their probability scale, hidden units on a symmetric scale;
// the hover card shows one of them large.

import { fmt } from './dom.js';
import { t } from './i18n.js';
import { createHeatmap, neuronDomain, ramp } from './heatmap.js';

/** Feature maps for the features the server does not send (inactive ones): x1, x2 in the domain. */
const FEATURE_FORMULAS = {
  x1: (a) => a, x2: (a, b) => b, 'x1^2': (a) => a * a, 'x2^2': (a, b) => b * b,
  'x1*x2': (a, b) => a * b, 'sin(x1)': (a) => Math.sin(a), 'sin(x2)': (a, b) => Math.sin(b),
  'cos(x1)': (a) => Math.cos(a), 'cos(x2)': (a, b) => Math.cos(b),
};

/** Feature `name`'s values on an r×r grid over the domain as a u8 channel {cells, lo, hi, size}, or null. */
export function featureGrid(name, domain, r = 20) {
  const formula = FEATURE_FORMULAS[name];
  if (!formula) return null;
  const [lo, hi] = domain;
  const values = new Float64Array(r * r);
  for (let row = 0; row < r; row += 1) {
    for (let col = 0; col < r; col += 1) {
      values[row * r + col] = formula(lo + ((col + 0.5) * (hi - lo)) / r, hi - ((row + 0.5) * (hi - lo)) / r);
    }
  }
  const min = Math.min(...values);
  const max = Math.max(...values);
  const cells = Uint8Array.from(values, (v) => Math.round(((v - min) / (max - min || 1)) * 255));
  return { cells, lo: min, hi: max, size: r };
}

/**
 * Paint one neuron's grid. `output` is the output neuron's task ('binary' | 'multiclass' |
 * 'regression'), or null for inputs and hidden units.
 */
export function paintNeuron(heatmap, grid, { output = null, index = 0 }, palette) {
  const diverging = ramp([palette.neg, palette.mid, palette.pos]);
  if (output === 'binary') heatmap.drawScalar(grid, diverging, [0, 1]);
  else if (output === 'multiclass') heatmap.drawScalar(grid, ramp([palette.mid, palette.classes[index % 6]]), [0, 1]);
  else heatmap.drawScalar(grid, diverging, neuronDomain(grid));
}

/**
 * The hover card: a neuron's map, large, with its title and value range, and under them the
 * neuron's own explanation (its aria-describedby text: what a click does, why it is off).
 * @param {{root: HTMLElement, canvas: HTMLCanvasElement, text: HTMLElement, note: HTMLElement}} card
 * @param {(heatmap: any, item: any, grid: any) => void} paint  draws `grid` as `item` shows it
 */
export function createHovercard(card, paint) {
  const heatmap = createHeatmap(card.canvas);
  let shown = null; // {item, title}

  function draw() {
    const { item, title } = shown;
    if (!item.node.isConnected) { hide(); return; } // its diagram was rebuilt under it
    const grid = item.grid ?? item.static;
    if (!grid) return;
    paint(heatmap, item, grid);
    card.text.textContent = t('card.range', { title, lo: fmt(grid.lo), hi: fmt(grid.hi) });
    card.note.textContent = document.getElementById(item.node.getAttribute('aria-describedby') ?? '')?.textContent ?? '';
    if (!card.root.hidden) return;
    card.root.hidden = false;
    const rect = item.node.getBoundingClientRect();
    const width = card.root.offsetWidth;
    const left = rect.right + 12 + width > window.innerWidth ? rect.left - width - 12 : rect.right + 12;
    card.root.style.left = `${Math.max(4, left)}px`;
    card.root.style.top = `${Math.max(4, Math.min(rect.top - 20, window.innerHeight - card.root.offsetHeight - 4))}px`;
  }

  function show(item, title) { shown = { item, title }; draw(); }
  /** Hide the card (only if it shows `item`, when given). */
  function hide(item = null) {
    if (!shown || (item && shown.item !== item)) return;
    shown = null;
    card.root.hidden = true;
  }
  function refresh() { if (shown) draw(); }

  return { show, hide, refresh };
}
