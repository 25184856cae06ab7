// The neuron panel: the keyboard (and screen-reader) way to read and edit a neuron's incoming
// weights and its bias. Focus a neuron in the diagram, press Enter: one number field per
// incoming link plus the bias; a changed field is sent at once (set_weight / set_bias).

import { el } from './dom.js';
import { tAttr, tText } from './i18n.js';
import { tTip } from './tooltips.js';

/**
 * @typedef {{label: string, value: number|null, set: (value: number) => void}} Entry
 * @typedef {{title: string, bias: Entry, weights: Entry[], locked?: boolean}} NeuronInfo  locked: a teacher's push locked the weights (read only)
 */

const shown = (v) => (v == null || !Number.isFinite(v) ? '' : String(Math.round(v * 1000) / 1000));

/**
 * @param {HTMLElement} root  the panel element (role=dialog, hidden)
 * @param {{min: number, max: number}} range  what the server takes for a weight or bias (the catalog's)
 */
export function createNeuronPanel(root, range) {
  const title = el('h3', { id: 'neuron-panel-title' });
  const close = tTip(tAttr(el('button', { type: 'button', className: 'toast-close', text: '×' }), 'aria-label', 'panel.close'), 'tip.close');
  const list = el('div', { className: 'neuron-panel-list' });
  const hint = tText(el('p', { className: 'hint' }), 'panel.hint');
  root.append(el('div', { className: 'neuron-panel-head' }, [title, close]), hint, list);
  root.setAttribute('role', 'dialog');
  root.setAttribute('aria-labelledby', title.id);

  let opener = null;
  let inputs = []; // [input, entry]

  function field(id, entry, locked) {
    const input = el('input', { type: 'number', id, step: '0.01', min: String(range.min), max: String(range.max), value: shown(entry.value), readonly: locked, 'aria-disabled': locked ? 'true' : null });
    tTip(input, locked ? 'tip.weights_locked' : 'tip.panel_value');
    input.addEventListener('change', () => {
      const value = Number(input.value);
      if (!locked && input.value !== '' && Number.isFinite(value) && input.checkValidity()) entry.set(value);
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') { event.preventDefault(); input.dispatchEvent(new Event('change')); }
    });
    inputs.push([input, entry]);
    return [el('label', { for: id, text: entry.label }), input];
  }

  /** Show a neuron's weights and bias next to `anchor` (the neuron's element, focused again on close). */
  function open(anchor, /** @type {NeuronInfo} */ info) {
    opener = anchor;
    inputs = [];
    title.textContent = info.title;
    const locked = Boolean(info.locked);
    tText(hint, locked ? 'panel.locked' : 'panel.hint');
    root.classList.toggle('locked', locked);
    const rows = [...field('neuron-panel-bias', info.bias, locked)];
    info.weights.forEach((entry, s) => rows.push(...field(`neuron-panel-w${s}`, entry, locked)));
    list.replaceChildren(...rows);
    root.hidden = false;
    const rect = anchor.getBoundingClientRect();
    const width = root.offsetWidth;
    const left = rect.right + 10 + width > window.innerWidth ? rect.left - width - 10 : rect.right + 10;
    root.style.left = `${Math.max(4, left)}px`;
    root.style.top = `${Math.max(4, Math.min(rect.top - 10, window.innerHeight - root.offsetHeight - 8))}px`;
    inputs[0][0].focus(); // read only when locked: the values and their tip stay readable
    if (!locked) inputs[0][0].select();
  }

  /** New values from a frame: fields being edited keep what the user typed. */
  function refresh(/** @type {NeuronInfo} */ info) {
    if (root.hidden) return;
    const entries = [info.bias, ...info.weights];
    if (entries.length !== inputs.length) { closePanel(false); return; }
    inputs.forEach(([input, entry], k) => {
      entry.value = entries[k].value;
      if (document.activeElement !== input) input.value = shown(entries[k].value);
    });
  }

  function closePanel(refocus = true) {
    if (root.hidden) return;
    root.hidden = true;
    if (refocus && opener?.isConnected) opener.focus();
    opener = null;
  }

  close.addEventListener('click', () => closePanel());
  root.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') { event.stopPropagation(); closePanel(); }
  });
  document.addEventListener('pointerdown', (event) => {
    const target = /** @type {Node} */ (event.target);
    if (!root.hidden && !root.contains(target) && !opener?.contains(target)) closePanel(false);
  });

  return { open, refresh, close: closePanel, get anchor() { return root.hidden ? null : opener; } };
}
