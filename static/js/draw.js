// Drawing your own data: the draw / eraser toggles, the class (or value) of new points, clicks
// on the decision map, clearing, and CSV upload with its inline error.

import { el } from './controls.js';

/**
 * @param {{root: HTMLElement, catalog: any, send: (message: object) => void,
 *   toasts: {show: (text: string, kind?: string) => void},
 *   task: () => string, classes: () => number, palette: () => any}} options
 */
export function createDrawTools({ root, catalog, send, toasts, task, classes, palette }) {
  const $ = (selector) => root.querySelector(selector);
  const csvError = $('#csv-error');
  let draw = false;
  let eraser = false;
  let label = 1;
  let csvPending = false;
  let labelsKey = '';

  function set(nextDraw, nextEraser = false) {
    draw = nextDraw;
    eraser = nextEraser && !nextDraw;
    $('#draw-toggle').setAttribute('aria-pressed', String(draw));
    $('#eraser').setAttribute('aria-pressed', String(eraser));
    document.body.classList.toggle('drawing', draw || eraser);
  }

  /** A click on the map at (x1, x2): add a point (rounded like the link stores it) or remove nearby ones. */
  function mapClick(x1, x2, event, domain = [-6, 6]) {
    if (!draw && !eraser) {
      toasts.show('Turn on “Draw on the map” (Data column) to add points by clicking.', 'info');
      return;
    }
    if (eraser || event.shiftKey) {
      send({ type: 'remove_points', x1, x2, radius: Math.min(12, (domain[1] - domain[0]) / 30) });
    } else {
      const round = (v) => Math.round(v * 100) / 100;
      send({ type: 'add_points', points: [[round(x1), round(x2), label]] });
    }
  }

  /** The hover text on the map while drawing. */
  const hoverText = (text, event) => (draw || eraser ? `${text} · ${eraser || event.shiftKey ? 'click to remove' : 'click to add'}` : text);

  /** Class chips for classification, a number field for regression; rebuilt when k changes. */
  function renderLabels(force = false) {
    const box = $('#draw-label');
    const k = task() === 'binary' ? 2 : task() === 'multiclass' ? classes() : 0;
    const key = `${task()}:${k}`;
    if (key === labelsKey && !force) return;
    labelsKey = key;
    box.replaceChildren();
    if (k === 0) {
      const input = el('input', { type: 'number', id: 'draw-value', step: '0.1', min: '-1000000', max: '1000000', value: String(label) });
      input.addEventListener('change', () => { if (input.value !== '') label = Number(input.value); });
      box.setAttribute('role', 'group');
      box.append(el('label', { for: 'draw-value', text: 'Value of new points' }), input);
      return;
    }
    box.setAttribute('role', 'radiogroup');
    if (label >= k || label < 0 || !Number.isInteger(label)) label = k - 1;
    for (let j = 0; j < k; j += 1) {
      const chip = el('button', { type: 'button', role: 'radio', className: 'class-chip', 'aria-checked': String(j === label), 'aria-label': `Class ${j}`, text: String(j) });
      chip.style.setProperty('--chip', `rgb(${palette().classes[j].join(',')})`);
      chip.addEventListener('click', () => {
        label = j;
        for (const other of box.children) other.setAttribute('aria-checked', String(other === chip));
      });
      box.append(chip);
    }
  }

  /** A server error: true when it was about the CSV upload (shown inline, not as a toast). */
  function onError(message) {
    if (message.code !== 'bad_data' || !csvPending) return false;
    csvPending = false;
    csvError.textContent = message.message;
    csvError.hidden = false;
    return true;
  }

  function onData(message) {
    if (!csvPending) return;
    csvPending = false;
    csvError.hidden = true;
    toasts.show(`Loaded ${message.train.length + message.test.length} points from the CSV file.`, 'info');
  }

  $('#draw-toggle').addEventListener('click', () => set(!draw));
  $('#eraser').addEventListener('click', () => set(false, !eraser));
  $('#clear-points').addEventListener('click', () => send({ type: 'clear_points' }));
  $('#csv-file').addEventListener('change', async (event) => {
    const input = /** @type {HTMLInputElement} */ (event.target);
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    if (file.size > catalog.limits.message_bytes - 1024) {
      csvError.textContent = `That file is ${Math.round(file.size / 1024)} KiB; the limit is ${Math.floor(catalog.limits.message_bytes / 1024) - 1} KiB.`;
      csvError.hidden = false;
      return;
    }
    csvPending = true;
    csvError.hidden = true;
    send({ type: 'load_csv', text: await file.text() });
  });

  return { set, mapClick, hoverText, renderLabels, onError, onData };
}
