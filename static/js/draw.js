// Drawing your own data: the draw / eraser toggles, the class (or value) of new points, clicks
// on the decision map, clearing, and CSV upload with its inline error.

import { el, rgb } from './dom.js';
import { named, t, tAttr, tText } from './i18n.js';
import { tTip } from './tooltips.js';

/**
 * @param {{root: HTMLElement, catalog: any, send: (message: object) => boolean, inFlight: () => number,
 *   toasts: {show: (text: string, kind?: string, detail?: string) => void},
 *   task: () => string, classes: () => number, palette: () => any}} options
 */
export function createDrawTools({ root, catalog, send, inFlight, toasts, task, classes, palette }) {
  const $ = (selector) => root.querySelector(selector);
  const csvError = $('#csv-error');
  let draw = false;
  let eraser = false;
  let label = 1;
  // The server answers commands in order, each with a config or an error: the CSV load's own
  // answer comes after those of the commands sent before it (a Clear's data must not pass for it).
  let csvAnswerIn = -1; // answers to let pass before the CSV load's (-1: no load waiting)
  let csvLoaded = false; // the load succeeded: its data message is next
  let labelsKey = '';

  function set(nextDraw, nextEraser = false) {
    draw = nextDraw;
    eraser = nextEraser && !nextDraw;
    $('#draw-toggle').setAttribute('aria-pressed', String(draw));
    $('#eraser').setAttribute('aria-pressed', String(eraser));
    document.body.classList.toggle('drawing', draw || eraser);
  }

  function showCsvError(text) {
    csvError.replaceChildren(...text.split('\n').map((line, i) => el(i ? 'span' : 'strong', { text: line })));
    csvError.hidden = false;
  }
  const clearCsvError = () => { csvError.hidden = true; csvError.replaceChildren(); };

  /** A click on the map at (x1, x2): add a point (rounded like the link stores it) or remove nearby ones. */
  function mapClick(x1, x2, event) {
    if (!draw && !eraser) {
      toasts.show(t('draw.turn_on'), 'info');
      return;
    }
    if (eraser || event.shiftKey) {
      const [lo, hi] = catalog.domain;
      send({ type: 'remove_points', x1, x2, radius: (hi - lo) / 30 });
    } else {
      const round = (v) => Math.round(v * 100) / 100;
      send({ type: 'add_points', points: [[round(x1), round(x2), label]] });
    }
  }

  /** A click on the 1-D plot at (x1, y): a point on the curve's line x2 = 0 with value y, or remove nearby ones. */
  function plotClick(x1, y, event) {
    if (!draw && !eraser) {
      toasts.show(t('draw.turn_on'), 'info');
      return;
    }
    const [lo, hi] = catalog.domain;
    const round = (v) => Math.round(v * 100) / 100;
    if (eraser || event.shiftKey) send({ type: 'remove_points', x1, x2: 0, radius: (hi - lo) / 30 });
    else send({ type: 'add_points', points: [[round(x1), 0, round(y)]] });
  }

  /** The hover text on the map while drawing. */
  function hoverText(text, event) {
    if (!draw && !eraser) return text;
    return t('draw.hover', { value: text, action: eraser || event.shiftKey ? t('draw.click_remove') : t('draw.click_add') });
  }

  /** Class chips for classification, a number field for regression; rebuilt when k changes. */
  function renderLabels(force = false) {
    const box = $('#draw-label');
    const k = task() === 'binary' ? 2 : task() === 'multiclass' ? classes() : 0;
    const key = `${task()}:${k}`;
    if (key === labelsKey && !force) return;
    labelsKey = key;
    box.replaceChildren();
    if (k === 0) {
      const input = tTip(el('input', { type: 'number', id: 'draw-value', step: '0.1', min: '-1000000', max: '1000000', value: String(label) }), 'tip.draw_value');
      input.addEventListener('change', () => { if (input.value !== '') label = Number(input.value); });
      box.setAttribute('role', 'group');
      box.append(tText(el('label', { for: 'draw-value' }), 'draw.value'), input);
      return;
    }
    box.setAttribute('role', 'radiogroup');
    if (label >= k || label < 0 || !Number.isInteger(label)) label = k - 1;
    for (let j = 0; j < k; j += 1) {
      const chip = el('button', { type: 'button', role: 'radio', className: 'class-chip', 'aria-checked': String(j === label), text: String(j) });
      tTip(tAttr(chip, 'aria-label', 'draw.class', { k: j }), 'tip.draw_class', { k: j });
      chip.style.setProperty('--chip', rgb(palette().classes[j]));
      chip.addEventListener('click', () => {
        label = j;
        for (const other of box.children) other.setAttribute('aria-checked', String(other === chip));
      });
      box.append(chip);
    }
  }

  /** Each answer to a command (a config, or an error refusing one): true when it was the CSV load's error (shown inline). */
  function onAnswer(message) {
    if (csvAnswerIn < 0) return false;
    if (csvAnswerIn > 0) { csvAnswerIn -= 1; return false; }
    csvAnswerIn = -1;
    if (message.type !== 'error') { csvLoaded = true; return false; }
    showCsvError(`${named('error', message.code)}\n${message.message}`);
    return true;
  }

  function onData(message) {
    if (!csvLoaded) return;
    csvLoaded = false;
    clearCsvError();
    toasts.show(t('draw.csv_loaded', { count: message.train.length + message.test.length }), 'info');
  }

  $('#draw-toggle').addEventListener('click', () => set(!draw));
  $('#eraser').addEventListener('click', () => set(false, !eraser));
  $('#clear-points').addEventListener('click', () => { clearCsvError(); send({ type: 'clear_points' }); });
  $('#csv-file').addEventListener('change', async (event) => {
    const input = /** @type {HTMLInputElement} */ (event.target);
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    const limit = catalog.limits.message_bytes - 1024; // the JSON around the text
    if (file.size > limit) {
      showCsvError(t('draw.csv_too_large', { size: Math.round(file.size / 1024), limit: Math.floor(limit / 1024) }));
      return;
    }
    const text = await file.text();
    clearCsvError();
    csvAnswerIn = inFlight();
    if (!send({ type: 'load_csv', text })) csvAnswerIn = -1;
  });

  /** A new session: a load sent to the old one will never be answered. */
  function forget() { csvAnswerIn = -1; csvLoaded = false; }

  return { plotClick, set, mapClick, hoverText, renderLabels, onAnswer, onData, forget };
}
