// The network diagram: input features (toggles), hidden layers (with their own + / −,
// activation and dropout controls, see layer-head.js), the output layer. Every neuron shows its
// live output map; links (links.js) are drawn on one canvas under them. Biases are small
// buttons at each neuron's corner; a neuron opens its weights and bias with Enter or a click.

import { channel } from './protocol.js';
import { createHeatmap } from './heatmap.js';
import { el } from './controls.js';
import { columnHead, layerHead, setCompact } from './layer-head.js';
import { createLinks } from './links.js';
import { createHovercard, featureGrid, paintNeuron } from './neuron-maps.js';

const fmt = (v) => (v == null ? '–' : (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3)));

/**
 * @param {HTMLElement} root
 * @param {{catalog: any, palette: () => any, onChange: (patch: object) => void,
 *   onSetWeight: (layer: number, source: number, target: number, value: number) => void,
 *   onSetBias: (layer: number, neuron: number, value: number) => void,
 *   hovercard: {root: HTMLElement, canvas: HTMLCanvasElement, text: HTMLElement},
 *   tooltip: HTMLElement, panel: ReturnType<import('./neuron-panel.js').createNeuronPanel>,
 *   editor: (anchor: {x: number, y: number}, label: string, value: number, apply: (v: number) => void) => void}} options
 */
export function createNetwork(root, options) {
  const { catalog, panel } = options;
  const labels = Object.fromEntries(catalog.features.map((f) => [f.name, f.label ?? f.name]));
  const canvas = el('canvas', { className: 'links', 'aria-hidden': 'true' });
  const layer = el('div', { className: 'net-layer' });
  root.append(canvas, layer);

  let config = null;
  let outputs = 1;
  let key = '';
  /** columns[c] = neurons of column c: {node, canvas, heatmap, x, y, size, index, bias?, grid?} */
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
  const sourceName = (l, s) => (l === 0 ? labels[config.features[s]] : `L${l} #${s + 1}`);
  const targetName = (l, t) => (l === config.layers.length ? (outputs > 1 ? `output ${t + 1}` : 'output') : `L${l + 1} #${t + 1}`);
  const weightOf = (path) => {
    const w = weights[path.l];
    return w ? w.data[path.s * w.shape[1] + path.t] : null;
  };

  const links = createLinks(root, canvas, {
    palette: options.palette,
    isBackground: (target) => target === root || target === layer,
    weightOf,
    nameOf: (path) => `${sourceName(path.l, path.s)} → ${targetName(path.l, path.t)}`,
    showTip,
    hideTip,
    edit: (path, at) => options.editor(at, `Weight ${sourceName(path.l, path.s)} → ${targetName(path.l, path.t)}`,
      weightOf(path) ?? 0, (v) => options.onSetWeight(path.l, path.s, path.t, v)),
  });

  function neuronNode(label, extraClass = '') {
    const canvasNode = el('canvas', { width: 20, height: 20 });
    const node = el('div', { className: `neuron ${extraClass}`, role: 'img', 'aria-label': label }, [canvasNode]);
    return { node, canvas: canvasNode, heatmap: createHeatmap(canvasNode) };
  }

  function biasNode(l, n, label) {
    // Mouse only: the keyboard reaches the bias through the neuron panel (fewer tab stops).
    const button = el('button', { type: 'button', className: 'bias', tabindex: '-1', 'aria-label': `Bias of ${label}` });
    button.addEventListener('click', (event) => {
      const rect = button.getBoundingClientRect();
      options.editor({ x: rect.left, y: rect.bottom + 4 }, `Bias of ${label}`, biases[l] ? biases[l].data[n] : 0, (v) => options.onSetBias(l, n, v));
      event.stopPropagation();
    });
    button.addEventListener('pointerenter', () => {
      showTip(`Bias of ${label}: ${fmt(biases[l] ? biases[l].data[n] : null)} (click to edit)`, button.getBoundingClientRect());
    });
    button.addEventListener('pointerleave', hideTip);
    return button;
  }

  function featureNode(f) {
    const isActive = config.features.includes(f.name);
    const item = neuronNode(`Feature ${labels[f.name]}`, 'feature');
    Object.assign(item.node, { tabIndex: 0 });
    item.node.setAttribute('role', 'button');
    item.node.setAttribute('aria-pressed', String(isActive));
    item.node.setAttribute('aria-label', `Input feature ${labels[f.name]}`);
    item.node.dataset.hide = 'features';
    item.node.classList.toggle('inactive', !isActive);
    item.node.append(el('span', { className: 'feature-label', text: labels[f.name], 'aria-hidden': 'true' }));
    const toggle = () => {
      const next = isActive ? config.features.filter((n) => n !== f.name) : [...config.features, f.name];
      if (next.length) options.onChange({ features: next });
    };
    item.node.addEventListener('click', toggle);
    item.node.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); event.stopPropagation(); toggle(); }
    });
    item.index = config.features.indexOf(f.name); // row in weights/0 and channel in neurons/0
    item.static = featureGrid(f.name, lastFrame?.header.domain ?? [-6, 6]);
    hookHover(item, `Feature ${labels[f.name]}`);
    return item;
  }

  /** A hidden or output neuron: focusable (one tab stop for all, arrows move), Enter opens its panel. */
  function unitNode(c, n, label, title, extraClass = '') {
    const item = neuronNode('', extraClass);
    item.index = n;
    item.bias = biasNode(c - 1, n, label);
    item.node.setAttribute('role', 'button');
    item.node.setAttribute('aria-haspopup', 'dialog');
    item.node.setAttribute('aria-label', `${label[0].toUpperCase()}${label.slice(1)}: press Enter to edit its weights and bias`);
    item.node.tabIndex = -1;
    item.node.addEventListener('click', () => openPanel(c, item));
    item.node.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); event.stopPropagation(); openPanel(c, item); return; }
      const moves = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
      if (!moves[event.key]) return;
      event.preventDefault();
      const [dc, dj] = moves[event.key];
      moveFocus(Math.min(columns.length - 1, Math.max(1, c + dc)), n + dj, true);
    });
    item.node.addEventListener('focus', () => { focus = { c, j: n }; });
    hookHover(item, title);
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
    const name = item.node.getAttribute('aria-label').split(':')[0];
    return {
      title: name,
      bias: { label: 'Bias', value: biases[l] ? biases[l].data[n] : null, set: (v) => options.onSetBias(l, n, v) },
      weights: active(l).map((_, s) => ({
        label: sourceName(l, s),
        value: w ? w.data[s * w.shape[1] + n] : null,
        set: (v) => options.onSetWeight(l, s, n, v),
      })),
    };
  }

  function openPanel(c, item) {
    hovercard.hide(item);
    panel.open(item.node, neuronInfo(c, item));
  }

  /** Rebuild the DOM when the structure changed. */
  function build() {
    layer.replaceChildren();
    heads = [columnHead('input-head', ['Features', 'In'], 'click to toggle')];
    columns = [catalog.features.map(featureNode)];
    config.layers.forEach((spec, i) => {
      heads.push(layerHead(i, spec, catalog, patchLayers));
      columns.push(Array.from({ length: spec.units }, (_, n) => unitNode(
        i + 1, n, `layer ${i + 1}, neuron ${n + 1} (${spec.activation})`, `Layer ${i + 1} · neuron ${n + 1} · ${spec.activation}`,
      )));
    });
    const task = config.task;
    heads.push(columnHead('output-head-net', ['Output', 'Out'], task === 'multiclass' ? 'softmax' : task === 'binary' ? 'sigmoid' : 'linear'));
    const c = columns.length;
    columns.push(Array.from({ length: outputs }, (_, n) => unitNode(
      c, n, task === 'multiclass' ? `output neuron ${n + 1} (class ${n})` : 'the output neuron',
      task === 'multiclass' ? `Output · P(class ${n})` : task === 'binary' ? 'Output · P(class 1)' : 'Output · ŷ', 'output',
    )));
    layer.append(...heads);
    for (const item of columns.flat()) {
      layer.append(item.node);
      if (item.bias) layer.append(item.bias);
    }
    moveFocus(Math.min(focus.c, columns.length - 1), focus.j);
  }

  function hookHover(item, title) {
    const show = () => { if (panel.anchor !== item.node) hovercard.show(item, title); };
    item.node.addEventListener('pointerenter', show);
    item.node.addEventListener('focus', show);
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
    const compact = colWidth < 96;
    root.classList.toggle('compact', compact);
    root.classList.toggle('tight', colWidth < 3.4 * parseFloat(getComputedStyle(document.documentElement).fontSize)); // − n + stacked
    setCompact(root, compact);
    heads.forEach((head, c) => {
      head.style.left = `${labelWidth + c * colWidth + 1}px`;
      head.style.width = `${colWidth - 2}px`;
    });
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
          item.bias.style.background = `rgb(${(b >= 0 ? palette.pos : palette.neg).join(',')})`;
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

  /** Show a config (and the data's number of outputs); rebuilds only when the shape changed. */
  function setConfig(next, nextOutputs) {
    config = next;
    outputs = nextOutputs;
    const nextKey = JSON.stringify([next.features, next.layers, next.task, outputs]);
    if (nextKey === key) return;
    key = nextKey;
    hovercard.hide();
    const focused = root.contains(document.activeElement) ? document.activeElement.getAttribute('aria-label') : null;
    panel.close(false);
    build();
    layout();
    if (lastFrame) drawFrame(lastFrame);
    if (focused && !root.contains(document.activeElement)) { // keep keyboard users where they were
      const same = [...root.querySelectorAll('[aria-label]')].find((node) => node.getAttribute('aria-label') === focused && !node.disabled);
      (same ?? columns[focus.c]?.[focus.j]?.node)?.focus();
    }
  }

  return { setConfig, drawFrame, drawLinks: links.draw, layout, invalidate: links.invalidate };
}
