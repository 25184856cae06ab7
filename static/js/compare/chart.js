// The comparison's loss chart: runs A and B on one chart, A solid and B dashed, each with its
// training (thin) and test (thick) line, against the epochs they trained in lockstep.

import { niceTicks, tickLabels } from '../heatmap.js';
import { linearTop, plotArea } from '../chart.js';

const MAX_POINTS = 2000;
const DASH = [7, 5];

/** @param {HTMLCanvasElement} canvas @param {() => any} palette */
export function createCompareChart(canvas, palette) {
  const ctx = canvas.getContext('2d');
  /** @type {Record<'A'|'B', {epoch: number, train: number|null, test: number|null}[]>} */
  let runs = { A: [], B: [] };
  let dirty = true;

  function add(run, epoch, train, test) {
    const points = runs[run];
    const last = points[points.length - 1];
    if (last && epoch < last.epoch) runs[run] = [];
    if (last && epoch === last.epoch) points[points.length - 1] = { epoch, train, test };
    else runs[run].push({ epoch, train, test });
    if (runs[run].length > MAX_POINTS) runs[run] = runs[run].filter((_, i) => i % 2 === 0 || i === runs[run].length - 1);
    dirty = true;
  }

  function draw() {
    if (!dirty) return;
    dirty = false;
    const { colors, font, line, left, top, plotW, plotH } = plotArea(canvas, ctx, palette());
    const all = [...runs.A, ...runs.B];
    const values = all.flatMap((p) => [p.train, p.test]).filter((v) => v != null && Number.isFinite(v));
    const last = Math.max(1, ...all.map((p) => p.epoch));
    const hi = values.length ? linearTop(values) : 1;
    const lo = 0;
    const x = (epoch) => left + (epoch / last) * plotW;
    const y = (v) => top + plotH - ((v - lo) / (hi - lo || 1)) * plotH;
    ctx.font = `${font}px system-ui, sans-serif`;
    ctx.fillStyle = colors.css('--ink-soft');
    ctx.strokeStyle = colors.css('--grid-line');
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    const ticks = niceTicks(lo, hi, 3);
    tickLabels(ticks).forEach((text, k) => {
      ctx.beginPath(); ctx.moveTo(left, y(ticks[k])); ctx.lineTo(left + plotW, y(ticks[k])); ctx.stroke();
      ctx.fillText(text, left - 5, y(ticks[k]));
    });
    ctx.textBaseline = 'top';
    for (const v of niceTicks(0, last, 4)) {
      ctx.textAlign = x(v) - left < font ? 'left' : 'center';
      ctx.fillText(v >= 10000 ? `${v / 1000}k` : String(v), x(v), top + plotH + 5);
    }
    ctx.save();
    ctx.beginPath(); ctx.rect(left, top - line, plotW, plotH + 2 * line); ctx.clip();
    for (const [run, dash] of [['A', []], ['B', DASH]]) {
      for (const [key, color, width_] of [['test', colors.css('--test-line'), line * 1.8], ['train', colors.css('--train-line'), line]]) {
        ctx.strokeStyle = color;
        ctx.lineWidth = width_;
        ctx.setLineDash(dash.map((d) => d * Math.max(1, line / 2)));
        ctx.beginPath();
        let started = false;
        for (const p of runs[run]) {
          const v = p[key];
          if (v == null || !Number.isFinite(v)) { started = false; continue; }
          if (started) ctx.lineTo(x(p.epoch), y(Math.min(v, hi * 1.02))); else ctx.moveTo(x(p.epoch), y(Math.min(v, hi * 1.02)));
          started = true;
        }
        ctx.stroke();
      }
    }
    ctx.setLineDash([]);
    ctx.restore();
    canvas.dataset.points = `${runs.A.length},${runs.B.length}`;
  }

  return {
    add, draw,
    clear() { runs = { A: [], B: [] }; dirty = true; },
    invalidate() { dirty = true; },
    get sizes() { return [runs.A.length, runs.B.length]; },
  };
}
