// The loss chart: training and test loss against epochs, with ticks, hover values and a log
// scale; the axis titles are page text beside the canvas. The training line is drawn over the
// test line (thinner), so both show where they meet. A spike after an edit does not flatten
// the rest: on the linear scale the top is cut at a level most of the curve stays under, and
// the cut peaks are marked. Memory stays bounded: past MAX_POINTS, every other point is
// dropped (the curve keeps its shape).

import { fit, niceTicks, tickLabels } from './heatmap.js';
import { t } from './i18n.js';

const MAX_POINTS = 2000;
const SPIKE = 3; // a top this many times the 90th percentile is a spike: cut at 1.5 times it
const START = 0.1; // the first tenth of the curve is its descent, always shown whole

const formatLoss = (v) => (v == null || !Number.isFinite(v) ? '–' : v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3));

/**
 * The top of the linear scale, from the values in epoch order: the highest of the start, and
 * of the rest too unless that is a spike far above the rest's 90th percentile.
 */
export function linearTop(values) {
  const head = Math.max(1, Math.ceil(START * values.length));
  const rest = values.slice(head).sort((a, b) => a - b);
  const start = Math.max(...values.slice(0, head));
  if (!rest.length) return start;
  const top = rest[rest.length - 1];
  const p90 = rest[Math.floor(0.9 * (rest.length - 1))];
  return Math.max(start, p90 > 0 && top > SPIKE * p90 ? 1.5 * p90 : top);
}

/**
 * A loss chart's canvas cleared and sized, and its plot area inside the axis labels.
 * @param {HTMLCanvasElement} canvas @param {CanvasRenderingContext2D} ctx @param {any} colors
 */
export function plotArea(canvas, ctx, colors) {
  const { width, height } = fit(canvas);
  const font = parseFloat(colors.css('--chart-font')) || 13;
  const line = parseFloat(colors.css('--chart-line')) || 2;
  ctx.clearRect(0, 0, width, height);
  const left = font * 3.4;
  const top = font * 0.6;
  return {
    width, height, colors, font, line, left, top,
    plotW: Math.max(10, width - left - font), plotH: Math.max(10, height - top - font * 1.7),
  };
}

/**
 * @param {HTMLCanvasElement} canvas @param {HTMLElement} tip  hover read-out
 * @param {() => any} palette  colours at draw time
 */
export function createLossChart(canvas, tip, palette) {
  const ctx = canvas.getContext('2d');
  /** @type {{epoch: number, train: number|null, test: number|null}[]} */
  let points = [];
  /** @type {number[]} epochs where a run diverged: marked until the curve goes back before them */
  let marks = [];
  let log = false;
  let hoverX = null;
  let dirty = true;
  let cursor = null; // the epoch the scrubber shows (null: the present)
  let markers = []; // divergences and branches, from the server's history
  let abandoned = []; // the points of the branch the run left (drawn faint)

  function add(epoch, train, test) {
    const last = points[points.length - 1];
    if (last && epoch < last.epoch) { // a reset, or a run restored a little back: keep what led there
      points = points.filter((p) => p.epoch <= epoch);
      marks = marks.filter((m) => m <= epoch);
    }
    if (last && epoch === last.epoch) {
      points[points.length - 1] = { epoch, train, test };
    } else {
      points.push({ epoch, train, test });
    }
    if (points.length > MAX_POINTS) points = points.filter((_, i) => i % 2 === 0 || i === points.length - 1);
    dirty = true;
  }

  let ghost = null; // an earlier run's points, drawn faint (a lesson's previous step)
  function clear() { points = []; marks = []; abandoned = []; markers = []; cursor = null; dirty = true; }
  /** Mark the epoch where training diverged (a dashed line, labelled). */
  function mark(epoch) { marks = [...marks.filter((m) => m !== epoch), epoch]; dirty = true; }
  function setGhost(value) { ghost = value?.length ? value : null; dirty = true; }
  function setCursor(epoch) { cursor = epoch; dirty = true; }
  function setMarkers(list) { markers = list; dirty = true; }
  /** The run went back to `epoch`: the later points become the branch left behind. */
  function branch(epoch) {
    abandoned = points.filter((p) => p.epoch >= epoch);
    points = points.filter((p) => p.epoch <= epoch);
    cursor = null;
    dirty = true;
  }
  function setLog(value) { log = value; dirty = true; }

  function draw() {
    if (!dirty) return;
    dirty = false;
    const area = plotArea(canvas, ctx, palette());
    const { width, colors, font, line, top, plotH } = area;
    const values = points.flatMap((p) => [p.train, p.test]).filter((v) => v != null && Number.isFinite(v) && (!log || v > 0));
    const firstEpoch = points.length ? points[0].epoch : 0;
    const ghostEnd = ghost ? ghost[ghost.length - 1].epoch : 0;
    const tail = abandoned.length ? abandoned[abandoned.length - 1].epoch : 0;
    const lastEpoch = points.length || ghost
      ? Math.max(points.length ? points[points.length - 1].epoch : 0, ghostEnd, tail, firstEpoch + 1) : 1;
    let lo = values.length ? Math.min(...values) : 0;
    let hi = values.length ? (log ? Math.max(...values) : linearTop(values)) : 1;
    if (!log) lo = Math.min(0, lo);
    if (hi - lo < 1e-9) hi = lo + (log ? lo : 1);
    const f = log ? (v) => Math.log10(v) : (v) => v;
    const [flo, fhi] = [f(lo), f(hi)];
    const yTicks = log
      ? niceTicks(Math.floor(flo), Math.ceil(fhi), 3).filter((v) => v >= flo - 1e-9 && v <= fhi + 1e-9).map((v) => 10 ** v)
      : niceTicks(lo, hi, 3);
    ctx.font = `${font}px system-ui, sans-serif`;
    // Log ticks are powers of ten, each with its own decimals ("0.001", "0.1", "1").
    const yLabels = log ? yTicks.map((v) => tickLabels([v])[0]) : tickLabels(yTicks);
    // The y axis as wide as its longest label ("0.002" is wider than "0.5"): never cut at the edge.
    const labels = Math.max(0, ...yLabels.map((text) => ctx.measureText(text).width)) + 8;
    const left = Math.max(area.left, labels);
    const plotW = Math.max(10, area.plotW - (left - area.left));
    const x = (epoch) => left + ((epoch - firstEpoch) / (lastEpoch - firstEpoch)) * plotW;
    const y = (v) => top + plotH - ((f(v) - flo) / (fhi - flo || 1)) * plotH;

    ctx.fillStyle = colors.css('--ink-soft');
    ctx.strokeStyle = colors.css('--grid-line');
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    yTicks.forEach((v, k) => {
      const py = y(v);
      ctx.beginPath(); ctx.moveTo(left, py); ctx.lineTo(left + plotW, py); ctx.stroke();
      ctx.fillText(yLabels[k], left - 5, py);
    });
    ctx.textBaseline = 'top';
    for (const v of niceTicks(firstEpoch, lastEpoch, 4)) {
      if (v < firstEpoch || v > lastEpoch) continue;
      ctx.textAlign = x(v) - left < font ? 'left' : 'center'; // the first label clears the y axis's "0.00"
      ctx.fillText(v >= 10000 ? `${v / 1000}k` : String(v), x(v), top + plotH + 5);
    }

    ctx.save();
    ctx.beginPath(); ctx.rect(left, top - line, plotW, plotH + 2 * line); ctx.clip();
    if (ghost) { // the previous step's test loss, dashed and faint
      ctx.strokeStyle = colors.css('--ink-soft');
      ctx.lineWidth = line;
      ctx.setLineDash([6, 5]);
      ctx.globalAlpha = 0.5;
      ctx.beginPath();
      let on = false;
      for (const p of ghost) {
        const v = p.test ?? p.train;
        if (v == null || !Number.isFinite(v) || (log && v <= 0) || p.epoch > lastEpoch) { on = false; continue; }
        if (on) ctx.lineTo(x(p.epoch), y(Math.min(v, hi))); else ctx.moveTo(x(p.epoch), y(Math.min(v, hi)));
        on = true;
      }
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
    }
    const series = [['test', colors.css('--test-line'), line * 1.8], ['train', colors.css('--train-line'), line]];
    let cut = false;
    const runs = abandoned.length ? [[abandoned, 0.3], [points, 1]] : [[points, 1]];
    for (const [run, alpha] of runs) for (const [key, color, width_] of series) {
      ctx.globalAlpha = alpha;
      ctx.strokeStyle = color;
      ctx.lineWidth = width_;
      ctx.lineJoin = 'round';
      ctx.beginPath();
      let started = false;
      for (const p of run) {
        const v = p[key];
        if (v == null || !Number.isFinite(v) || (log && v <= 0)) { started = false; continue; }
        if (v > hi) cut = true;
        if (started) ctx.lineTo(x(p.epoch), y(v)); else ctx.moveTo(x(p.epoch), y(v));
        started = true;
      }
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
    ctx.restore();
    canvas.dataset.cut = String(cut);
    drawMarks(x, top, plotH, colors, font);
    if (cut) { // the cut peaks: a dashed top edge, so nobody reads the cut as the value
      ctx.strokeStyle = colors.css('--ink-soft');
      ctx.setLineDash([4, 4]);
      ctx.beginPath(); ctx.moveTo(left, top); ctx.lineTo(left + plotW, top); ctx.stroke();
      ctx.setLineDash([]);
    }

    canvas.dataset.marks = marks.join(',');
    for (const m of marks) { // where a run diverged and was restored
      if (m < firstEpoch || m > lastEpoch) continue;
      ctx.strokeStyle = colors.css('--danger');
      ctx.fillStyle = colors.css('--danger');
      ctx.lineWidth = Math.max(2, line);
      ctx.setLineDash([6, 4]);
      ctx.beginPath(); ctx.moveTo(x(m), top); ctx.lineTo(x(m), top + plotH); ctx.stroke();
      ctx.setLineDash([]);
      ctx.textAlign = x(m) > left + plotW / 2 ? 'right' : 'left';
      ctx.textBaseline = 'top';
      ctx.fillText(t('chart.diverged'), x(m) + (ctx.textAlign === 'right' ? -4 : 4), top + 2);
    }

    if (hoverX != null && points.length) {
      const epoch = firstEpoch + ((hoverX - left) / plotW) * (lastEpoch - firstEpoch);
      const near = points.reduce((best, p) => (Math.abs(p.epoch - epoch) < Math.abs(best.epoch - epoch) ? p : best));
      ctx.strokeStyle = colors.css('--ink-soft');
      ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(x(near.epoch), top); ctx.lineTo(x(near.epoch), top + plotH); ctx.stroke();
      tip.textContent = t('chart.tip', { epoch: near.epoch, train: formatLoss(near.train), test: formatLoss(near.test) });
      tip.hidden = false;
      tip.style.left = `${Math.min(Math.max(canvas.offsetLeft + x(near.epoch), 90), canvas.offsetLeft + width - 90)}px`;
    } else {
      tip.hidden = true;
    }
  }

  /** Divergences (red), branches (dashed) and the scrubber's epoch (a thick line). */
  function drawMarks(x, top, plotH, colors, font) {
    const vertical = (epoch, color, dash, width_) => {
      ctx.strokeStyle = color; ctx.lineWidth = width_; ctx.setLineDash(dash);
      ctx.beginPath(); ctx.moveTo(x(epoch), top); ctx.lineTo(x(epoch), top + plotH); ctx.stroke();
      ctx.setLineDash([]);
    };
    for (const marker of markers) {
      const diverged = marker.kind === 'diverged';
      if (diverged && marks.includes(marker.epoch)) continue; // labelled below, from the status
      vertical(marker.epoch, colors.css(diverged ? '--danger' : '--ink-soft'), diverged ? [] : [5, 4], 1.5);
      ctx.fillStyle = colors.css(diverged ? '--danger' : '--ink-soft');
      ctx.textAlign = 'left'; ctx.textBaseline = 'top';
      ctx.fillText(diverged ? '✕' : '⑂', x(marker.epoch) + 3, top);
    }
    if (cursor != null) vertical(cursor, colors.css('--accent'), [], Math.max(2, font / 5));
    canvas.dataset.cursor = cursor == null ? '' : String(cursor);
    canvas.dataset.branches = String(markers.filter((m) => m.kind === 'branch').length);
  }

  canvas.addEventListener('pointermove', (event) => {
    hoverX = event.offsetX;
    dirty = true;
  });
  canvas.addEventListener('pointerleave', () => { hoverX = null; dirty = true; });

  return {
    add, clear, mark, setLog, draw, setGhost, setCursor, setMarkers, branch,
    invalidate: () => { dirty = true; }, get size() { return points.length; },
    /** A copy of the curve so far (for a ghost). */
    snapshot: () => points.map((p) => ({ ...p })),
  };
}

export { formatLoss };
