// The network diagram: input features (toggles), hidden layers (with their own + / −,
// activation and dropout controls), the output layer. Every neuron shows its live output map;
// links are drawn on one canvas, coloured by sign and as thick as their weight, and can be
// hovered (value) and clicked (edit). Biases are small buttons at each neuron's corner.

import { channel } from './protocol.js';
import { createHeatmap, neuronDomain, ramp } from './heatmap.js';
import { el } from './controls.js';

/** Feature maps for the features the server does not send (inactive ones): x1, x2 in the domain. */
const FEATURE_FORMULAS = {
  x1: (a) => a, x2: (a, b) => b, 'x1^2': (a) => a * a, 'x2^2': (a, b) => b * b,
  'x1*x2': (a, b) => a * b, 'sin(x1)': (a) => Math.sin(a), 'sin(x2)': (a, b) => Math.sin(b),
  'cos(x1)': (a) => Math.cos(a), 'cos(x2)': (a, b) => Math.cos(b),
};

/** A formula's values on an r×r grid as a u8 channel {cells, lo, hi, size}. */
function formulaGrid(formula, domain, r = 20) {
  const [lo, hi] = domain;
  const values = new Float64Array(r * r);
  for (let row = 0; row < r; row += 1) {
    for (let col = 0; col < r; col += 1) {
      const x1 = lo + ((col + 0.5) * (hi - lo)) / r;
      const x2 = hi - ((row + 0.5) * (hi - lo)) / r;
      values[row * r + col] = formula(x1, x2);
    }
  }
  const min = Math.min(...values);
  const max = Math.max(...values);
  const cells = Uint8Array.from(values, (v) => Math.round(((v - min) / (max - min || 1)) * 255));
  return { cells, lo: min, hi: max, size: r };
}

const fmt = (v) => (v == null ? '–' : (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3)));

/**
 * @param {HTMLElement} root
 * @param {{catalog: any, palette: () => any, onChange: (patch: object) => void,
 *   onSetWeight: (layer: number, source: number, target: number, value: number) => void,
 *   onSetBias: (layer: number, neuron: number, value: number) => void,
 *   hovercard: {root: HTMLElement, canvas: HTMLCanvasElement, text: HTMLElement},
 *   tooltip: HTMLElement, editor: (anchor: {x: number, y: number}, label: string, value: number, apply: (v: number) => void) => void}} options
 */
export function createNetwork(root, options) {
  const { catalog } = options;
  const labels = Object.fromEntries(catalog.features.map((f) => [f.name, f.label ?? f.name]));
  const links = el('canvas', { className: 'links', 'aria-hidden': 'true' });
  const layer = el('div', { className: 'net-layer' });
  root.append(links, layer);
  const hoverMap = createHeatmap(options.hovercard.canvas);
  const ctx = links.getContext('2d');

  let config = null;
  let outputs = 1;
  let key = '';
  /** columns[c] = neurons of column c: {node, canvas, heatmap, x, y, bias?, name?} */
  let columns = [];
  let heads = [];
  let weights = []; // weights[l] = Float32 block of Dense l, when the frame matches the diagram
  let biases = [];
  let linkPaths = []; // {l, s, t, points: [x, y][]}
  let hoverLink = null;
  let hoverNeuron = null;
  let lastFrame = null;
  let slot = 40;
  let dirty = true;

  const sizes = () => [config.features.length, ...config.layers.map((l) => l.units), outputs];
  const patchLayers = (edit) => {
    const layers = structuredClone(config.layers);
    edit(layers);
    options.onChange({ layers });
  };

  function layerHead(i) {
    const spec = config.layers[i];
    const units = el('div', { className: 'units' });
    const minus = el('button', { type: 'button', className: 'round-button small', 'aria-label': `Remove a neuron from layer ${i + 1}`, text: '−' });
    const plus = el('button', { type: 'button', className: 'round-button small', 'aria-label': `Add a neuron to layer ${i + 1}`, text: '+' });
    minus.disabled = spec.units <= (catalog.ranges?.units?.min ?? 1);
    plus.disabled = spec.units >= catalog.limits.units;
    minus.addEventListener('click', () => patchLayers((ls) => { ls[i].units -= 1; }));
    plus.addEventListener('click', () => patchLayers((ls) => { ls[i].units += 1; }));
    units.append(minus, el('span', { className: 'count', text: String(spec.units) }), plus);
    const activation = el('select', { 'aria-label': `Activation of layer ${i + 1}`, className: 'activation' });
    for (const name of catalog.activations) activation.append(el('option', { value: name, text: name }));
    activation.value = spec.activation;
    activation.addEventListener('change', () => patchLayers((ls) => { ls[i].activation = activation.value; }));
    const dropout = el('select', { 'aria-label': `Dropout of layer ${i + 1}`, className: 'dropout', dataset: { hide: 'dropout' } });
    const maxDrop = catalog.ranges?.dropout?.max ?? 0.9;
    for (let d = 0; d <= maxDrop + 1e-9; d += 0.1) {
      const value = +d.toFixed(1);
      dropout.append(el('option', { value: String(value), text: value ? `drop ${Math.round(value * 100)}%` : 'no dropout' }));
    }
    dropout.value = String(+spec.dropout.toFixed(1));
    dropout.addEventListener('change', () => patchLayers((ls) => { ls[i].dropout = Number(dropout.value); }));
    return el('div', { className: 'layer-head', dataset: { hide: 'layer_controls' } }, [
      el('span', { className: 'layer-title', text: `Layer ${i + 1}`, dataset: { long: `Layer ${i + 1}`, short: `L${i + 1}` } }), units, activation, dropout,
    ]);
  }

  function neuronNode(label, extraClass = '') {
    const canvas = el('canvas', { width: 20, height: 20 });
    const node = el('div', { className: `neuron ${extraClass}`, role: 'img', 'aria-label': label }, [canvas]);
    return { node, canvas, heatmap: createHeatmap(canvas) };
  }

  function biasNode(l, n, label) {
    const button = el('button', { type: 'button', className: 'bias', 'aria-label': `Bias of ${label}` });
    button.addEventListener('click', (event) => {
      const value = biases[l] ? biases[l].data[n] : 0;
      const rect = button.getBoundingClientRect();
      options.editor({ x: rect.left, y: rect.bottom + 4 }, `Bias of ${label}`, value, (v) => options.onSetBias(l, n, v));
      event.stopPropagation();
    });
    button.addEventListener('pointerenter', () => {
      const value = biases[l] ? biases[l].data[n] : null;
      showTip(`Bias of ${label}: ${fmt(value)} (click to edit)`, button.getBoundingClientRect());
    });
    button.addEventListener('pointerleave', hideTip);
    return button;
  }

  /** Rebuild the DOM when the structure changed. */
  function build() {
    layer.replaceChildren();
    columns = [];
    heads = [];
    const featureHead = el('div', { className: 'layer-head input-head' }, [el('span', { className: 'layer-title', text: 'Features' }), el('span', { className: 'hint', text: 'click to toggle' })]);
    heads.push(featureHead);
    const features = catalog.features.map((f) => {
      const active = config.features.includes(f.name);
      const item = neuronNode(`Feature ${labels[f.name]}`, 'feature');
      item.node.setAttribute('role', 'button');
      item.node.tabIndex = 0;
      item.node.setAttribute('aria-pressed', String(active));
      item.node.setAttribute('aria-label', `Input feature ${labels[f.name]}`);
      item.node.dataset.hide = 'features';
      item.node.classList.toggle('inactive', !active);
      item.label = el('span', { className: 'feature-label', text: labels[f.name], 'aria-hidden': 'true' });
      item.node.append(item.label);
      const toggle = () => {
        const next = active ? config.features.filter((n) => n !== f.name) : [...config.features, f.name];
        if (next.length) options.onChange({ features: next });
      };
      item.node.addEventListener('click', toggle);
      item.node.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); event.stopPropagation(); toggle(); }
      });
      item.name = f.name;
      item.index = config.features.indexOf(f.name); // row in weights/0 and channel in neurons/0
      const formula = FEATURE_FORMULAS[f.name];
      item.static = formula ? formulaGrid(formula, lastFrame?.header.domain ?? [-6, 6]) : null;
      hookHover(item, `Feature ${labels[f.name]}`);
      return item;
    });
    columns.push(features);
    config.layers.forEach((spec, i) => {
      heads.push(layerHead(i));
      columns.push(Array.from({ length: spec.units }, (_, n) => {
        const label = `layer ${i + 1}, neuron ${n + 1} (${spec.activation})`;
        const item = neuronNode(`Output map of ${label}`);
        item.index = n;
        item.bias = biasNode(i, n, label);
        hookHover(item, `Layer ${i + 1} · neuron ${n + 1} · ${spec.activation}`);
        return item;
      }));
    });
    const task = config.task;
    heads.push(el('div', { className: 'layer-head output-head-net' }, [el('span', { className: 'layer-title', text: 'Output' }), el('span', { className: 'hint', text: task === 'multiclass' ? 'softmax' : task === 'binary' ? 'sigmoid' : 'linear' })]));
    columns.push(Array.from({ length: outputs }, (_, n) => {
      const label = task === 'multiclass' ? `output neuron ${n + 1} (class ${n})` : 'the output neuron';
      const item = neuronNode(`Output map of ${label}`, 'output');
      item.index = n;
      item.bias = biasNode(config.layers.length, n, label);
      hookHover(item, task === 'multiclass' ? `Output · P(class ${n})` : task === 'binary' ? 'Output · P(class 1)' : 'Output · ŷ');
      return item;
    }));
    for (const head of heads) layer.append(head);
    for (const column of columns) {
      for (const item of column) {
        layer.append(item.node);
        if (item.bias) layer.append(item.bias);
      }
    }
    root.dispatchEvent(new CustomEvent('structure'));
  }

  function hookHover(item, title) {
    const show = () => { hoverNeuron = { item, title }; drawHovercard(); };
    const hide = () => { if (hoverNeuron?.item === item) { hoverNeuron = null; options.hovercard.root.hidden = true; } };
    item.node.addEventListener('pointerenter', show);
    item.node.addEventListener('focus', show);
    item.node.addEventListener('pointerleave', hide);
    item.node.addEventListener('blur', hide);
  }

  /** Position heads and neurons for the current box size. */
  function layout() {
    if (!config) return;
    const width = root.clientWidth;
    const height = root.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    links.width = Math.round(width * dpr);
    links.height = Math.round(height * dpr);
    const style = getComputedStyle(root);
    const labelWidth = parseFloat(style.getPropertyValue('--feature-label')) || 44;
    const maxNeuron = parseFloat(style.getPropertyValue('--max-neuron')) || 56;
    const colWidth = (width - labelWidth) / columns.length;
    root.classList.toggle('compact', colWidth < 90);
    for (const title of root.querySelectorAll('.layer-title[data-short]')) {
      title.textContent = colWidth < 90 ? title.dataset.short : title.dataset.long;
    }
    heads.forEach((head, c) => {
      head.style.left = `${labelWidth + c * colWidth + 2}px`;
      head.style.width = `${colWidth - 4}px`;
    });
    const headHeight = Math.max(...heads.map((h) => h.offsetHeight)) + 10;
    const most = Math.max(...columns.map((c) => c.length));
    slot = Math.max(14, Math.min((height - headHeight - 6) / most, colWidth * 0.62, maxNeuron * 1.3));
    const size = Math.max(10, Math.min(maxNeuron, slot * 0.8));
    root.style.setProperty('--neuron', `${size}px`);
    columns.forEach((column, c) => {
      const x = labelWidth + (c + 0.5) * colWidth;
      column.forEach((item, j) => {
        item.x = x;
        item.y = headHeight + slot * (j + 0.5);
        item.size = size;
        item.node.style.transform = `translate(${x - size / 2}px, ${item.y - size / 2}px)`;
        if (item.bias) item.bias.style.transform = `translate(${x - size / 2 - 5}px, ${item.y + size / 2 - 6}px)`;
      });
    });
    linkPaths = [];
    const active = (c) => (c === 0 ? columns[0].filter((f) => f.index >= 0).sort((a, b) => a.index - b.index) : columns[c]);
    for (let l = 0; l + 1 < columns.length; l += 1) {
      const from = active(l);
      from.forEach((a, s) => columns[l + 1].forEach((b, t) => {
        const x0 = a.x + a.size / 2;
        const x1 = b.x - b.size / 2;
        const xm = (x0 + x1) / 2;
        const points = [];
        for (let k = 0; k <= 12; k += 1) { // the bezier (x0,y0) (xm,y0) (xm,y1) (x1,y1), sampled
          const u = k / 12;
          const v = 1 - u;
          points.push([v * v * v * x0 + 3 * v * v * u * xm + 3 * v * u * u * xm + u * u * u * x1,
            (v * v * v + 3 * v * v * u) * a.y + (3 * v * u * u + u * u * u) * b.y]);
        }
        linkPaths.push({ l, s, t, x0, y0: a.y, x1, y1: b.y, xm, points, from: a, to: b });
      }));
    }
    dirty = true;
  }

  function weightOf(path) {
    const w = weights[path.l];
    if (!w) return null;
    return w.data[path.s * w.shape[1] + path.t];
  }

  /** Draw all links; called from the page's animation frame when something changed. */
  function drawLinks() {
    if (!dirty || !config) return;
    dirty = false;
    const palette = options.palette();
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, links.width, links.height);
    const scale = parseFloat(palette.css('--link-scale')) || 1;
    const maxWidth = Math.max(2, slot * 0.22) * scale;
    const rgb = (c, a) => `rgba(${c[0]},${c[1]},${c[2]},${a})`;
    const pos = rgb(palette.pos, 0.8);
    const neg = rgb(palette.neg, 0.8);
    ctx.lineCap = 'round';
    for (const path of linkPaths) {
      const w = weightOf(path);
      ctx.strokeStyle = w == null ? palette.css('--grid-line') : w >= 0 ? pos : neg;
      ctx.lineWidth = w == null ? 1 : Math.min(maxWidth, (0.4 + Math.abs(w) * 2.2) * scale);
      ctx.beginPath();
      ctx.moveTo(path.x0, path.y0);
      ctx.bezierCurveTo(path.xm, path.y0, path.xm, path.y1, path.x1, path.y1);
      ctx.stroke();
    }
    if (hoverLink) {
      ctx.strokeStyle = palette.css('--ink');
      ctx.lineWidth = 1.5;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(hoverLink.x0, hoverLink.y0);
      ctx.bezierCurveTo(hoverLink.xm, hoverLink.y0, hoverLink.xm, hoverLink.y1, hoverLink.x1, hoverLink.y1);
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }

  /** Paint every neuron map and bias marker from the newest frame. */
  function drawFrame(frame) {
    lastFrame = frame;
    const { header, arrays } = frame;
    const matches = config && header.sizes.length === sizes().length && header.sizes.every((n, i) => n === sizes()[i])
      && header.features.every((f, i) => f === config.features[i]);
    weights = [];
    biases = [];
    if (!matches) { dirty = true; return; }
    for (let l = 0; l + 1 < header.sizes.length; l += 1) {
      weights[l] = arrays.get(`weights/${l}`) ?? null;
      biases[l] = arrays.get(`biases/${l}`) ?? null;
    }
    const palette = options.palette();
    const diverging = ramp([palette.neg, palette.mid, palette.pos]);
    columns.forEach((column, c) => {
      const block = arrays.get(`neurons/${c}`);
      column.forEach((item) => {
        const grid = block && item.index >= 0 && item.index < block.shape[0] ? channel(block, item.index) : item.static;
        if (!grid) return;
        item.grid = grid;
        const last = c === columns.length - 1;
        if (last && header.task === 'binary') item.heatmap.drawScalar(grid, diverging, [0, 1]);
        else if (last && header.task === 'multiclass') item.heatmap.drawScalar(grid, ramp([palette.mid, palette.classes[item.index % 6]]), [0, 1]);
        else item.heatmap.drawScalar(grid, diverging, neuronDomain(grid));
        if (item.bias && biases[c - 1]) {
          const b = biases[c - 1].data[item.index];
          item.bias.style.background = `rgb(${(b >= 0 ? palette.pos : palette.neg).join(',')})`;
          item.bias.style.opacity = String(Math.min(1, 0.35 + Math.abs(b)));
        }
      });
    });
    if (hoverNeuron) drawHovercard();
    dirty = true;
  }

  function drawHovercard() {
    const { item, title } = hoverNeuron;
    const card = options.hovercard;
    const grid = item.grid ?? item.static;
    if (!grid) return;
    const palette = options.palette();
    const last = columns[columns.length - 1].includes(item);
    const task = config.task;
    if (last && task === 'binary') hoverMap.drawScalar(grid, ramp([palette.neg, palette.mid, palette.pos]), [0, 1]);
    else if (last && task === 'multiclass') hoverMap.drawScalar(grid, ramp([palette.mid, palette.classes[item.index % 6]]), [0, 1]);
    else hoverMap.drawScalar(grid, ramp([palette.neg, palette.mid, palette.pos]), neuronDomain(grid));
    card.text.textContent = `${title} — range ${fmt(grid.lo)} … ${fmt(grid.hi)}`;
    if (card.root.hidden) {
      card.root.hidden = false;
      const rect = item.node.getBoundingClientRect();
      const width = card.root.offsetWidth;
      const left = rect.right + 12 + width > window.innerWidth ? rect.left - width - 12 : rect.right + 12;
      card.root.style.left = `${Math.max(4, left)}px`;
      card.root.style.top = `${Math.max(4, Math.min(rect.top - 20, window.innerHeight - card.root.offsetHeight - 4))}px`;
    }
  }

  function showTip(text, rect) {
    options.tooltip.textContent = text;
    options.tooltip.hidden = false;
    options.tooltip.style.left = `${Math.min(rect.left, window.innerWidth - options.tooltip.offsetWidth - 8)}px`;
    options.tooltip.style.top = `${rect.bottom + 6}px`;
  }
  function hideTip() { options.tooltip.hidden = true; }

  /** The link under the pointer, within a few pixels, or null. */
  function linkAt(x, y) {
    let best = null;
    let bestDistance = 6;
    for (const path of linkPaths) {
      if (x < path.x0 - 4 || x > path.x1 + 4) continue;
      for (let k = 1; k < path.points.length; k += 1) {
        const [ax, ay] = path.points[k - 1];
        const [bx, by] = path.points[k];
        const dx = bx - ax;
        const dy = by - ay;
        const u = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy || 1)));
        const d = Math.hypot(x - ax - u * dx, y - ay - u * dy);
        if (d < bestDistance) { bestDistance = d; best = path; }
      }
    }
    return best;
  }

  function linkName(path) {
    const from = path.l === 0 ? labels[config.features[path.s]] : `L${path.l} #${path.s + 1}`;
    const to = path.l === config.layers.length ? (outputs > 1 ? `output ${path.t + 1}` : 'output') : `L${path.l + 1} #${path.t + 1}`;
    return `${from} → ${to}`;
  }

  root.addEventListener('pointermove', (event) => {
    if (event.target !== root && event.target !== layer) {
      if (hoverLink) { hoverLink = null; dirty = true; hideTip(); }
      return;
    }
    const rect = root.getBoundingClientRect();
    const path = linkAt(event.clientX - rect.left, event.clientY - rect.top);
    if (path !== hoverLink) { hoverLink = path; dirty = true; }
    root.style.cursor = path ? 'pointer' : '';
    if (path) showTip(`Weight ${linkName(path)}: ${fmt(weightOf(path))} (click to edit)`, { left: event.clientX + 12, bottom: event.clientY + 8 });
    else hideTip();
  });
  root.addEventListener('pointerleave', () => { hoverLink = null; dirty = true; hideTip(); });
  root.addEventListener('click', (event) => {
    if (!hoverLink || (event.target !== root && event.target !== layer)) return;
    const path = hoverLink;
    options.editor({ x: event.clientX, y: event.clientY + 10 }, `Weight ${linkName(path)}`, weightOf(path) ?? 0,
      (v) => options.onSetWeight(path.l, path.s, path.t, v));
  });
  new ResizeObserver(() => { layout(); }).observe(root);

  /** Show a config (and the data's number of outputs); rebuilds only when the shape changed. */
  function setConfig(next, nextOutputs) {
    config = next;
    outputs = nextOutputs;
    const nextKey = JSON.stringify([next.features, next.layers, next.task, outputs]);
    if (nextKey === key) return;
    key = nextKey;
    hoverNeuron = null;
    options.hovercard.root.hidden = true;
    build();
    layout();
    if (lastFrame) drawFrame(lastFrame);
  }

  return { setConfig, drawFrame, drawLinks, layout, invalidate: () => { dirty = true; } };
}
