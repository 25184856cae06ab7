// The numbers the class reads off the page: the epoch counter, the play button's state, and the
// loss / accuracy table.

import { formatLoss } from './chart.js';
import { integer, tAttr } from './i18n.js';

/** @param {{epoch: HTMLElement, play: HTMLElement, table: HTMLElement}} parts */
export function createReadouts({ epoch, play, table }) {
  const cell = (id) => table.querySelector(`#${id}`);
  const percent = (v) => (v == null ? '–' : `${(v * 100).toFixed(1)}%`);

  /** 1234 as "001,234" (in Russian "001 234"): a fixed width, so the counter does not jump while training. */
  function showEpoch(value) {
    const separator = integer(1000).charAt(1); // the language's thousands separator
    epoch.textContent = String(value).padStart(6, '0').replace(/\B(?=(\d{3})+(?!\d))/g, separator);
    epoch.dataset.epoch = String(value);
  }

  function showRunning(running) {
    play.setAttribute('aria-pressed', String(running));
    if (running) tAttr(play, 'aria-label', 'transport.pause');
    else tAttr(play, 'aria-label', 'transport.play');
    document.body.classList.toggle('running', running);
  }

  /** The stats of a frame header. */
  function showStats(header) {
    showEpoch(header.epoch);
    cell('train-loss').textContent = formatLoss(header.train_loss);
    cell('test-loss').textContent = formatLoss(header.test_loss);
    cell('train-accuracy').textContent = percent(header.train_accuracy);
    cell('test-accuracy').textContent = percent(header.test_accuracy);
  }

  return { showEpoch, showRunning, showStats };
}
