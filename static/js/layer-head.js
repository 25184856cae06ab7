// The controls above a hidden layer: its title, − units +, activation and dropout menus (a link's
// hide or a teacher's lock leaves the title, the units and the activation as text).
// Every visible text has a long and a short form; the diagram switches to the short ones when
// the columns are narrow (many layers, a small screen), so nothing is cut to "no dr…".

import { el } from './dom.js';
import { named, t, tAttr } from './i18n.js';
import { tTip, tTipNamed } from './tooltips.js';

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
  const n = i + 1;
  const units = el('div', { className: 'units' });
  const button = (text, label, tip) => tTip(tAttr(el('button', { type: 'button', className: 'round-button small', text, dataset: { hide: 'layer_controls' } }), 'aria-label', label, { n }), tip);
  const minus = button('−', 'layer.remove_neuron', 'tip.remove_neuron');
  const plus = button('+', 'layer.add_neuron', 'tip.add_neuron');
  minus.disabled = spec.units <= catalog.ranges.units.min;
  plus.disabled = spec.units >= catalog.ranges.units.max;
  minus.addEventListener('click', () => patchLayers((ls) => { ls[i].units -= 1; }));
  plus.addEventListener('click', () => patchLayers((ls) => { ls[i].units += 1; }));
  const count = tAttr(el('span', { className: 'count', text: String(spec.units) }), 'aria-label', 'layer.neurons', { count: spec.units });
  units.append(minus, count, plus);

  const activation = tAttr(el('select', { className: 'activation' }), 'aria-label', 'layer.activation', { n });
  for (const option of catalog.activations) {
    activation.append(twoForm('option', option, SHORT_ACTIVATIONS[option] ?? option, { value: option }));
  }
  activation.value = spec.activation;
  tTipNamed(activation, 'formula', spec.activation);
  activation.addEventListener('change', () => {
    tTipNamed(activation, 'formula', activation.value);
    patchLayers((ls) => { ls[i].activation = activation.value; });
  });

  const dropout = tTip(tAttr(el('select', { className: 'dropout', dataset: { hide: 'dropout' } }), 'aria-label', 'layer.dropout', { n }), 'tip.dropout');
  const { max: maxDrop } = catalog.ranges.dropout;
  for (let d = 0; d <= maxDrop + 1e-9; d += 0.1) {
    const value = +d.toFixed(1);
    const percent = `${Math.round(value * 100)}%`;
    const long = value ? t('layer.dropout_rate', { percent }) : t('layer.no_dropout');
    dropout.append(twoForm('option', long, value ? percent : '0%', { value: String(value) }));
  }
  dropout.value = String(+spec.dropout.toFixed(1));
  dropout.classList.toggle('active', spec.dropout > 0);
  dropout.addEventListener('change', () => patchLayers((ls) => { ls[i].dropout = Number(dropout.value); }));

  // Hidden or locked, the controls leave the layer's title, size and activation as text.
  const menus = el('div', { className: 'menus', dataset: { hide: 'layer_controls' } }, [activation, dropout]);
  const rate = spec.dropout > 0 ? ` · ${Math.round(spec.dropout * 100)}%` : '';
  const fixed = el('span', { className: 'layer-fixed', text: spec.activation + rate, dataset: { shownIfHidden: 'layer_controls' } });
  return el('div', { className: 'layer-head' }, [
    twoForm('span', t('layer.title', { n }), t('layer.short', { n }), { className: 'layer-title' }), units, menus, fixed,
  ]);
}

/** The head of the input column: its title and how to use it. */
export function featuresHead() {
  return el('div', { className: 'layer-head input-head' }, [
    twoForm('span', t('column.features'), t('column.features_short'), { className: 'layer-title' }),
    el('span', { className: 'hint', text: t('column.features_hint') }),
  ]);
}

/** The head of the output column: its title and the output activation the task implies. */
export function outputHead(task) {
  return el('div', { className: 'layer-head output-head-net' }, [
    twoForm('span', t('column.output'), t('column.output_short'), { className: 'layer-title' }),
    el('span', { className: 'hint', text: named('outact', task) }),
  ]);
}

/** Switch every two-form text under `root` to its short (true) or long form. */
export function setCompact(root, compact) {
  for (const node of root.querySelectorAll('[data-short]')) {
    const text = compact ? node.dataset.short : node.dataset.long;
    if (node.textContent !== text) node.textContent = text;
  }
}
