// Per-layer gradient norms over the epochs: |dL/dW| of each Dense layer on the last batch
// trained, on a log scale (a vanishing gradient is orders of magnitude), one line per layer,
// the newest values beside their names; a switch shows the weights' norms |W| instead. A
// gradient of exactly 0 sits on the floor and reads 0. With a ghost, the previous step's lines
// stay, dashed and faint, for comparison.

import { el, rgb } from '../dom.js';
import { fit } from '../heatmap.js';
import { t, tAttr, tText } from '../i18n.js';
import { tTip } from '../tooltips.js';
import { formatValue } from './format.js';

const MAX_POINTS = 1500;
const FLOOR = -12; // log10 of the smallest norm drawn (0 is drawn here)

/** @param {() => any} palette */
export function createGradientChart(palette) {
  const canvas = tAttr(el('canvas', { className: 'view-canvas', role: 'img' }), 'aria-label', 'views.gradients_label');
  const legend = el('div', { className: 'view-legend' });
  const heading = tText(el('h3', { className: 'view-title' }), 'views.gradients_title');
  const which = tTip(tText(el('button', { type: 'button', className: 'toggle small', id: 'view-weight-norms', 'aria-pressed': 'false' }), 'views.show_weights'), 'tip.view_weight_norms');
  const root = el('figure', { id: 'view-gradients', className: 'view gradient-view' }, [el('div', { className: 'view-head' }, [heading, which]), canvas, legend]);
  let key = 'gradient'; // or 'weight': which norms the chart shows
  let series = []; // series[l] = [[epoch, log10 norm], ...]
  let ghost = [];
  let keep = false;
  let latest = null;
  let dirty = true;

  function clear() {
    ghost = keep ? series : [];
    series = [];
    latest = null;
    dirty = true;
  }

  function update(frame, view) {
    if (!view?.[key]) return;
    const norms = view[key];
    if (series.length !== norms.length) series = norms.map(() => []);
    const last = series[0][series[0].length - 1];
    if (last && view.epoch < last[0]) series = norms.map(() => []);
    norms.forEach((v, l) => {
      const line = series[l];
      const y = v > 0 ? Math.max(FLOOR, Math.log10(v)) : FLOOR;
      if (line.length && line[line.length - 1][0] === view.epoch) line[line.length - 1] = [view.epoch, y];
      else line.push([view.epoch, y]);
      if (line.length > MAX_POINTS) series[l] = line.filter((_, i) => i % 2 === 0 || i === line.length - 1);
    });
    latest = norms;
    showLegend();
    dirty = true;
  }

  const colorOf = (l, count) => {
    const colors = palette().classes;
    return l === count - 1 ? palette().css('--ink') : rgb(colors[l % colors.length]);
  };
  const nameOf = (l, count) => (l === count - 1 ? t('views.output_layer') : t('views.layer_n', { n: l + 1 }));

  function showLegend() {
    if (!latest) { legend.replaceChildren(); return; }
    legend.replaceChildren(...latest.map((v, l) => {
      const swatch = el('span', { className: 'swatch-line' });
      swatch.style.setProperty('--color', colorOf(l, latest.length));
      return el('span', { className: 'legend-item' }, [swatch, el('span', { text: `${nameOf(l, latest.length)}: ${formatValue(v)}` })]);
    }));
  }

  function draw() {
    if (!dirty || root.hidden) return;
    dirty = false;
    const { ctx, width, height } = fit(canvas);
    const colors = palette();
    const font = parseFloat(colors.css('--chart-font')) || 13;
    ctx.clearRect(0, 0, width, height);
    const all = [...series, ...ghost].flat();
    if (!all.length) return;
    const left = font * 3.2;
    const plotW = Math.max(10, width - left - font);
    const plotH = Math.max(10, height - font * 1.8);
    const epochs = all.map((p) => p[0]);
    const e0 = Math.min(...epochs);
    const e1 = Math.max(e0 + 1, ...epochs);
    const lo = Math.floor(Math.min(...all.map((p) => p[1])));
    const hi = Math.max(lo + 1, Math.ceil(Math.max(...all.map((p) => p[1]))));
    const x = (e) => left + ((e - e0) / (e1 - e0)) * plotW;
    const y = (v) => 4 + plotH - ((v - lo) / (hi - lo)) * (plotH - 4);
    ctx.font = `${font}px system-ui, sans-serif`;
    ctx.fillStyle = colors.css('--ink-soft');
    ctx.strokeStyle = colors.css('--grid-line');
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    const step = Math.max(1, Math.ceil((hi - lo) / 4));
    for (let v = lo; v <= hi; v += step) {
      ctx.beginPath(); ctx.moveTo(left, y(v)); ctx.lineTo(left + plotW, y(v)); ctx.stroke();
      ctx.fillText(v === FLOOR ? '0' : `1e${v}`, left - 4, y(v));
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText(t('views.epoch_range', { from: e0, to: e1 }), left + plotW / 2, plotH + 6);
    const line = parseFloat(colors.css('--chart-line')) || 2;
    const stroke = (points, color, dashed) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = dashed ? line * 0.8 : line;
      ctx.setLineDash(dashed ? [5, 5] : []);
      ctx.globalAlpha = dashed ? 0.45 : 1;
      ctx.beginPath();
      points.forEach(([e, v], i) => (i ? ctx.lineTo(x(e), y(v)) : ctx.moveTo(x(e), y(v))));
      ctx.stroke();
    };
    ghost.forEach((points, l) => stroke(points, colorOf(l, ghost.length), true));
    series.forEach((points, l) => stroke(points, colorOf(l, series.length), false));
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
  }

  which.addEventListener('click', () => {
    key = key === 'gradient' ? 'weight' : 'gradient';
    which.setAttribute('aria-pressed', String(key === 'weight'));
    tText(heading, key === 'weight' ? 'views.weights_title' : 'views.gradients_title');
    keep = false;
    clear();
  });

  return {
    root, update, draw, clear,
    keepGhost(value) { keep = value; },
    relabel() { showLegend(); dirty = true; },
  };
}
