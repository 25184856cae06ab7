// The loss chart: training and test loss against epochs, with axes, hover values and a log scale.
// Memory stays bounded: past MAX_POINTS, every other point is dropped (the curve keeps its shape).

import { fit, niceTicks } from './heatmap.js';

const MAX_POINTS = 2000;

const formatLoss = (v) => (v == null || !Number.isFinite(v) ? '–' : v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3));

/**
 * @param {HTMLCanvasElement} canvas @param {HTMLElement} tip  hover read-out
 * @param {() => any} palette  colours at draw time
 */
export function createLossChart(canvas, tip, palette) {
  const ctx = canvas.getContext('2d');
  /** @type {{epoch: number, train: number|null, test: number|null}[]} */
  let points = [];
  let log = false;
  let hoverX = null;
  let dirty = true;

  function add(epoch, train, test) {
    const last = points[points.length - 1];
    if (last && epoch < last.epoch) points = [];
    if (last && epoch === last.epoch) {
      points[points.length - 1] = { epoch, train, test };
    } else {
      points.push({ epoch, train, test });
    }
    if (points.length > MAX_POINTS) points = points.filter((_, i) => i % 2 === 0 || i === points.length - 1);
    dirty = true;
  }

  function clear() { points = []; dirty = true; }
  function setLog(value) { log = value; dirty = true; }


  function draw() {
    if (!dirty) return;
    dirty = false;
    const { width, height } = fit(canvas);
    const colors = palette();
    const font = parseFloat(colors.css('--chart-font')) || 11;
    const line = parseFloat(colors.css('--chart-line')) || 2;
    ctx.clearRect(0, 0, width, height);
    const left = font * 3.6;
    const bottom = font * 1.7;
    const plotW = Math.max(10, width - left - font * 1.4);
    const plotH = Math.max(10, height - bottom - 6);
    const values = points.flatMap((p) => [p.train, p.test]).filter((v) => v != null && Number.isFinite(v) && (!log || v > 0));
    const firstEpoch = points.length ? points[0].epoch : 0;
    const lastEpoch = points.length ? Math.max(points[points.length - 1].epoch, firstEpoch + 1) : 1;
    let lo = values.length ? Math.min(...values) : 0;
    let hi = values.length ? Math.max(...values) : 1;
    if (!log) lo = Math.min(0, lo);
    if (hi - lo < 1e-9) hi = lo + (log ? lo : 1);
    const f = log ? (v) => Math.log10(v) : (v) => v;
    const [flo, fhi] = [f(lo), f(hi)];
    const x = (epoch) => left + ((epoch - firstEpoch) / (lastEpoch - firstEpoch)) * plotW;
    const y = (v) => 3 + plotH - ((f(v) - flo) / (fhi - flo || 1)) * plotH;

    ctx.font = `${font}px system-ui, sans-serif`;
    ctx.fillStyle = colors.css('--ink-soft');
    ctx.strokeStyle = colors.css('--grid-line');
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    const yTicks = log
      ? niceTicks(Math.floor(flo), Math.ceil(fhi), 3).filter((t) => t >= flo - 1e-9 && t <= fhi + 1e-9).map((t) => 10 ** t)
      : niceTicks(lo, hi, 3);
    for (const t of yTicks) {
      const py = y(t);
      ctx.beginPath(); ctx.moveTo(left, py); ctx.lineTo(left + plotW, py); ctx.stroke();
      ctx.fillText(formatLoss(t), left - 4, py);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of niceTicks(firstEpoch, lastEpoch, 4)) {
      if (t < firstEpoch || t > lastEpoch) continue;
      ctx.textAlign = x(t) - left < font ? 'left' : 'center'; // the first label clears the y axis's "0.00"
      ctx.fillText(t >= 10000 ? `${t / 1000}k` : String(t), x(t), plotH + 6);
    }
    for (const [key, color] of [['train', colors.css('--train-line')], ['test', colors.css('--test-line')]]) {
      ctx.strokeStyle = color;
      ctx.lineWidth = line;
      ctx.lineJoin = 'round';
      ctx.beginPath();
      let started = false;
      for (const p of points) {
        const v = p[key];
        if (v == null || !Number.isFinite(v) || (log && v <= 0)) { started = false; continue; }
        if (started) ctx.lineTo(x(p.epoch), y(v)); else ctx.moveTo(x(p.epoch), y(v));
        started = true;
      }
      ctx.stroke();
    }
    if (hoverX != null && points.length) {
      const epoch = firstEpoch + ((hoverX - left) / plotW) * (lastEpoch - firstEpoch);
      const near = points.reduce((best, p) => (Math.abs(p.epoch - epoch) < Math.abs(best.epoch - epoch) ? p : best));
      ctx.strokeStyle = colors.css('--ink-soft');
      ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(x(near.epoch), 3); ctx.lineTo(x(near.epoch), plotH + 3); ctx.stroke();
      tip.textContent = `epoch ${near.epoch} · train ${formatLoss(near.train)} · test ${formatLoss(near.test)}`;
      tip.hidden = false;
      tip.style.left = `${Math.min(Math.max(x(near.epoch), 70), width - 70)}px`;
    } else {
      tip.hidden = true;
    }
  }

  canvas.addEventListener('pointermove', (event) => {
    hoverX = event.offsetX;
    dirty = true;
  });
  canvas.addEventListener('pointerleave', () => { hoverX = null; dirty = true; });

  return { add, clear, setLog, draw, invalidate: () => { dirty = true; }, get size() { return points.length; } };
}

export { formatLoss };
