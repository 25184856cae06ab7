// The challenge: the teacher's form (dataset, noise, limits, epoch budget, deadline), its
// one-line summary with the time left, and the leaderboard table (best first).

import { el } from '../dom.js';
import { named, t, tText } from '../i18n.js';
import { tTip } from '../tooltips.js';
import { percent, score } from './room.js';

/** Seconds left by the server's clock, or null without a deadline. @param {{info: any, offset: number}} current */
export function timeLeft(current) {
  const deadline = current?.info?.deadline;
  if (deadline == null) return null;
  return Math.max(0, deadline - (Date.now() / 1000 + current.offset));
}

const clock = (seconds) => `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;

/** "Challenge: spiral, ≤ 16 neurons, ≤ 2 layers, 300 epochs · 4:32 left". */
export function challengeSummary(spec, left) {
  const parts = [named('dataset', spec.dataset)];
  if (spec.max_neurons != null) parts.push(t('challenge.max_neurons_short', { count: spec.max_neurons }));
  if (spec.max_layers != null) parts.push(t('challenge.max_layers_short', { count: spec.max_layers }));
  if (spec.epoch_budget != null) parts.push(t('challenge.epochs_short', { count: spec.epoch_budget }));
  const time = left === null ? '' : left > 0 ? t('challenge.left', { time: clock(left) }) : t('challenge.closed');
  return `${t('challenge.title')}: ${parts.join(', ')}${time ? ` · ${time}` : ''}`;
}

/**
 * The teacher's form: start a challenge with these settings.
 * @param {HTMLElement} root @param {{catalog: any, onStart: (spec: object) => void}} options
 */
export function createChallengeForm(root, { catalog, onStart }) {
  const form = el('form', { className: 'challenge-form', id: 'challenge-form' });
  const field = (id, key, tip, input) => {
    input.id = id;
    tTip(input, tip);
    return el('label', { for: id, className: 'room-field' }, [tText(el('span'), key), input]);
  };
  const dataset = el('select');
  for (const d of catalog.datasets.filter((d) => d.name !== 'custom')) {
    dataset.append(el('option', { value: d.name, text: named('dataset', d.name, d.title) }));
  }
  const number = (attrs) => el('input', { type: 'number', inputmode: 'numeric', ...attrs });
  const noise = number({ min: 0, max: catalog.ranges.noise.max, step: 0.05, value: 0.1, inputmode: 'decimal' });
  const neurons = number({ min: 1, max: catalog.limits.units * catalog.limits.layers, value: 8 });
  const layers = number({ min: 0, max: catalog.limits.layers, value: 2 });
  const epochs = number({ min: 1, value: 500 });
  const minutes = number({ min: 1, max: 1440, value: 10 });
  const rank = el('select', {}, [
    el('option', { value: 'test_loss', text: t('challenge.rank_loss'), 'data-i18n': 'challenge.rank_loss' }),
    el('option', { value: 'test_accuracy', text: t('challenge.rank_accuracy'), 'data-i18n': 'challenge.rank_accuracy' }),
  ]);
  const start = tTip(tText(el('button', { type: 'submit', id: 'challenge-start', className: 'wide-button room-action' }), 'challenge.start'), 'tip.challenge_start');
  form.append(
    field('challenge-dataset', 'challenge.dataset', 'tip.challenge_dataset', dataset),
    field('challenge-noise', 'challenge.noise', 'tip.challenge_noise', noise),
    field('challenge-neurons', 'challenge.max_neurons', 'tip.challenge_neurons', neurons),
    field('challenge-layers', 'challenge.max_layers', 'tip.challenge_layers', layers),
    field('challenge-epochs', 'challenge.epoch_budget', 'tip.challenge_epochs', epochs),
    field('challenge-minutes', 'challenge.minutes', 'tip.challenge_minutes', minutes),
    field('challenge-rank', 'challenge.rank_by', 'tip.challenge_rank', rank),
    start,
  );
  const optional = (input) => (input.value === '' ? null : Number(input.value));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const deadline = optional(minutes);
    onStart({
      dataset: dataset.value, noise: Number(noise.value), max_neurons: optional(neurons), max_layers: optional(layers),
      epoch_budget: optional(epochs), deadline_seconds: deadline === null ? null : deadline * 60, rank_by: rank.value,
    });
  });
  root.append(form);
}

/**
 * The leaderboard: rank, name (text), test loss, accuracy, parameters, epochs.
 * @param {HTMLElement} root @param {any} store
 */
export function createLeaderboard(root, store) {
  const caption = el('p', { className: 'room-empty', id: `${root.id}-empty` });
  const head = el('tr', {}, ['board.rank', 'board.name', 'board.test_loss', 'board.accuracy', 'board.parameters', 'board.epochs']
    .map((key) => tText(el('th', { scope: 'col' }), key)));
  const body = el('tbody');
  const table = el('table', { className: 'leaderboard' }, [el('thead', {}, [head]), body]);
  root.append(caption, table);

  function render() {
    const board = store.get('leaderboard');
    const entries = board?.entries ?? [];
    const me = store.get('room')?.student_id;
    table.hidden = !entries.length;
    caption.hidden = Boolean(entries.length);
    tText(caption, store.get('challenge') ? 'board.empty' : 'board.no_challenge');
    body.replaceChildren(...entries.map((entry, i) => el('tr', { className: entry.student_id === me ? 'mine' : '' }, [
      el('td', { text: String(i + 1) }), el('td', { text: entry.name, className: 'name' }),
      el('td', { text: score(entry.test_loss) }), el('td', { text: percent(entry.test_accuracy) }),
      el('td', { text: String(entry.parameters) }), el('td', { text: String(entry.epochs) }),
    ])));
  }
  store.subscribe(['leaderboard', 'challenge', 'room', 'lang'], render);
  render();
}
