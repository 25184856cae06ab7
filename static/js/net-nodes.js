// The neurons of the network diagram as elements: an input feature (a toggle), a hidden or
// output neuron (one tab stop for all, arrows move, Enter opens its weights), and the small
// bias button at a neuron's corner. Their texts come from the message catalogue.

import { el, fmt } from './dom.js';
import { createHeatmap } from './heatmap.js';
import { t, tAttr } from './i18n.js';
import { tTip } from './tooltips.js';
import { featureGrid } from './neuron-maps.js';

/** A neuron box with its map canvas. @returns {{node: HTMLElement, canvas: HTMLCanvasElement, heatmap: any}} */
function neuronNode(extraClass) {
  const canvas = el('canvas', { width: 20, height: 20 });
  const node = el('div', { className: `neuron ${extraClass}`, role: 'button', 'data-tip-quiet': '' }, [canvas]);
  return { node, canvas, heatmap: createHeatmap(canvas) };
}

/**
 * An input feature: a toggle, unless the feature cannot apply (x2 on 1-D data) or a classroom
 * link locked the inputs.
 * @param {{name: string, label: string, uses_x2: boolean}} feature
 * @param {{features: string[], domain: [number, number], oneD: boolean, locked: boolean,
 *   onToggle: (name: string) => void}} context
 */
export function featureNode(feature, { features, domain, oneD, locked, onToggle }) {
  const isActive = features.includes(feature.name);
  const unusable = oneD && feature.uses_x2;
  const item = neuronNode('feature');
  const node = tAttr(item.node, 'aria-label', 'net.feature', { name: feature.label });
  node.tabIndex = locked ? -1 : 0;
  node.setAttribute('aria-pressed', String(isActive));
  if (unusable && !isActive) node.setAttribute('aria-disabled', 'true'); // on, it can still be switched off
  if (locked) tTip(node, 'tip.feature_locked');
  else if (unusable) tTip(node, 'tip.feature_one_d');
  else tTip(node, 'tip.feature');
  node.classList.toggle('inactive', !isActive);
  node.classList.toggle('unusable', unusable);
  node.classList.toggle('locked', locked);
  node.append(el('span', { className: 'feature-label', text: feature.label, 'aria-hidden': 'true' }));
  const toggle = () => { if (!locked && (!unusable || isActive)) onToggle(feature.name); };
  node.addEventListener('click', toggle);
  node.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); event.stopPropagation(); toggle(); }
  });
  item.index = features.indexOf(feature.name); // row in weights/0 and channel in neurons/0
  item.static = featureGrid(feature.name, domain);
  item.title = t('net.feature_title', { name: feature.label });
  return item;
}

/**
 * A hidden or output neuron. `label` names it in sentences ("layer 1, neuron 2 (tanh)"),
 * `title` heads its hover card and panel.
 * @param {{label: string, title: string, output: boolean, locked?: boolean,
 *   bias: (button: HTMLButtonElement) => void, open: () => void, move: (dc: number, dj: number) => void}} spec
 *   locked: a teacher's push locked the weights (its panel only shows them)
 */
export function unitNode({ label, title, output, bias, open, move, locked = false }) {
  const item = neuronNode(output ? 'output' : '');
  const node = tAttr(item.node, 'aria-label', 'net.unit_label', { name: label });
  tTip(node, locked ? 'tip.neuron_locked' : 'tip.neuron');
  node.setAttribute('aria-haspopup', 'dialog');
  node.tabIndex = -1;
  node.addEventListener('click', open);
  node.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); event.stopPropagation(); open(); return; }
    const moves = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
    if (!moves[event.key]) return;
    event.preventDefault();
    move(...moves[event.key]);
  });
  item.title = title;
  item.label = label;
  // Mouse only: the keyboard reaches the bias through the neuron panel (fewer tab stops).
  item.bias = tTip(tAttr(el('button', { type: 'button', className: 'bias', tabindex: '-1', 'data-tip-quiet': '' }),
    'aria-label', 'net.bias_of', { name: label }), 'tip.bias');
  bias(item.bias);
  return item;
}

/**
 * The bias button's pointer behaviour: its value in the tip, a click opens the number editor;
 * with the weights locked (a teacher's push) it is greyed and its tip says so.
 * @param {HTMLButtonElement} button @param {string} label
 * @param {{value: () => number|null, edit: (anchor: {x: number, y: number}, text: string, value: number) => void,
 *   showTip: (text: string, rect: DOMRect) => void, hideTip: () => void, locked: boolean}} actions
 */
export function hookBias(button, label, { value, edit, showTip, hideTip, locked }) {
  button.classList.toggle('locked', locked);
  if (locked) {
    button.setAttribute('aria-disabled', 'true');
    tTip(button, 'tip.weights_locked');
  }
  button.addEventListener('click', (event) => {
    event.stopPropagation();
    if (locked) return;
    const rect = button.getBoundingClientRect();
    edit({ x: rect.left, y: rect.bottom + 4 }, t('net.bias_of', { name: label }), value() ?? 0);
  });
  button.addEventListener('pointerenter', () => {
    const key = locked ? 'net.bias_value_locked' : 'net.bias_value';
    showTip(t(key, { name: label, value: fmt(value()) }), button.getBoundingClientRect());
  });
  button.addEventListener('pointerleave', hideTip);
}
