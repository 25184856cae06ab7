// One run's decision map in a comparison: the output grid (as the main map colours it) with
// the training points over it, on two stacked canvases.

import { channel } from '../protocol.js';
import { createHeatmap, fit, ramp } from '../heatmap.js';
import { rgb } from '../dom.js';

const WASH = 0.38; // the map is lighter than the points, as on the main map
const TAU = Math.PI * 2;

/**
 * @param {HTMLCanvasElement} grid @param {HTMLCanvasElement} overlay @param {() => any} palette
 * @param {{pointScale?: number}} [options]  pointScale: the points' radius over the main map's
 */
export function createCompareMap(grid, overlay, palette, { pointScale = 0.8 } = {}) {
  const heatmap = createHeatmap(grid, { smooth: true });
  let data = null;
  let overlayDirty = true;

  const washed = (c) => c.map((v) => Math.round(v + (255 - v) * WASH));

  function drawFrame(frame) {
    const output = frame.arrays.get('output');
    if (!output) return;
    const colors = palette();
    const grids = Array.from({ length: output.shape[0] }, (_, j) => channel(output, j));
    const { task } = frame.header;
    if (task === 'multiclass') heatmap.drawClasses(grids, colors.classes.map(washed), colors.mid);
    else {
      const rows = data ? [...data.train, ...data.test] : [];
      const m = task === 'regression' ? Math.max(1e-9, ...rows.map((r) => Math.abs(r[2]))) : 0;
      heatmap.drawScalar(grids[0], ramp([washed(colors.neg), colors.mid, washed(colors.pos)]), task === 'regression' ? [-m, m] : [0, 1]);
    }
    grid.dataset.epoch = String(frame.header.epoch);
  }

  function drawPoints() {
    if (!overlayDirty || !data) return;
    overlayDirty = false;
    const { ctx, width, height } = fit(overlay);
    const colors = palette();
    ctx.clearRect(0, 0, width, height);
    const [lo, hi] = data.domain;
    const size = Math.min(width, height);
    const radius = Math.max(2, (parseFloat(colors.css('--point-radius')) || 3.5) * pointScale);
    ctx.strokeStyle = colors.css('--train-stroke');
    ctx.lineWidth = 1;
    for (const [x1, x2, label] of data.train) {
      ctx.fillStyle = data.task === 'regression'
        ? rgb(label >= 0 ? colors.pos : colors.neg)
        : rgb(colors.classes[Math.max(0, Math.round(label)) % colors.classes.length]);
      ctx.beginPath();
      ctx.arc(((x1 - lo) / (hi - lo)) * size, ((hi - x2) / (hi - lo)) * size, radius, 0, TAU);
      ctx.fill();
      ctx.stroke();
    }
  }

  return {
    drawFrame, drawPoints,
    setData(message) { data = message; overlayDirty = true; },
    invalidate() { overlayDirty = true; },
  };
}
