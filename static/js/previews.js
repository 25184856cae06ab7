// The dataset picker: one tile per catalog dataset of the current task, each with a small
// preview. The current dataset's tile shows its real points (from the `data` message); the
// others show an icon sketched from a simple formula (art only: the choices come from the catalog).

import { el, rgb } from './dom.js';
import { named } from './i18n.js';
import { tTip, tTipNamed } from './tooltips.js';

const TAU = Math.PI * 2;

/** A tiny deterministic random source, so icons look the same on every load. */
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Sample points [x, y, label] in [-1, 1]² for an icon; `kind` says how to colour them. */
function sketch(name, classes = 3) {
  const rnd = random(7);
  const u = () => rnd() * 2 - 1;
  const normal = () => Math.sqrt(-2 * Math.log(rnd() + 1e-9)) * Math.cos(TAU * rnd());
  const grid = (label) => Array.from({ length: 140 }, () => { const x = u(); const y = u(); return [x, y, label(x, y)]; });
  const arms = (k, n = 150) => Array.from({ length: n }, (_, i) => {
    const arm = i % k;
    const r = (i / n) * 0.95;
    const angle = r * 4.2 + (arm * TAU) / k;
    return [r * Math.sin(angle) + 0.04 * u(), r * Math.cos(angle) + 0.04 * u(), arm];
  });
  const curve = (f) => Array.from({ length: 60 }, () => { const x = u(); return [x, f(x) + 0.06 * u(), f(x)]; });
  switch (name) {
    case 'circle': return { kind: 'class', points: grid((x, y) => (Math.hypot(x, y) < 0.5 ? 1 : 0)).filter(([x, y]) => Math.abs(Math.hypot(x, y) - 0.5) > 0.08) };
    case 'xor': return { kind: 'class', points: grid((x, y) => (x * y >= 0 ? 1 : 0)).filter(([x, y]) => Math.abs(x) > 0.06 && Math.abs(y) > 0.06) };
    case 'gauss': return { kind: 'class', points: Array.from({ length: 120 }, (_, i) => { const s = i % 2 ? 1 : -1; return [s * 0.45 + 0.2 * normal(), s * 0.45 + 0.2 * normal(), i % 2]; }) };
    case 'spiral': return { kind: 'class', points: arms(2) };
    case 'moons': return { kind: 'class', points: Array.from({ length: 120 }, (_, i) => { const t = rnd() * Math.PI; return i % 2 ? [0.5 * Math.cos(t) - 0.25, 0.5 * Math.sin(t) - 0.1, 0] : [0.25 - 0.5 * Math.cos(t), 0.1 - 0.5 * Math.sin(t), 1]; }) };
    case 'checkerboard': return { kind: 'class', points: grid((x, y) => (Math.floor((x + 1) * 2) + Math.floor((y + 1) * 2)) % 2) };
    case 'blobs': return { kind: 'class', points: Array.from({ length: 150 }, (_, i) => { const j = i % classes; const a = (j * TAU) / classes; return [0.55 * Math.cos(a) + 0.15 * normal(), 0.55 * Math.sin(a) + 0.15 * normal(), j]; }) };
    case 'spiral_k': return { kind: 'class', points: arms(classes) };
    case 'rings': return { kind: 'class', points: grid((x, y) => Math.min(classes - 1, Math.floor((Math.hypot(x, y) / 1.1) * classes))) };
    case 'plane': return { kind: 'value', points: grid((x, y) => (x + y) / 2) };
    case 'multi_gauss': return { kind: 'value', points: grid((x, y) => Math.exp(-8 * ((x - 0.4) ** 2 + (y - 0.3) ** 2)) - Math.exp(-8 * ((x + 0.4) ** 2 + (y + 0.3) ** 2))) };
    case 'sine': return { kind: 'curve', points: curve((x) => 0.7 * Math.sin(3 * x)) };
    case 'abs': return { kind: 'curve', points: curve((x) => Math.abs(x) * 1.4 - 0.7) };
    case 'step': return { kind: 'curve', points: curve((x) => (x > 0 ? 0.5 : -0.5)) };
    case 'cubic': return { kind: 'curve', points: curve((x) => 0.8 * x ** 3) };
    case 'custom': return { kind: 'custom', points: [[-0.5, 0.4, 0], [-0.2, 0.6, 0], [0.4, -0.3, 1], [0.6, -0.1, 1], [0.2, -0.6, 1]] };
    default: return { kind: 'value', points: grid((x) => x) };
  }
}

/** Draw points on a tile canvas: `kind` 'class' colours by label, 'value' by sign and size. */
function drawPoints(canvas, { kind, points }, palette) {
  const dpr = window.devicePixelRatio || 1;
  const size = canvas.clientWidth || 56;
  canvas.width = Math.round(size * dpr);
  canvas.height = Math.round(size * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = palette.css('--surface') || '#fff';
  ctx.fillRect(0, 0, size, size);
  const at = (v) => ((v + 1) / 2) * (size - 6) + 3;
  const maxAbs = Math.max(1e-9, ...points.map((p) => Math.abs(p[2])));
  for (const [x, y, label] of points) {
    let color;
    if (kind === 'class' || kind === 'custom') color = palette.classes[label % palette.classes.length];
    else color = label >= 0 ? palette.pos : palette.neg;
    const alpha = kind === 'value' ? 0.35 + 0.65 * Math.min(1, Math.abs(label) / maxAbs) : 1;
    ctx.globalAlpha = alpha;
    ctx.fillStyle = rgb(color);
    ctx.beginPath();
    ctx.arc(at(x), at(-y), kind === 'custom' ? 3.2 : 1.9, 0, TAU);
    ctx.fill();
  }
  ctx.globalAlpha = 1;
  if (kind === 'custom') { // a pencil stroke: "draw your own"
    ctx.strokeStyle = palette.css('--ink-soft') || '#556';
    ctx.lineWidth = 2.2;
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(size * 0.28, size * 0.78);
    ctx.lineTo(size * 0.72, size * 0.3);
    ctx.stroke();
  }
}

/** The real data as tile points in [-1, 1]²: one-d data is drawn as y against x. */
function fromData(data) {
  const [lo, hi] = data.domain;
  const scale = (v) => (2 * (v - lo)) / (hi - lo) - 1;
  const rows = [...data.train, ...data.test];
  if (data.task !== 'regression') {
    return { kind: 'class', points: rows.map(([x1, x2, y]) => [scale(x1), scale(x2), Math.max(0, Math.round(y))]) };
  }
  const maxAbs = Math.max(1e-9, ...rows.map((r) => Math.abs(r[2])));
  if (data.one_d) return { kind: 'curve', points: rows.map(([x1, , y]) => [scale(x1), y / maxAbs * 0.9, y]) };
  return { kind: 'value', points: rows.map(([x1, x2, y]) => [scale(x1), scale(x2), y]) };
}

/** Long words get a soft hyphen, so a tile's two lines read "Checker-" "board", not "Checkerbo" "ard". */
const breakable = (title) => title.replace(/([A-Za-zА-Яа-яЁё]{7})([A-Za-zА-Яа-яЁё]{4,})/g, '$1\u00AD$2');

/**
 * Whether picking `next` would change the input features (app/session_config.py: a 1-D curve
 * starts with x1 alone, leaving one for 2-D data brings x2 back).
 */
function changesFeatures(current, next, features) {
  const was = Boolean(current?.one_d);
  const will = Boolean(next.one_d);
  if (will && !was) return features.join() !== 'x1';
  if (was && !will) return features.join() === 'x1';
  return false;
}

/**
 * @param {HTMLElement} root @param {any} catalog
 * @param {(name: string) => void} onPick
 */
export function createDatasetPicker(root, catalog, onPick) {
  const tiles = new Map();
  for (const dataset of catalog.datasets) {
    const canvas = el('canvas', { 'aria-hidden': 'true' });
    const title = el('span');
    const button = el('button', {
      type: 'button', className: 'dataset-tile', 'aria-pressed': 'false', dataset: { name: dataset.name },
    }, [canvas, title]);
    tTipNamed(button, 'datasettip', dataset.name);
    button.addEventListener('click', () => { if (!button.classList.contains('locked')) onPick(dataset.name); });
    root.append(button);
    tiles.set(dataset.name, { button, canvas, dataset, title });
  }
  /** The tiles' titles in the page's language. */
  function relabel() {
    for (const { title, dataset } of tiles.values()) title.textContent = breakable(named('dataset', dataset.name, dataset.title));
  }
  relabel();
  let lastKey = '';

  /**
   * Show the tiles of the config's task; the current one previews the real data. With the
   * input features locked (a teacher's push), a tile that would change them is off.
   */
  function update(config, data, palette, force = false, featuresLocked = false) {
    const key = JSON.stringify([config.task, config.dataset, config.classes, config.features, data?.revision, force, featuresLocked]);
    if (key === lastKey && !force) return;
    lastKey = key;
    const shown = tiles.get(config.dataset)?.dataset;
    for (const { button, canvas, dataset } of tiles.values()) {
      const visible = dataset.task === config.task || dataset.task == null;
      button.hidden = !visible;
      const current = dataset.name === config.dataset;
      button.setAttribute('aria-pressed', String(current));
      const locked = featuresLocked && changesFeatures(shown, dataset, config.features);
      button.classList.toggle('locked', locked);
      if (locked) {
        button.setAttribute('aria-disabled', 'true');
        tTip(button, 'tip.dataset_locked');
      } else {
        button.removeAttribute('aria-disabled');
        tTipNamed(button, 'datasettip', dataset.name);
      }
      if (!visible) continue;
      const real = current && data && data.dataset === dataset.name && data.train.length + data.test.length > 0;
      drawPoints(canvas, real ? fromData(data) : sketch(dataset.name, config.classes), palette);
    }
  }

  return { update, relabel };
}
