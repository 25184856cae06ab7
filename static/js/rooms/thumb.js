// A decision map drawn small (a gallery tile) or large (the spotlight) from u8 grids: the same
// colours as the page's own map, without its points and axes.

import { channel } from '../protocol.js';
import { createHeatmap, ramp } from '../heatmap.js';

/** A gallery tile's `thumbnail` ({task, shape, lo, hi, cells: base64}) as a grid block. */
export function thumbnailGrid(thumbnail) {
  const bytes = Uint8Array.from(atob(thumbnail.cells), (c) => c.charCodeAt(0));
  return { shape: thumbnail.shape, data: bytes, lo: thumbnail.lo, hi: thumbnail.hi };
}

const WASH = 0.38; // as the page's own map (output.js): lighter than full colour
const washed = (color) => color.map((v) => Math.round(v + (255 - v) * WASH));

/**
 * @param {HTMLCanvasElement} canvas
 * @param {{smooth?: boolean}} [options]
 */
export function createMapView(canvas, { smooth = false } = {}) {
  const heatmap = createHeatmap(canvas, { smooth });

  /**
   * @param {string} task  binary | multiclass | regression
   * @param {{shape: number[], data: Uint8Array, lo: number[], hi: number[]}} grid  c × r × r
   * @param {ReturnType<import('../heatmap.js').readPalette>} palette
   */
  function draw(task, grid, palette) {
    const grids = Array.from({ length: grid.shape[0] }, (_, j) => channel(grid, j));
    if (!grids.length) return;
    const diverging = ramp([washed(palette.neg), palette.mid, washed(palette.pos)]);
    if (task === 'multiclass') {
      heatmap.drawClasses(grids, palette.classes.map(washed), palette.mid);
    } else if (task === 'binary') {
      heatmap.drawScalar(grids[0], diverging, [0, 1]);
    } else {
      const m = Math.max(Math.abs(grids[0].lo), Math.abs(grids[0].hi), 1e-9);
      heatmap.drawScalar(grids[0], diverging, [-m, m]);
    }
  }
  return { draw };
}
