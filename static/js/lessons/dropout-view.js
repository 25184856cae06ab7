// Dropout, visible: the units the last training batch dropped are greyed in the diagram (its
// first example's mask), and the map of that thinned network (training mode) stands beside
// the map of the whole network (evaluation mode: no dropout, what the test loss measures).

import { el, rgb } from '../dom.js';
import { channel } from '../protocol.js';
import { createHeatmap, ramp } from '../heatmap.js';
import { tAttr, tText } from '../i18n.js';

/** @param {HTMLElement} net @param {() => any} palette */
export function createDropoutView(net, palette) {
  const figure = (key, label) => {
    const canvas = tAttr(el('canvas', { className: 'dropout-map', role: 'img' }), 'aria-label', label);
    return { canvas, node: el('figure', { className: 'dropout-figure' }, [canvas, tText(el('figcaption'), key)]), heatmap: createHeatmap(canvas, { smooth: true }) };
  };
  const train = figure('views.dropout_train', 'views.dropout_train');
  const evaluation = figure('views.dropout_eval', 'views.dropout_eval');
  const note = tText(el('p', { className: 'view-note' }), 'views.dropout_hint');
  const heading = tText(el('h3', { className: 'view-title' }), 'views.dropout_title');
  const root = el('figure', { id: 'view-dropout', className: 'view dropout-view' }, [heading, el('div', { className: 'dropout-maps' }, [train.node, evaluation.node]), note]);

  function mark(masks) {
    for (const node of net.querySelectorAll('.neuron[data-dropped]')) delete node.dataset.dropped;
    (masks ?? []).forEach((mask, l) => (mask ?? []).forEach((kept, n) => {
      const node = net.querySelector(`.neuron[data-column="${l + 1}"][data-unit="${n}"]`);
      if (node && !kept) node.dataset.dropped = '1';
    }));
  }

  function paint(heatmap, grid, task) {
    const colors = palette();
    if (task === 'multiclass') {
      heatmap.drawClasses(Array.from({ length: grid.shape[0] }, (_, j) => channel(grid, j)), colors.classes, colors.mid);
      return;
    }
    const g = channel(grid, 0);
    const m = Math.max(Math.abs(g.lo), Math.abs(g.hi), 1e-9);
    heatmap.drawScalar(g, ramp([colors.neg, colors.mid, colors.pos]), task === 'binary' ? [0, 1] : [-m, m]);
  }

  return {
    root,
    update(frame, view) {
      if (!view) return;
      mark(view.masks);
      const thinned = frame.arrays.get('output_train');
      const whole = frame.arrays.get('output');
      if (thinned) paint(train.heatmap, thinned, frame.header.task);
      if (whole) paint(evaluation.heatmap, whole, frame.header.task);
      root.style.setProperty('--dropped', rgb(palette().mid));
    },
    clear() { mark(null); },
  };
}
