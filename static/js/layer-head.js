// The controls above a hidden layer: its title, − units +, activation and dropout menus.
// Every visible text has a long and a short form; the diagram switches to the short ones when
// the columns are narrow (many layers, a small screen), so nothing is cut to "no dr…".

import { el } from './controls.js';

const SHORT_ACTIVATIONS = {
  sigmoid: 'sigm', softsign: 'ssign', softplus: 'splus', leaky_relu: 'lrelu', softmax: 'smax',
};

/** An element whose text follows the diagram's compact flag. */
function twoForm(tag, long, short, attrs = {}) {
  return el(tag, { ...attrs, text: long, dataset: { ...(attrs.dataset ?? {}), long, short } });
}

/**
 * The head of hidden layer `i` (0-based).
 * @param {number} i @param {{units: number, activation: string, dropout: number}} spec
 * @param {any} catalog @param {(edit: (layers: any[]) => void) => void} patchLayers
 */
export function layerHead(i, spec, catalog, patchLayers) {
  const name = `layer ${i + 1}`;
  const units = el('div', { className: 'units' });
  const minus = el('button', { type: 'button', className: 'round-button small', 'aria-label': `Remove a neuron from ${name}`, text: '−' });
  const plus = el('button', { type: 'button', className: 'round-button small', 'aria-label': `Add a neuron to ${name}`, text: '+' });
  minus.disabled = spec.units <= (catalog.ranges?.units?.min ?? 1);
  plus.disabled = spec.units >= catalog.limits.units;
  minus.addEventListener('click', () => patchLayers((ls) => { ls[i].units -= 1; }));
  plus.addEventListener('click', () => patchLayers((ls) => { ls[i].units += 1; }));
  units.append(minus, el('span', { className: 'count', text: String(spec.units), 'aria-label': `${spec.units} neurons` }), plus);

  const activation = el('select', { 'aria-label': `Activation of ${name}`, title: 'Activation', className: 'activation' });
  for (const option of catalog.activations) {
    activation.append(twoForm('option', option, SHORT_ACTIVATIONS[option] ?? option, { value: option }));
  }
  activation.value = spec.activation;
  activation.addEventListener('change', () => patchLayers((ls) => { ls[i].activation = activation.value; }));

  const dropout = el('select', { 'aria-label': `Dropout of ${name}`, title: 'Dropout rate', className: 'dropout', dataset: { hide: 'dropout' } });
  const maxDrop = catalog.ranges?.dropout?.max ?? 0.9;
  for (let d = 0; d <= maxDrop + 1e-9; d += 0.1) {
    const value = +d.toFixed(1);
    const percent = `${Math.round(value * 100)}%`;
    dropout.append(twoForm('option', value ? `dropout ${percent}` : 'no dropout', `${percent}`, { value: String(value) }));
  }
  dropout.value = String(+spec.dropout.toFixed(1));
  dropout.classList.toggle('active', spec.dropout > 0);
  dropout.addEventListener('change', () => patchLayers((ls) => { ls[i].dropout = Number(dropout.value); }));

  return el('div', { className: 'layer-head', dataset: { hide: 'layer_controls' } }, [
    twoForm('span', `Layer ${i + 1}`, `L${i + 1}`, { className: 'layer-title' }), units, activation, dropout,
  ]);
}

/** A head for the feature or output column: a title and a hint. */
export function columnHead(className, [long, short], hint) {
  return el('div', { className: `layer-head ${className}` }, [
    twoForm('span', long, short, { className: 'layer-title' }), el('span', { className: 'hint', text: hint }),
  ]);
}

/** Switch every two-form text under `root` to its short (true) or long form. */
export function setCompact(root, compact) {
  for (const node of root.querySelectorAll('[data-short]')) {
    const text = compact ? node.dataset.short : node.dataset.long;
    if (node.textContent !== text) node.textContent = text;
  }
}
