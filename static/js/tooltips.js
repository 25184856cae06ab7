// Tooltips that explain each control, for the mouse, the keyboard, touch and screen readers.
// A control's explanation is a catalogue text in a hidden span its `aria-describedby` names
// (one span per distinct text, shared, so rebuilt widgets never pile them up). The floating tip
// shows that text: after a short hover, at once on keyboard focus, and for a few seconds after
// a touch. Elements with `data-tip-quiet` keep the description but no floating tip (the neurons:
// their own card shows). Esc or a press elsewhere hides it.

import { el } from './dom.js';
import { tText } from './i18n.js';

const HOVER_MS = 450;
const TOUCH_MS = 4000;

const spans = new Map(); // "key|params" -> its description span, shared by every control it explains
let box = null; // the hidden element holding the spans
let shownFor = null; // the control whose tip shows
let showTip = null; // set by installTooltips

/** The id of the description span for (key, params), made on first use. */
function describe(key, params) {
  const id = `${key}|${params ? JSON.stringify(params) : ''}`;
  let span = spans.get(id);
  if (!span) {
    if (!box) {
      box = el('div', { id: 'descriptions', hidden: true });
      document.body.append(box);
    }
    span = tText(el('span', { id: `tip-${spans.size + 1}` }), key, params);
    spans.set(id, span);
    box.append(span);
  }
  return span.id;
}

/** Give node the explanation `key` (replacing an earlier one). @returns the node */
export function tTip(node, key, params) {
  node.setAttribute('aria-describedby', describe(key, params));
  if (shownFor === node) showTip?.(node);
  return node;
}

/** Like tTip for a name the server sent: the text `<kind>.<name>` (see i18n.js named()). */
export function tTipNamed(node, kind, name, params) {
  return tTip(node, `${kind}.${name}`, params);
}

/** The floating tip's behaviour, once; also gives the template's `data-i18n-tip="key"` elements theirs. */
export function installTooltips(/** @type {HTMLElement} */ tip) {
  let timer = 0;
  for (const node of document.querySelectorAll('[data-i18n-tip]')) tTip(node, node.getAttribute('data-i18n-tip'));

  const textOf = (node) => {
    const ids = (node.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
    return ids.map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
  };
  const owner = (target) => (target instanceof Element ? target.closest('[aria-describedby]:not([data-tip-quiet])') : null);

  function show(node) {
    const text = textOf(node);
    if (!text || !node.isConnected) { hide(); return; }
    shownFor = node;
    tip.textContent = text;
    tip.hidden = false;
    const rect = node.getBoundingClientRect();
    const width = tip.offsetWidth;
    const height = tip.offsetHeight;
    const left = Math.max(6, Math.min(rect.left + rect.width / 2 - width / 2, window.innerWidth - width - 6));
    const below = rect.bottom + 8;
    tip.style.left = `${left}px`;
    tip.style.top = `${below + height > window.innerHeight - 6 ? Math.max(6, rect.top - height - 8) : below}px`;
  }

  function hide() {
    window.clearTimeout(timer);
    shownFor = null;
    tip.hidden = true;
  }

  document.addEventListener('pointerover', (event) => {
    const node = owner(event.target);
    if (event.pointerType === 'touch' || (node && node === shownFor)) return;
    window.clearTimeout(timer);
    if (!node) { hide(); return; }
    timer = window.setTimeout(() => show(node), shownFor ? 0 : HOVER_MS); // moving along a row: no wait
  });
  document.addEventListener('pointerdown', (event) => {
    const node = owner(event.target);
    hide();
    if (node && event.pointerType === 'touch') {
      show(node);
      timer = window.setTimeout(hide, TOUCH_MS);
    }
  }, true);
  document.addEventListener('focusin', (event) => {
    const node = owner(event.target);
    if (node && node.matches(':focus-visible')) show(node);
    else if (shownFor && shownFor !== node) hide();
  });
  document.addEventListener('focusout', (event) => { if (event.target === shownFor) hide(); });
  document.addEventListener('scroll', hide, true);

  showTip = show;
  return { hide, get shown() { return shownFor; } };
}
