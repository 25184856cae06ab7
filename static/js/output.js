// The output column's pictures: the decision map (model output over the plane, data points and
// axes on an overlay), the per-class probability maps, the colour legend, and for 1-D
// regression the plot of y against x with the fitted `curve`.

import { channel } from './protocol.js';
import { createHeatmap, fit, niceTicks, ramp, rampIndex } from './heatmap.js';
import { el, rgb } from './dom.js';
import { t, tAttr, tText } from './i18n.js';

const TAU = Math.PI * 2;
const WASH = 0.38; // how much lighter the map is than the points


/**
 * @param {{domain: [number, number], grid: HTMLCanvasElement, overlay: HTMLCanvasElement, plot: HTMLCanvasElement,
 *   mapBox: HTMLElement, plotBox: HTMLElement, classMaps: HTMLElement, legend: HTMLElement,
 *   onMapClick: (x1: number, x2: number, event: MouseEvent) => void,
 *   onMapHover: (text: string|null, event: MouseEvent) => void}} parts
 */
export function createOutput(parts) {
  const heatmap = createHeatmap(parts.grid, { smooth: true });
  let data = null;
  let options = { showTest: false, discrete: false };
  let palette = null;
  let classHeatmaps = [];
  let lastOutput = null; // {header, grids} for hover read-outs
  let curve = null;
  let overlayDirty = true;
  let plotDirty = true;
  let plotGeometry = null; // the last drawn plot's axes, for clicks on it
  let marker = null; // [x1, x2]: the point a lesson's point view reads out, ringed on the map

  /** The value scale of regression colours: symmetric around 0, as wide as the data. */
  function valueDomain(fallback) {
    const rows = data ? [...data.train, ...data.test] : [];
    const m = rows.length ? Math.max(...rows.map((r) => Math.abs(r[2]))) : fallback;
    return [-(m || 1), m || 1];
  }

  function diverging() {
    return ramp([palette.neg, palette.mid, palette.pos]);
  }

  /** The map's colours, washed towards white so the full-colour points stand out on them. */
  function washed(color) {
    return color.map((v) => Math.round(v + (255 - v) * WASH));
  }
  function mapRamp() {
    return ramp([washed(palette.neg), palette.mid, washed(palette.pos)]);
  }

  function setData(message) { data = message; overlayDirty = true; plotDirty = true; updateLegend(); }
  function setOptions(next) { options = { ...options, ...next }; overlayDirty = true; plotDirty = true; updateLegend(); }
  function setPalette(next) { palette = next; overlayDirty = true; plotDirty = true; updateLegend(); }
  function invalidate() { overlayDirty = true; plotDirty = true; }
  /** Ring the point [x1, x2] on the map (null: none). */
  function setMarker(point) { marker = point; overlayDirty = true; }

  /** Draw the newest frame's output block, per-class maps and curve. */
  function drawFrame(frame) {
    const { header, arrays } = frame;
    const output = arrays.get('output');
    const oneD = Boolean(data?.one_d) && header.task === 'regression';
    parts.mapBox.hidden = oneD;
    parts.plotBox.hidden = !oneD;
    parts.discretize.hidden = oneD;
    curve = arrays.get('curve') ?? null;
    if (oneD) plotDirty = true;
    if (!output) return;
    const k = output.shape[0];
    const grids = Array.from({ length: k }, (_, j) => channel(output, j));
    lastOutput = { task: header.task, grids, domain: header.domain };
    if (header.task === 'multiclass') {
      heatmap.drawClasses(grids, palette.classes.map(washed), palette.mid, options.discrete);
      drawClassMaps(grids);
    } else if (header.task === 'binary') {
      heatmap.drawScalar(grids[0], mapRamp(), [0, 1], options.discrete ? 2 : 0);
      parts.classMaps.hidden = true;
    } else {
      heatmap.drawScalar(grids[0], mapRamp(), valueDomain(Math.max(Math.abs(grids[0].lo), Math.abs(grids[0].hi))), options.discrete ? 10 : 0);
      if (k > 1) drawOutputMaps(grids); else parts.classMaps.hidden = true;
    }
  }

  /** Multi-output regression: each output's map (the big map shows output 1). */
  function drawOutputMaps(grids) {
    parts.classMaps.hidden = false;
    if (classHeatmaps.length !== grids.length || !classHeatmaps[0].values) {
      parts.classMaps.replaceChildren();
      classHeatmaps = grids.map((_, j) => {
        const canvas = tAttr(el('canvas', { role: 'img' }), 'aria-label', 'output.value_map', { n: j + 1 });
        const figure = el('figure', { className: 'class-map' }, [canvas, tText(el('figcaption'), 'output.value_caption', { n: j + 1 })]);
        parts.classMaps.append(figure);
        return { heatmap: createHeatmap(canvas), figure, values: true };
      });
    }
    grids.forEach((grid, j) => {
      const m = Math.max(Math.abs(grid.lo), Math.abs(grid.hi), 1e-9);
      classHeatmaps[j].heatmap.drawScalar(grid, mapRamp(), [-m, m], options.discrete ? 10 : 0);
    });
  }

  function drawClassMaps(grids) {
    parts.classMaps.hidden = false;
    if (classHeatmaps.length !== grids.length || classHeatmaps[0].values) {
      parts.classMaps.replaceChildren();
      classHeatmaps = grids.map((_, j) => {
        const canvas = tAttr(el('canvas', { role: 'img' }), 'aria-label', 'output.class_map', { k: j });
        const figure = el('figure', { className: 'class-map' }, [canvas, tText(el('figcaption'), 'output.class_caption', { k: j })]);
        parts.classMaps.append(figure);
        return { heatmap: createHeatmap(canvas), figure };
      });
    }
    grids.forEach((grid, j) => {
      const color = palette.classes[j % palette.classes.length];
      classHeatmaps[j].figure.style.setProperty('--class-color', rgb(color));
      classHeatmaps[j].heatmap.drawScalar(grid, ramp([palette.mid, color]), [0, 1], options.discrete ? 2 : 0);
    });
  }

  /** Map geometry in CSS pixels: the square map sits right of and above the axis margins. */
  function geometry() {
    const { ctx, width, height } = fit(parts.overlay);
    const axis = parseFloat(palette.css('--axis')) || 24;
    return { ctx, width, height, axis, size: Math.min(width - axis, height - axis) };
  }

  function domainOf() { return data?.domain ?? lastOutput?.domain ?? parts.domain; }

  function pointColor(label) {
    if (data?.task === 'regression') {
      const table = diverging();
      const i = rampIndex(label, ...valueDomain(1)) * 3;
      return `rgb(${table[i]},${table[i + 1]},${table[i + 2]})`;
    }
    return rgb(palette.classes[Math.max(0, Math.round(label)) % palette.classes.length]);
  }

  function drawOverlay() {
    if (!overlayDirty || parts.mapBox.hidden) return;
    overlayDirty = false;
    const { ctx, width, height, axis, size } = geometry();
    ctx.clearRect(0, 0, width, height);
    const [lo, hi] = domainOf();
    const px = (x1) => axis + ((x1 - lo) / (hi - lo)) * size;
    const py = (x2) => ((hi - x2) / (hi - lo)) * size;
    const font = parseFloat(palette.css('--axis-font')) || 11;
    ctx.font = `${font}px system-ui, sans-serif`;
    ctx.fillStyle = palette.css('--ink-soft');
    ctx.strokeStyle = palette.css('--ink-soft');
    ctx.lineWidth = 1;
    for (const t of niceTicks(lo, hi, 4)) {
      ctx.textAlign = 'center'; ctx.textBaseline = 'top';
      ctx.beginPath(); ctx.moveTo(px(t), size); ctx.lineTo(px(t), size + 4); ctx.stroke();
      ctx.fillText(String(t), px(t), size + 5);
      ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
      ctx.beginPath(); ctx.moveTo(axis - 4, py(t)); ctx.lineTo(axis, py(t)); ctx.stroke();
      ctx.fillText(String(t), axis - 6, py(t));
    }
    const radius = parseFloat(palette.css('--point-radius')) || 3.5;
    if (data) drawPoints(ctx, px, py, axis, size, radius);
    if (marker) drawMarker(ctx, px(marker[0]), py(marker[1]), radius, axis, size);
    else delete parts.overlay.dataset.marker;
  }

  function drawPoints(ctx, px, py, axis, size, radius) {
    const sets = [[data.train, palette.css('--train-stroke')], ...(options.showTest ? [[data.test, palette.css('--test-stroke')]] : [])];
    ctx.save();
    ctx.beginPath(); ctx.rect(axis, 0, size, size); ctx.clip();
    for (const [rows, stroke] of sets) {
      ctx.strokeStyle = stroke;
      ctx.lineWidth = Math.max(1, radius / 3);
      for (const [x1, x2, label] of rows) {
        ctx.fillStyle = pointColor(label);
        ctx.beginPath();
        ctx.arc(px(x1), py(x2), radius, 0, TAU);
        ctx.fill();
        ctx.stroke();
      }
    }
    ctx.restore();
  }

  /** A ring with a cross-hair, dark inside a light halo, so it reads on any colour of the map. */
  function drawMarker(ctx, x, y, radius, axis, size) {
    const r = radius * 2.6;
    ctx.save();
    ctx.beginPath(); ctx.rect(axis, 0, size, size); ctx.clip();
    for (const [color, width] of [['#ffffff', Math.max(4, radius * 1.2)], [palette.css('--ink'), Math.max(2, radius / 2)]]) {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.beginPath();
      ctx.arc(x, y, r, 0, TAU);
      ctx.moveTo(x - r * 1.6, y); ctx.lineTo(x - r * 0.55, y);
      ctx.moveTo(x + r * 0.55, y); ctx.lineTo(x + r * 1.6, y);
      ctx.moveTo(x, y - r * 1.6); ctx.lineTo(x, y - r * 0.55);
      ctx.moveTo(x, y + r * 0.55); ctx.lineTo(x, y + r * 1.6);
      ctx.stroke();
    }
    ctx.restore();
    parts.overlay.dataset.marker = [x, y, r].map((v) => v.toFixed(1)).join(','); // for tests: where it is
  }

  function drawPlot() {
    if (!plotDirty || parts.plotBox.hidden) return;
    plotDirty = false;
    const { ctx, width, height } = fit(parts.plot);
    ctx.clearRect(0, 0, width, height);
    const font = parseFloat(palette.css('--axis-font')) || 11;
    const left = font * 4;
    const bottom = font * 2.9;
    const [lo, hi] = domainOf();
    const rows = data ? [...data.train, ...(options.showTest ? data.test : [])] : [];
    const xs = curve ? Array.from(curve.data.subarray(0, curve.shape[1])) : [];
    const m = curve ? curve.shape[1] : 0;
    const ys = curve ? Array.from(curve.data.subarray(m, 2 * m)) : [];
    // Row 2: linear regression's closed form on the same features, the lecture's comparison.
    const ls = curve && curve.shape[0] > 2 ? Array.from(curve.data.subarray(2 * m, 3 * m)) : [];
    const values = [...rows.map((r) => r[2]), ...ys.filter(Number.isFinite), ...ls.filter(Number.isFinite)];
    let ylo = values.length ? Math.min(...values) : -1;
    let yhi = values.length ? Math.max(...values) : 1;
    const pad = (yhi - ylo) * 0.08 || 1;
    ylo -= pad; yhi += pad;
    const plotW = width - left - 8;
    const plotH = height - bottom - 8;
    const px = (x) => left + ((x - lo) / (hi - lo)) * plotW;
    const py = (y) => 8 + ((yhi - y) / (yhi - ylo)) * plotH;
    plotGeometry = { left, plotW, plotH, lo, hi, ylo, yhi };
    ctx.fillStyle = palette.css('--surface');
    ctx.fillRect(left, 8, plotW, plotH);
    ctx.font = `${font}px system-ui, sans-serif`;
    ctx.fillStyle = palette.css('--ink-soft');
    ctx.strokeStyle = palette.css('--grid-line');
    ctx.lineWidth = 1;
    ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
    for (const t of niceTicks(ylo, yhi, 4)) {
      ctx.beginPath(); ctx.moveTo(left, py(t)); ctx.lineTo(left + plotW, py(t)); ctx.stroke();
      ctx.fillText(String(t), left - 5, py(t));
    }
    ctx.textAlign = 'center'; ctx.textBaseline = 'top';
    for (const t of niceTicks(lo, hi, 4)) {
      ctx.beginPath(); ctx.moveTo(px(t), 8); ctx.lineTo(px(t), 8 + plotH); ctx.stroke();
      ctx.fillText(String(t), px(t), 8 + plotH + 4);
    }
    ctx.fillStyle = palette.css('--ink');
    ctx.font = `600 ${font * 1.15}px system-ui, sans-serif`;
    ctx.fillText('x₁', left + plotW / 2, 8 + plotH + font * 1.45 + 2);
    ctx.textAlign = 'left'; ctx.textBaseline = 'middle';
    ctx.fillText('y', 2, 8 + plotH / 2);
    const radius = parseFloat(palette.css('--point-radius')) || 3.5;
    for (const [rowsOf, test] of [[data?.train ?? [], false], [options.showTest ? data?.test ?? [] : [], true]]) {
      ctx.fillStyle = rgb(palette.classes[1]);
      ctx.strokeStyle = rgb(palette.classes[1]);
      ctx.globalAlpha = test ? 1 : 0.55;
      ctx.lineWidth = 1.5;
      for (const [x1, , y] of rowsOf) {
        ctx.beginPath();
        ctx.arc(px(x1), py(y), radius, 0, TAU);
        if (test) ctx.stroke(); else ctx.fill();
      }
    }
    ctx.globalAlpha = 1;
    if (ls.length) {
      ctx.strokeStyle = palette.css('--ink-soft');
      ctx.lineWidth = Math.max(2, (parseFloat(palette.css('--curve-line')) || 3) * 0.6);
      ctx.setLineDash([8, 6]);
      ctx.beginPath();
      xs.forEach((x, i) => (i ? ctx.lineTo(px(x), py(ls[i])) : ctx.moveTo(px(x), py(ls[i]))));
      ctx.stroke();
      ctx.setLineDash([]);
    }
    if (xs.length) {
      ctx.strokeStyle = rgb(palette.classes[0]);
      ctx.lineWidth = parseFloat(palette.css('--curve-line')) || 3;
      ctx.lineJoin = 'round';
      ctx.beginPath();
      xs.forEach((x, i) => (i ? ctx.lineTo(px(x), py(ys[i])) : ctx.moveTo(px(x), py(ys[i]))));
      ctx.stroke();
    }
  }

  function updateLegend() {
    if (!palette) return;
    const task = data?.task ?? 'binary';
    const items = [];
    parts.legend.classList.toggle('plot-legend', Boolean(data?.one_d));
    if (data?.one_d) { // y against x: what the dots and the line are
      const item = (className, color, text) => {
        const swatch = el('span', { className });
        swatch.style.setProperty('--color', rgb(color));
        return el('span', { className: 'legend-item' }, [swatch, el('span', { text })]);
      };
      items.push(item('swatch dot', palette.classes[1], options.showTest ? t('legend.train_data') : t('legend.data')));
      if (options.showTest) items.push(item('swatch ring', palette.classes[1], t('legend.test_data')));
      items.push(item('swatch-line curve', palette.classes[0], t('legend.network_fit')));
      items.push(item('swatch-line closed', palette.classes[0], t('legend.least_squares'))); // colour from CSS
    } else if (task === 'regression') {
      const [a, b] = valueDomain(1);
      items.push(el('span', { text: a.toPrecision(2) }), el('span', { className: 'ramp' }), el('span', { text: `+${b.toPrecision(2)}` }));
      parts.legend.style.setProperty('--ramp', `linear-gradient(90deg, ${rgb(palette.neg)}, ${rgb(palette.mid)}, ${rgb(palette.pos)})`);
    } else {
      const k = task === 'binary' ? 2 : data.classes;
      for (let j = 0; j < k; j += 1) {
        const swatch = el('span', { className: 'swatch' });
        swatch.style.background = rgb(palette.classes[j % palette.classes.length]);
        items.push(el('span', { className: 'legend-item' }, [swatch, el('span', { text: t('legend.class', { k: j }) })]));
      }
    }
    parts.legend.replaceChildren(...items);
  }

  /** The output at a point of the map, as text: for the hover read-out. */
  function valueAt(x1, x2) {
    if (!lastOutput) return null;
    const [lo, hi] = lastOutput.domain;
    const size = lastOutput.grids[0].size;
    const c = Math.min(size - 1, Math.max(0, Math.floor(((x1 - lo) / (hi - lo)) * size)));
    const r = Math.min(size - 1, Math.max(0, Math.floor(((hi - x2) / (hi - lo)) * size)));
    const values = lastOutput.grids.map((g) => g.lo + (g.cells[r * size + c] / 255) * (g.hi - g.lo));
    const at = { x1: x1.toFixed(2), x2: x2.toFixed(2) };
    if (lastOutput.task === 'binary') return t('output.at_binary', { ...at, p: values[0].toFixed(2) });
    if (lastOutput.task === 'regression') return t('output.at_value', { ...at, y: values[0].toFixed(3) });
    const best = values.indexOf(Math.max(...values));
    return t('output.at_class', { ...at, k: best, percent: Math.round(values[best] * 100) });
  }

  function toData(event) {
    const rect = parts.overlay.getBoundingClientRect();
    const axis = parseFloat(palette.css('--axis')) || 24;
    const size = Math.min(rect.width - axis, rect.height - axis);
    const [lo, hi] = domainOf();
    const fx = (event.clientX - rect.left - axis) / size;
    const fy = (event.clientY - rect.top) / size;
    if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return null;
    return [lo + fx * (hi - lo), hi - fy * (hi - lo)];
  }

  parts.overlay.addEventListener('click', (event) => {
    const at = toData(event);
    if (at) parts.onMapClick(at[0], at[1], event);
  });
  parts.overlay.addEventListener('pointermove', (event) => {
    const at = toData(event);
    parts.onMapHover(at ? valueAt(at[0], at[1]) : null, event);
  });
  parts.overlay.addEventListener('pointerleave', (event) => parts.onMapHover(null, event));
  parts.plot.addEventListener('click', (event) => { // 1-D: a click at (x1, y) on the plot
    const g = plotGeometry;
    if (!g || !parts.onPlotClick) return;
    const rect = parts.plot.getBoundingClientRect();
    const fx = (event.clientX - rect.left - g.left) / g.plotW;
    const fy = (event.clientY - rect.top - 8) / g.plotH;
    if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return;
    parts.onPlotClick(g.lo + fx * (g.hi - g.lo), g.yhi - fy * (g.yhi - g.ylo), event);
  });

  /** Texts again in the page's language. */
  function relabel() { updateLegend(); invalidate(); }

  return { setData, setOptions, setPalette, setMarker, drawFrame, drawOverlay, drawPlot, invalidate, relabel };
}
