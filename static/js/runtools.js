// Run tools in the data column: stop conditions (train to epoch N, or until the test loss is
// below a value, then pause and say why) and "Take it home": the run as a NumPy script, a
// notebook, PyTorch or Keras code, the weights as JSON, and loading a weights file back.

import { el } from './dom.js';
import { integer, t, tText } from './i18n.js';
import { tTip } from './tooltips.js';
import { checkWeightsFile } from './weightsfile.js';

const FORMATS = [
  ['numpy', 'export.numpy', 'tip.export_numpy'],
  ['notebook', 'export.notebook', 'tip.export_notebook'],
  ['pytorch', 'export.pytorch', 'tip.export_pytorch'],
  ['keras', 'export.keras', 'tip.export_keras'],
  ['weights', 'export.weights', 'tip.export_weights'],
];

/** Save text as a file through a Blob URL (the page's CSP allows blob: downloads). */
export function download(filename, text, type = 'text/plain') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = el('a', { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * @param {HTMLElement} root
 * @param {{send: (message: object) => boolean, header: () => any,
 *   toasts: {show: (text: string, kind?: string, detail?: string) => void}}} options
 */
export function createRunTools(root, { send, header, toasts }) {
  // ---- stop conditions ----
  const epochInput = tTip(el('input', { type: 'number', id: 'stop-epoch', min: '1', step: '1', inputmode: 'numeric' }), 'tip.stop_epoch');
  const lossInput = tTip(el('input', { type: 'number', id: 'stop-loss', min: '0', step: 'any', inputmode: 'decimal' }), 'tip.stop_loss');
  const stopNote = el('p', { className: 'inline-note', id: 'stop-note', role: 'status', hidden: true });
  const stop = el('fieldset', { className: 'stop-conditions' }, [
    tText(el('legend'), 'stop.heading'),
    el('label', { for: 'stop-epoch' }, [tText(el('span'), 'stop.epoch'), epochInput]),
    el('label', { for: 'stop-loss' }, [tText(el('span'), 'stop.loss'), lossInput]),
    stopNote,
  ]);
  function sendStop() {
    const epoch = Math.round(Number(epochInput.value));
    const loss = Number(lossInput.value);
    send({
      type: 'stop_at',
      epoch: epochInput.value !== '' && epoch >= 1 ? epoch : null,
      test_loss_below: lossInput.value !== '' && loss > 0 ? loss : null,
    });
  }
  epochInput.addEventListener('change', sendStop);
  lossInput.addEventListener('change', sendStop);

  /** A `stopped` status: say why the run paused, and clear the condition met (the server did). */
  function onStopped(status) {
    const { stopped } = status;
    const text = stopped.kind === 'epoch'
      ? t('stop.reached_epoch', { epoch: integer(status.epoch) })
      : t('stop.reached_loss', { epoch: integer(status.epoch), loss: stopped.value.toPrecision(3), below: String(stopped.below) });
    (stopped.kind === 'epoch' ? epochInput : lossInput).value = '';
    stopNote.textContent = text;
    stopNote.hidden = false;
    toasts.show(text, 'info');
  }

  // ---- take it home ----
  const buttons = FORMATS.map(([format, label, tip]) => {
    const button = tTip(tText(el('button', { type: 'button', className: 'text-button', id: `export-${format}` }), label), tip);
    button.addEventListener('click', () => send({ type: 'export', format }));
    return button;
  });
  const file = tTip(el('input', { type: 'file', id: 'weights-file', accept: '.json,application/json' }), 'tip.load_weights');
  const loadError = el('p', { className: 'inline-error', id: 'weights-error', role: 'alert', hidden: true });
  const exportNote = el('p', { className: 'hint', id: 'export-note' });
  const fileButton = el('label', { className: 'text-button file-button', id: 'weights-file-button' }, [file, tText(el('span'), 'export.load')]);
  const home = el('fieldset', { className: 'take-home' }, [
    tText(el('legend'), 'export.heading'),
    el('div', { className: 'export-buttons' }, buttons),
    fileButton, loadError, exportNote,
  ]);
  /** A teacher's push locked the weights: loading a file is off (the server refuses it). */
  function setLocked(locked) {
    file.disabled = locked;
    fileButton.classList.toggle('locked', locked);
    if (locked) tTip(fileButton, 'tip.weights_locked'); // a disabled input gets no pointer: its label explains
    else fileButton.removeAttribute('aria-describedby');
  }
  file.addEventListener('change', async () => {
    const chosen = file.files?.[0];
    file.value = '';
    if (!chosen) return;
    loadError.hidden = true;
    const result = checkWeightsFile(await chosen.text(), header());
    if (result.error) {
      loadError.textContent = result.error;
      loadError.hidden = false;
      return;
    }
    send({ type: 'set_weights', layers: result.layers });
  });

  /** An `export` message: download its text. */
  function onExport(message) {
    download(message.filename, message.text, message.media_type);
    if (message.format === 'numpy' || message.format === 'notebook') {
      tText(exportNote, 'export.replays', { start: integer(message.start_epoch), end: integer(message.epoch) });
    } else exportNote.textContent = '';
  }

  /** A refused set_weights (the server names the layer): shown under the button. */
  function onRefused(message) {
    if (!message.message.includes('layer')) return false;
    loadError.textContent = `${t('weights.refused')} ${message.message}`;
    loadError.hidden = false;
    return true;
  }

  root.append(stop, home);
  return { onStopped, onExport, onRefused, setLocked, loaded: () => { loadError.hidden = true; } };
}
