// The network diagram: input features (toggles), hidden layers (with their own + / −,
// activation and dropout controls, see layer-head.js), the output layer. Every neuron shows its
// live output map; links (links.js) are drawn on one canvas under them. Biases are small
// buttons at each neuron's corner; a neuron opens its weights and bias with Enter or a click.

import { channel } from './protocol.js';
import { el, rgb } from './dom.js';
import { t } from './i18n.js';
import { featuresHead, layerHead, outputHead, setCompact } from './layer-head.js';
import { createLinks } from './links.js';
import { featureNode, hookBias, unitNode } from './net-nodes.js';
import { createHovercard, paintNeuron } from './neuron-maps.js';

const capital = (text) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * @param {HTMLElement} root
 * @param {{catalog: any, palette: () => any, onChange: (patch: object) => void,
 *   onSetWeight: (layer: number, source: number, target: number, value: number) => void,
 *   onSetBias: (layer: number, neuron: number, value: number) => void,
 *   hovercard: {root: HTMLElement, canvas: HTMLCanvasElement, text: HTMLElement, note: HTMLElement},
 *   tooltip: HTMLElement, panel: ReturnType<import('./neuron-panel.js').createNeuronPanel>,
 *   editor: (anchor: {x: number, y: number}, label: string, value: number, apply: (v: number) => void) => void}} options
 */
export function createNetwork(root, options) {
  const { catalog, panel } = options;
  const labels = Object.fromEntries(catalog.features.map((f) => [f.name, f.label]));
  const canvas = el('canvas', { className: 'links', 'aria-hidden': 'true' });
  const layer = el('div', { className: 'net-layer' });
  root.append(canvas, layer);

  let config = null;
  let outputs = 1;
  let flags = { oneD: false, locked: false, weightsLocked: false };
  let key = '';
  /** columns[c] = neurons of column c: {node, canvas, heatmap, x, y, size, index, title, bias?, grid?} */
  let columns = [];
  let heads = [];
  let weights = []; // weights[l] = Float32 block of Dense l, when the frame matches the diagram
  let biases = [];
  let lastFrame = null;
  let focus = { c: 1, j: 0 }; // the one neuron of the hidden/output columns in the tab order

  const sizes = () => [config.features.length, ...config.layers.map((l) => l.units), outputs];
  const patchLayers = (edit) => {
    const layers = structuredClone(config.layers);
    edit(layers);
    options.onChange({ layers });
  };
  /** Column c's neurons in weight-row order (the features: active ones only). */
  const active = (c) => (c === 0 ? columns[0].filter((f) => f.index >= 0).sort((a, b) => a.index - b.index) : columns[c]);
  const unitName = (l, n) => t('net.unit_short', { layer: l, n: n + 1 });
  const sourceName = (l, s) => (l === 0 ? labels[config.features[s]] : unitName(l, s));
  const targetName = (l, n) => {
    if (l < config.layers.length) return unitName(l + 1, n);
    return outputs > 1 ? t('net.output_n', { n: n + 1 }) : t('net.output');
  };
  const linkName = (path) => `${sourceName(path.l, path.s)} → ${targetName(path.l, path.t)}`;
  const weightOf = (path) => {
    const w = weights[path.l];
    return w ? w.data[path.s * w.shape[1] + path.t] : null;
  };
  const biasOf = (l, n) => (biases[l] ? biases[l].data[n] : null);

  const links = createLinks(root, canvas, {
    palette: options.palette,
    isBackground: (target) => target === root || target === layer,
    weightOf,
    nameOf: linkName,
    showTip,
    hideTip,
    editable: () => !flags.weightsLocked,
    edit: (path, at) => options.editor(at, t('net.weight', { name: linkName(path) }),
      weightOf(path) ?? 0, (v) => options.onSetWeight(path.l, path.s, path.t, v)),
  });

  function toggleFeature(name) {
    const next = config.features.includes(name) ? config.features.filter((n) => n !== name) : [...config.features, name];
    if (next.length) options.onChange({ features: next });
  }

  /** Neuron n of column c (c ≥ 1): a hidden unit, or an output. */
  function unit(c, n) {
    const l = c - 1;
    const output = c === config.layers.length + 1;
    const task = config.task;
    let label;
    let title;
    if (!output) {
      const { activation } = config.layers[l];
      label = t('net.unit', { layer: c, n: n + 1, activation });
      title = t('net.unit_title', { layer: c, n: n + 1, activation });
    } else if (task === 'multiclass') {
      label = t('net.output_class', { n: n + 1, k: n });
      title = t('net.output_title_class', { k: n });
    } else {
      label = t('net.output_unit');
      title = task === 'binary' ? t('net.output_title_binary') : t('net.output_title_value');
    }
    const item = unitNode({
      label: capital(label), title: capital(label), output, locked: flags.weightsLocked,
      bias: (button) => hookBias(button, label, {
        value: () => biasOf(l, n),
        edit: (anchor, text, value) => options.editor(anchor, text, value, (v) => options.onSetBias(l, n, v)),
        showTip, hideTip, locked: flags.weightsLocked,
      }),
      open: () => openPanel(c, item),
      move: (dc, dj) => moveFocus(Math.min(columns.length - 1, Math.max(1, c + dc)), n + dj, true),
    });
    item.index = n;
    item.node.dataset.column = String(c); // hidden layer c (1-based), or the output column
    item.node.dataset.unit = String(n);
    item.title = title;
    item.panelTitle = capital(label);
    item.node.addEventListener('focus', () => { focus = { c, j: n }; });
    hookHover(item);
    return item;
  }

  function moveFocus(c, j, now = false) {
    const column = columns[c];
    if (!column?.length) return;
    focus = { c, j: Math.min(column.length - 1, Math.max(0, j)) };
    for (const item of columns.slice(1).flat()) item.node.tabIndex = -1;
    const item = column[focus.j];
    item.node.tabIndex = 0;
    if (now) item.node.focus();
  }

  /** What the neuron panel shows for neuron `item` of column c (c ≥ 1). */
  function neuronInfo(c, item) {
    const l = c - 1;
    const n = item.index;
    const w = weights[l];
    return {
      title: item.panelTitle,
      locked: flags.weightsLocked,
      bias: { label: t('panel.bias'), value: biasOf(l, n), set: (v) => options.onSetBias(l, n, v) },
      weights: active(l).map((_, s) => ({
        label: t('panel.weight_from', { name: sourceName(l, s) }),
        value: w ? w.data[s * w.shape[1] + n] : null,
        set: (v) => options.onSetWeight(l, s, n, v),
      })),
    };
  }

  function openPanel(c, item) {
    hovercard.hide();
    panel.open(item.node, neuronInfo(c, item));
  }

  /** Rebuild the DOM when the structure changed. */
  function build() {
    layer.replaceChildren();
    root.classList.toggle('weights-locked', flags.weightsLocked);
    heads = [featuresHead()];
    const domain = catalog.domain;
    const shown = flags.locked ? catalog.features.filter((f) => config.features.includes(f.name)) : catalog.features;
    columns = [shown.map((f) => {
      const item = featureNode(f, { features: config.features, domain, ...flags, onToggle: toggleFeature });
      hookHover(item);
      return item;
    })];
    config.layers.forEach((spec, i) => {
      heads.push(layerHead(i, spec, catalog, patchLayers));
      columns.push(Array.from({ length: spec.units }, (_, n) => unit(i + 1, n)));
    });
    heads.push(outputHead(config.task));
    const c = columns.length;
    columns.push(Array.from({ length: outputs }, (_, n) => unit(c, n)));
    layer.append(...heads);
    for (const item of columns.flat()) {
      layer.append(item.node);
      if (item.bias) layer.append(item.bias);
    }
    moveFocus(Math.min(focus.c, columns.length - 1), focus.j);
  }

  /** The hover card follows the pointer, and keyboard focus (not a click's focus). */
  function hookHover(item) {
    const show = () => { if (panel.anchor !== item.node) hovercard.show(item, item.title); };
    item.node.addEventListener('pointerenter', show);
    item.node.addEventListener('focus', () => { if (item.node.matches(':focus-visible')) show(); });
    item.node.addEventListener('pointerleave', () => hovercard.hide(item));
    item.node.addEventListener('blur', () => hovercard.hide(item));
  }

  /** Position heads and neurons for the current box size. */
  function layout() {
    if (!config) return;
    const width = root.clientWidth;
    const height = root.clientHeight;
    const style = getComputedStyle(root);
    const labelWidth = parseFloat(style.getPropertyValue('--feature-label')) || 44;
    const maxNeuron = parseFloat(style.getPropertyValue('--max-neuron')) || 56;
    const colWidth = (width - labelWidth) / columns.length;
    root.classList.toggle('tight', colWidth < 3.4 * parseFloat(getComputedStyle(document.documentElement).fontSize)); // − n + stacked
    heads.forEach((head, c) => {
      head.style.left = `${labelWidth + c * colWidth + 1}px`;
      head.style.width = `${colWidth - 2}px`;
    });
    // The long texts ("no dropout", "Layer 3") when every one of them fits its column, else the short.
    root.classList.remove('compact');
    setCompact(root, false);
    const compact = !longFormsFit();
    root.classList.toggle('compact', compact);
    setCompact(root, compact);
    const headHeight = Math.max(...heads.map((h) => h.offsetHeight)) + 10;
    const most = Math.max(...columns.map((c) => c.length));
    const slot = Math.max(14, Math.min((height - headHeight - 6) / most, colWidth * 0.62, maxNeuron * 1.3));
    const size = Math.max(10, Math.min(maxNeuron, slot * 0.8));
    const bias = Math.round(Math.max(7, Math.min(size * 0.28, parseFloat(style.getPropertyValue('--bias-max')) || 12)));
    root.style.setProperty('--neuron', `${size}px`);
    root.style.setProperty('--bias', `${bias}px`);
    columns.forEach((column, c) => {
      const x = labelWidth + (c + 0.5) * colWidth;
      column.forEach((item, j) => {
        Object.assign(item, { x, y: headHeight + slot * (j + 0.5), size });
        item.node.style.transform = `translate(${x - size / 2}px, ${item.y - size / 2}px)`;
        if (item.bias) item.bias.style.transform = `translate(${x - size / 2 - bias / 2}px, ${item.y + size / 2 - bias / 2 - 1}px)`;
      });
    });
    links.layout(columns.length, active, slot);
  }

  const measure = document.createElement('canvas').getContext('2d');
  /** Whether every head's long texts fit: each menu's widest option, each title. */
  function longFormsFit() {
    for (const select of layer.querySelectorAll('.layer-head select')) {
      if (!select.getClientRects().length) continue; // hidden (a classroom link)
      measure.font = getComputedStyle(select).font;
      const widest = Math.max(...[...select.options].map((o) => measure.measureText(o.dataset.long ?? o.text).width));
      if (widest > select.clientWidth - 24) return false; // the arrow and padding
    }
    return [...layer.querySelectorAll('.layer-title')].every((title) => title.scrollWidth <= title.parentElement.clientWidth + 1);
  }

  /** Paint every neuron map and bias marker from the newest frame. */
  function drawFrame(frame) {
    lastFrame = frame;
    const { header, arrays } = frame;
    const matches = config && header.sizes.length === sizes().length && header.sizes.every((n, i) => n === sizes()[i])
      && header.features.every((f, i) => f === config.features[i]);
    // While training, every other frame leaves out the weights and neuron maps: keep the last.
    const fresh = arrays.has('weights/0');
    if (fresh || !matches) {
      weights = [];
      biases = [];
      links.invalidate();
    }
    if (!matches) return;
    for (let l = 0; fresh && l + 1 < header.sizes.length; l += 1) {
      weights[l] = arrays.get(`weights/${l}`) ?? null;
      biases[l] = arrays.get(`biases/${l}`) ?? null;
    }
    const palette = options.palette();
    columns.forEach((column, c) => {
      const block = arrays.get(`neurons/${c}`);
      column.forEach((item) => {
        if (!block && !fresh) return; // this frame has no maps: the last ones stay
        const grid = block && item.index >= 0 && item.index < block.shape[0] ? channel(block, item.index) : item.static;
        if (!grid) return;
        item.grid = grid;
        paint(item.heatmap, item, grid, c === columns.length - 1, palette);
        if (item.bias && biases[c - 1]) {
          const b = biases[c - 1].data[item.index];
          item.bias.style.background = rgb(b >= 0 ? palette.pos : palette.neg);
          item.bias.style.opacity = String(Math.min(1, 0.35 + Math.abs(b)));
        }
      });
    });
    hovercard.refresh();
    const anchor = panel.anchor;
    if (anchor) {
      const c = columns.findIndex((column) => column.some((item) => item.node === anchor));
      if (c > 0) panel.refresh(neuronInfo(c, columns[c].find((item) => item.node === anchor)));
    }
  }

  const paint = (heatmap, item, grid, isOutput, palette) => paintNeuron(heatmap, grid, { output: isOutput ? config.task : null, index: item.index }, palette);
  const hovercard = createHovercard(options.hovercard,
    (heatmap, item, grid) => paint(heatmap, item, grid, columns[columns.length - 1].includes(item), options.palette()));

  function showTip(text, rect) {
    options.tooltip.textContent = text;
    options.tooltip.hidden = false;
    options.tooltip.style.left = `${Math.min(rect.left, window.innerWidth - options.tooltip.offsetWidth - 8)}px`;
    options.tooltip.style.top = `${rect.bottom + 6}px`;
  }
  function hideTip() { options.tooltip.hidden = true; }

  new ResizeObserver(() => { layout(); }).observe(root);

  /**
   * Show a config (and the data's number of outputs; 1-D data; inputs locked by a classroom
   * link); rebuilds only when the shape changed, or when `force` (a new language).
   */
  function setConfig(next, nextOutputs, nextFlags = flags, force = false) {
    config = next;
    outputs = nextOutputs;
    flags = nextFlags;
    const nextKey = JSON.stringify([next.features, next.layers, next.task, outputs, flags]);
    if (nextKey === key && !force) return;
    key = nextKey;
    hovercard.hide();
    const focused = root.contains(document.activeElement) ? document.activeElement.getAttribute('aria-label') : null;
    panel.close(false);
    build();
    layout();
    if (lastFrame) drawFrame(lastFrame);
    if (focused && !root.contains(document.activeElement)) { // keep keyboard users where they were
      // A "+" that just became disabled hands the focus to its "−", not to a neuron (whose card
      // would then stay open under a pointer that never entered it).
      const same = [...root.querySelectorAll('[aria-label]')].find((node) => node.getAttribute('aria-label') === focused);
      const sibling = same?.disabled ? [...same.parentElement.querySelectorAll('button')].find((b) => !b.disabled) : same;
      (sibling ?? columns[focus.c]?.[focus.j]?.node)?.focus();
    }
  }

  return {
    setConfig, drawFrame, drawLinks: links.draw, layout, invalidate: links.invalidate,
    /** Close the hover card and the weight tip (Esc). */
    closeCards() { hovercard.hide(); hideTip(); },
  };
}
