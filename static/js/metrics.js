// Metrics beside the loss, live from each frame's `metrics`: a classifier's confusion matrix
// (rows: the true class, columns: the predicted one; the diagonal is what it gets right), a
// regression's R² and RMSE. Rebuilt only when the numbers change.

import { el } from './dom.js';
import { t, tText } from './i18n.js';
import { tTip } from './tooltips.js';

/** @param {HTMLElement} root */
export function createMetrics(root) {
  let last = '';

  /**
   * @param {import('./protocol.js').Metrics|null|undefined} given
   * @param {{task: string, sizes: number[]}} header  without points, an empty table of the
   *   task's shape keeps the column's layout (the map does not jump when points come)
   */
  function show(given, header) {
    const classes = header.task === 'binary' ? 2 : header.sizes[header.sizes.length - 1];
    const metrics = given ?? (header.task === 'regression'
      ? { split: 'test', r2: null, rmse: null, confusion: null }
      : { split: 'test', confusion: Array.from({ length: classes }, () => Array(classes).fill(0)) });
    const key = JSON.stringify(metrics);
    if (key === last) return;
    last = key;
    root.hidden = false;
    const split = tText(el('span', { className: 'metrics-split' }), metrics.split === 'test' ? 'metrics.on_test' : 'metrics.on_train');
    const axes = el('span', { className: 'metrics-axes' }, [
      tText(el('strong'), metrics.confusion ? 'metrics.confusion' : 'metrics.regression'), el('br'),
      ...(metrics.confusion ? [tText(el('span'), 'metrics.true_predicted')] : []),
    ]);
    root.replaceChildren(axes, metrics.confusion ? confusion(metrics.confusion) : regression(metrics), split);
    root.dataset.kind = metrics.confusion ? 'confusion' : 'regression';
    root.toggleAttribute('data-wide', (metrics.confusion?.length ?? 0) > 4); // no room beside the stats on a short screen
  }

  function confusion(table) {
    const total = table.flat().reduce((a, b) => a + b, 0) || 1;
    const head = el('tr', {}, [
      el('th', { className: 'corner' }),
      ...table.map((_, j) => el('th', { scope: 'col', text: String(j) })),
    ]);
    const rows = table.map((row, i) => el('tr', {}, [
      el('th', { scope: 'row', text: String(i) }),
      ...row.map((count, j) => el('td', {
        text: String(count),
        className: `${i === j ? 'hit' : 'miss'} level-${Math.min(4, Math.ceil((count / total) * table.length * 4))}`,
      })),
    ]));
    const caption = tText(el('caption'), 'metrics.confusion');
    return tTip(el('table', { className: 'confusion', id: 'confusion' }, [caption, el('thead', {}, [head]), el('tbody', {}, rows)]), 'tip.confusion');
  }

  function regression({ r2, rmse }) {
    const value = (v) => (v == null ? '–' : v.toFixed(3));
    return tTip(el('dl', { className: 'regression-metrics', id: 'regression-metrics' }, [
      tText(el('dt'), 'metrics.r2'), el('dd', { text: value(r2), id: 'metric-r2' }),
      tText(el('dt'), 'metrics.rmse'), el('dd', { text: value(rmse), id: 'metric-rmse' }),
    ]), 'tip.regression_metrics');
  }

  return { show, relabel: () => { last = ''; }, title: () => t('metrics.confusion') };
}
