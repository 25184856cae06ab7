// A divergence in the page's language, from the status's structured `divergence` (the server's
// `message` is its English version, kept for API users): what happened, what was restored, the
// likely cause and the advice, as app/watchdog.py's Divergence.message words it.

import { named, t } from './i18n.js';

const short = (v) => (v == null ? '–' : String(Number(v.toPrecision(3))));

/** @param {import('./protocol.js').Divergence} d */
export function describeDivergence(d) {
  const parts = [d.loss == null ? t('divergence.nonfinite', { epoch: d.epoch }) : t('divergence.rose', { epoch: d.epoch, loss: short(d.loss) })];
  parts.push(d.best_epoch != null ? t('divergence.restored', { best_epoch: d.best_epoch, best_loss: short(d.best_loss) }) : t('divergence.restored_last'));
  const change = d.change;
  if (d.cause === 'edit' && change) {
    const params = { field: named('changefield', change.field, change.field), before: change.before ?? '–', after: change.after ?? '–' };
    parts.push(change.layer != null ? t('divergence.cause_edit_layer', { ...params, layer: change.layer + 1 }) : t('divergence.cause_edit', params));
  } else {
    parts.push(t('divergence.cause_rate', { rate: d.learning_rate }));
  }
  if (d.suggested_learning_rate != null && (d.cause === 'learning_rate' || change?.field === 'learning_rate')) {
    parts.push(t('divergence.try', { rate: d.suggested_learning_rate }));
  }
  return parts.join(' ');
}
