// The links of the network diagram: one canvas under the neurons, each link a bezier coloured by
// the weight's sign and as thick as its size. The pointer can hover a link (its value in the
// tooltip) and click it (the number editor); the keyboard path is the neuron panel.

import { fmt } from './dom.js';
import { t } from './i18n.js';

const SAMPLES = 12; // points per link for hit-testing

/**
 * @param {HTMLElement} root  the diagram box (pointer events)
 * @param {HTMLCanvasElement} canvas  the link layer, sized to root
 * @param {{palette: () => any, isBackground: (target: EventTarget) => boolean,
 *   weightOf: (path: any) => number|null, nameOf: (path: any) => string,
 *   showTip: (text: string, at: {left: number, bottom: number}) => void, hideTip: () => void,
 *   editable: () => boolean, edit: (path: any, at: {x: number, y: number}) => void}} options
 *   editable: false while a teacher's push locks the weights (the tip says so, a click does nothing)
 */
export function createLinks(root, canvas, options) {
  const ctx = canvas.getContext('2d');
  let paths = []; // {l, s, t, x0, y0, x1, y1, xm, points}
  let hover = null;
  let maxWidth = 6;
  let dirty = true;

  /** Lay out the links between consecutive columns; `active(c)` lists column c's neurons in weight-row order. */
  function layout(columnCount, active, slot) {
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(root.clientWidth * dpr);
    canvas.height = Math.round(root.clientHeight * dpr);
    maxWidth = Math.max(2, slot * 0.22);
    paths = [];
    hover = null;
    for (let l = 0; l + 1 < columnCount; l += 1) {
      const targets = active(l + 1);
      active(l).forEach((a, s) => targets.forEach((b, t) => {
        const x0 = a.x + a.size / 2;
        const x1 = b.x - b.size / 2;
        const xm = (x0 + x1) / 2;
        const points = [];
        for (let k = 0; k <= SAMPLES; k += 1) { // the bezier (x0,y0) (xm,y0) (xm,y1) (x1,y1), sampled
          const u = k / SAMPLES;
          const v = 1 - u;
          points.push([v * v * v * x0 + 3 * v * v * u * xm + 3 * v * u * u * xm + u * u * u * x1,
            (v * v * v + 3 * v * v * u) * a.y + (3 * v * u * u + u * u * u) * b.y]);
        }
        paths.push({ l, s, t, x0, y0: a.y, x1, y1: b.y, xm, points });
      }));
    }
    dirty = true;
  }

  function stroke(path) {
    ctx.beginPath();
    ctx.moveTo(path.x0, path.y0);
    ctx.bezierCurveTo(path.xm, path.y0, path.xm, path.y1, path.x1, path.y1);
    ctx.stroke();
  }

  /** Draw every link; called from the page's animation frame, does nothing when unchanged. */
  function draw() {
    if (!dirty) return;
    dirty = false;
    const palette = options.palette();
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const scale = parseFloat(palette.css('--link-scale')) || 1;
    const rgba = (c) => `rgba(${c[0]},${c[1]},${c[2]},0.8)`;
    ctx.lineCap = 'round';
    for (const path of paths) {
      const w = options.weightOf(path);
      ctx.strokeStyle = w == null ? palette.css('--grid-line') : rgba(w >= 0 ? palette.pos : palette.neg);
      ctx.lineWidth = w == null ? 1 : Math.min(maxWidth * scale, (0.4 + Math.abs(w) * 2.2) * scale);
      stroke(path);
    }
    if (hover) {
      ctx.strokeStyle = palette.css('--ink');
      ctx.lineWidth = 1.5;
      ctx.setLineDash([4, 3]);
      stroke(hover);
      ctx.setLineDash([]);
    }
  }

  /** The link under the pointer, within a few pixels, or null. */
  function linkAt(x, y) {
    let best = null;
    let bestDistance = 6;
    for (const path of paths) {
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

  root.addEventListener('pointermove', (event) => {
    if (!options.isBackground(event.target)) {
      if (hover) { hover = null; dirty = true; options.hideTip(); }
      return;
    }
    const rect = root.getBoundingClientRect();
    const path = linkAt(event.clientX - rect.left, event.clientY - rect.top);
    if (path !== hover) { hover = path; dirty = true; }
    const editable = options.editable();
    root.style.cursor = path ? (editable ? 'pointer' : 'not-allowed') : '';
    if (path) {
      const key = editable ? 'net.weight_value' : 'net.weight_value_locked';
      options.showTip(t(key, { name: options.nameOf(path), value: fmt(options.weightOf(path)) }),
        { left: event.clientX + 12, bottom: event.clientY + 8 });
    } else {
      options.hideTip();
    }
  });
  root.addEventListener('pointerleave', () => { hover = null; dirty = true; options.hideTip(); });
  root.addEventListener('click', (event) => {
    if (hover && options.isBackground(event.target) && options.editable()) options.edit(hover, { x: event.clientX, y: event.clientY + 10 });
  });

  return { layout, draw, invalidate: () => { dirty = true; } };
}
