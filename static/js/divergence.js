// When training blew up: a badge by the play button and the advice beside it, in the page's
// language, from the fields of the server's `status` (docs/protocol.md: `divergence`). It stays
// until the user acts (plays, steps, resets or edits: the conversation clears the store's key);
// the loss chart marks the epoch (main.js).

import { formatLoss } from './chart.js';
import { named, t } from './i18n.js';

// What the server may name as the last change, and how the page says it ({layer}, {before}, {after}).
const CHANGES = {
  activation: 'change.activation',
  units: 'change.units',
  dropout: 'change.dropout',
  layers: 'change.layers',
  weight: 'change.weight',
  learning_rate: 'change.learning_rate',
  optimizer: 'change.optimizer',
  batch_size: 'change.batch_size',
  loss: 'change.loss',
  regularization_rate: 'change.regularization_rate',
};

/** The last change, in words. @param {import('./protocol.js').Change} change */
export function describeChange(change) {
  const params = {
    layer: change.layer == null ? '' : change.layer + 1, before: change.before ?? '', after: change.after ?? '',
    field: named('changefield', change.field, change.field),
  };
  return t(CHANGES[change.field] ?? 'change.generic', params);
}

/** The whole advice: what happened, what was restored, the likely cause and what to try. */
export function advice(/** @type {import('./protocol.js').Divergence} */ d) {
  const parts = [d.loss == null
    ? t('diverged.nonfinite', { epoch: d.epoch })
    : t('diverged.rose', { epoch: d.epoch, loss: formatLoss(d.loss) })];
  if (d.best_epoch != null) parts.push(t('diverged.restored', { epoch: d.best_epoch, loss: formatLoss(d.best_loss) }));
  if (d.cause === 'edit' && d.change) parts.push(t('diverged.cause_edit', { change: describeChange(d.change) }));
  else parts.push(t('diverged.cause_rate', { rate: d.learning_rate }));
  if (d.suggested_learning_rate != null && (d.cause === 'learning_rate' || d.change?.field === 'learning_rate')) {
    parts.push(t('diverged.try_rate', { rate: d.suggested_learning_rate }));
  }
  return parts.join(' ');
}

/**
 * @param {{root: HTMLElement, badge: HTMLButtonElement, detail: HTMLElement, text: HTMLElement,
 *   close: HTMLButtonElement, store: ReturnType<import('./store.js').createStore>}} parts
 */
export function createDivergenceView({ root, badge, detail, text, close, store }) {
  function open(shown) {
    detail.hidden = !shown;
    badge.setAttribute('aria-expanded', String(shown));
  }

  function render() {
    const divergence = store.get('diverged');
    root.hidden = !divergence;
    document.body.classList.toggle('diverged', Boolean(divergence));
    if (divergence) text.textContent = advice(divergence);
    else open(false);
  }

  store.subscribe(['diverged'], (state) => { render(); if (state.diverged) open(true); });
  badge.addEventListener('click', () => open(detail.hidden));
  close.addEventListener('click', () => { open(false); badge.focus(); });
  detail.addEventListener('keydown', (event) => { if (event.key === 'Escape') { event.stopPropagation(); open(false); badge.focus(); } });
  render();
  return { hideDetail: () => open(false), /** the page's language changed */ relabel: render };
}
