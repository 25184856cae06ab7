// Heatmaps: one canvas pixel per grid cell, drawn with putImageData; CSS scales the canvas up.
// Colours come from CSS variables (--neg, --mid, --pos, --class-0 … --class-5), read by readPalette().

/** @typedef {[number, number, number]} RGB */

/** Parse '#rrggbb' or 'rgb(r, g, b)' into [r, g, b]. @returns {RGB} */
export function parseColor(text) {
  const value = text.trim();
  if (value.startsWith('#')) {
    const hex = value.length === 4 ? [...value.slice(1)].map((c) => c + c).join('') : value.slice(1);
    return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
  }
  const numbers = value.match(/[\d.]+/g) ?? ['0', '0', '0'];
  return /** @type {RGB} */ (numbers.slice(0, 3).map(Number));
}

/** The page's colours, from CSS variables on `root`. */
export function readPalette(root = document.body) {
  const style = getComputedStyle(root);
  const get = (name) => parseColor(style.getPropertyValue(name) || '#888888');
  return {
    neg: get('--neg'),
    mid: get('--mid'),
    pos: get('--pos'),
    classes: [0, 1, 2, 3, 4, 5].map((j) => get(`--class-${j}`)),
    css: (name) => style.getPropertyValue(name).trim(),
  };
}

const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));

/** A 256-entry colour ramp through the given stops, flat RGB bytes. */
export function ramp(stops) {
  const table = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i += 1) {
    const x = (i / 255) * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(x));
    const color = mix(stops[k], stops[k + 1], x - k);
    table.set(color, i * 3);
  }
  return table;
}

/** Ramp index (0..255) of value `v` over [a, b], optionally in `bands` steps. */
export function rampIndex(v, a, b, bands = 0) {
  let t = b > a ? (v - a) / (b - a) : 0.5;
  t = Math.min(1, Math.max(0, t));
  if (bands) t = Math.min(bands - 1, Math.floor(t * bands)) / (bands - 1);
  return Math.round(t * 255);
}

/**
 * Draws u8 grids on one canvas. `lut` maps each cell byte to a colour, built per channel, so
 * a 100×100 map costs one table look-up per pixel.
 * With `smooth`, the cells go to an offscreen canvas that is drawn scaled to the visible size
 * with bilinear smoothing: CSS scaling may be nearest-neighbour (software rendering, some
 * projectors' browsers), which shows every cell as a block.
 * @param {HTMLCanvasElement} visible
 * @param {{smooth?: boolean}} [options]
 */
export function createHeatmap(visible, { smooth = false } = {}) {
  const canvas = smooth ? document.createElement('canvas') : visible;
  const ctx = canvas.getContext('2d');
  const view = smooth ? visible.getContext('2d') : null;
  let image = null;

  function present() {
    if (!view) return;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.min(2048, Math.round(visible.clientWidth * ratio)));
    const height = Math.max(1, Math.min(2048, Math.round(visible.clientHeight * ratio)));
    if (visible.width !== width || visible.height !== height) {
      visible.width = width;
      visible.height = height;
    }
    view.imageSmoothingEnabled = true;
    view.imageSmoothingQuality = 'high';
    view.drawImage(canvas, 0, 0, width, height);
  }

  function pixels(size) {
    if (canvas.width !== size || canvas.height !== size) {
      canvas.width = size;
      canvas.height = size;
    }
    if (!image || image.width !== size) image = ctx.createImageData(size, size);
    return image.data;
  }

  /**
   * One channel through a ramp: the cell byte maps to a value lo..hi, the value to [a, b].
   * @param {{cells: Uint8Array, lo: number, hi: number, size: number}} grid
   * @param {Uint8ClampedArray} table  @param {[number, number]} domain  @param {number} bands
   */
  function drawScalar(grid, table, domain, bands = 0) {
    const lut = new Uint8ClampedArray(256 * 3);
    for (let c = 0; c < 256; c += 1) {
      const value = grid.lo + (c / 255) * (grid.hi - grid.lo);
      const i = rampIndex(value, domain[0], domain[1], bands) * 3;
      lut[c * 3] = table[i];
      lut[c * 3 + 1] = table[i + 1];
      lut[c * 3 + 2] = table[i + 2];
    }
    const out = pixels(grid.size);
    const cells = grid.cells;
    for (let p = 0, q = 0; p < cells.length; p += 1, q += 4) {
      const c = cells[p] * 3;
      out[q] = lut[c];
      out[q + 1] = lut[c + 1];
      out[q + 2] = lut[c + 2];
      out[q + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
    present();
  }

  /**
   * Multi-class: each cell takes its most likely class's colour, faded towards `mid` as the
   * confidence drops to chance (1/k); `discrete` paints full colour.
   * @param {{cells: Uint8Array, lo: number, hi: number, size: number}[]} grids one per class
   * @param {RGB[]} colors  @param {RGB} mid  @param {boolean} discrete
   */
  function drawClasses(grids, colors, mid, discrete = false) {
    const k = grids.length;
    const size = grids[0].size;
    const out = pixels(size);
    const scale = grids.map((g) => (g.hi - g.lo) / 255);
    for (let p = 0, q = 0; p < size * size; p += 1, q += 4) {
      let best = 0;
      let top = -1;
      for (let j = 0; j < k; j += 1) {
        const prob = grids[j].lo + grids[j].cells[p] * scale[j];
        if (prob > top) { top = prob; best = j; }
      }
      const t = discrete ? 1 : Math.max(0, Math.min(1, (top - 1 / k) / (1 - 1 / k)));
      const color = colors[best % colors.length];
      const fade = 0.15 + 0.85 * t; // never fully white: the argmax region stays visible
      out[q] = mid[0] + (color[0] - mid[0]) * fade;
      out[q + 1] = mid[1] + (color[1] - mid[1]) * fade;
      out[q + 2] = mid[2] + (color[2] - mid[2]) * fade;
      out[q + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
    present();
  }

  return { drawScalar, drawClasses };
}

/** About `count` round tick values over [lo, hi]. */
export function niceTicks(lo, hi, count) {
  const raw = (hi - lo) / count || 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9; v += step) out.push(+v.toPrecision(10));
  return out;
}

/**
 * An axis's tick labels, all with the decimals the finest of them needs: 0, 0.05, 0.1 read
 * "0.00", "0.05", "0.10" (three significant digits gave "0.00", "0.0500", "0.100").
 * @param {number[]} ticks
 * @returns {string[]}
 */
export function tickLabels(ticks) {
  const exact = (d) => ticks.every((v) => Math.abs(Math.round(v * 10 ** d) - v * 10 ** d) < 1e-6);
  let decimals = 0;
  while (decimals < 8 && !exact(decimals)) decimals += 1;
  return ticks.map((v) => v.toFixed(decimals));
}

/**
 * Size a canvas to its CSS box at device resolution, drawing in CSS pixels.
 * @param {HTMLCanvasElement} canvas
 * @returns {{ctx: CanvasRenderingContext2D, width: number, height: number}} the CSS size
 */
export function fit(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
  }
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, width, height };
}

/** The symmetric colour domain of a neuron's outputs: at least [-1, 1], like tanh's range. */
export function neuronDomain(grid) {
  const m = Math.max(1, Math.abs(grid.lo), Math.abs(grid.hi));
  return /** @type {[number, number]} */ ([-m, m]);
}
