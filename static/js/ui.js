// Small page widgets: toasts for server errors, the number editor for weights and biases,
// the connection pill and banner, the screen-reader announcer.

import { el } from './dom.js';
import { tAttr, tText } from './i18n.js';
import { tTip } from './tooltips.js';

const TOAST_MS = 7000;
const MAX_TOASTS = 3;

/** @param {HTMLElement} root */
export function createToasts(root) {
  /**
   * Show a message; kind 'error' | 'info'; `detail` (e.g. the server's own words) in smaller
   * type under it. Identical messages are not stacked.
   */
  function show(message, kind = 'error', detail = '') {
    for (const toast of root.children) {
      if (toast.dataset.text === message + detail) { toast.remove(); break; }
    }
    const close = tTip(tAttr(el('button', { type: 'button', className: 'toast-close', text: '×' }), 'aria-label', 'toast.dismiss'), 'tip.close');
    const body = el('div', { className: 'toast-body' }, [el('span', { text: message })]);
    if (detail && detail !== message) body.append(el('span', { className: 'toast-detail', text: detail }));
    const toast = el('div', { className: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status', dataset: { text: message + detail } }, [
      body, close,
    ]);
    close.addEventListener('click', () => toast.remove());
    root.append(toast);
    while (root.children.length > MAX_TOASTS) root.firstElementChild.remove();
    window.setTimeout(() => toast.remove(), TOAST_MS);
  }
  return { show };
}

/**
 * The popover that edits one number (a weight or a bias).
 * @param {HTMLFormElement} form
 */
export function createEditor(form) {
  const input = /** @type {HTMLInputElement} */ (form.querySelector('input'));
  const label = form.querySelector('label');
  let apply = null;
  let opener = null;

  function open(anchor, text, value, onApply) {
    apply = onApply;
    opener = document.activeElement;
    label.textContent = text;
    input.value = String(Math.round(value * 1000) / 1000);
    form.hidden = false;
    const width = form.offsetWidth;
    form.style.left = `${Math.max(4, Math.min(anchor.x, window.innerWidth - width - 8))}px`;
    form.style.top = `${Math.max(4, Math.min(anchor.y, window.innerHeight - form.offsetHeight - 8))}px`;
    input.focus();
    input.select();
  }

  function close() {
    if (form.hidden) return;
    form.hidden = true;
    apply = null;
    if (opener instanceof HTMLElement && opener !== document.body) opener.focus();
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = Number(input.value);
    if (input.value !== '' && Number.isFinite(value) && input.checkValidity()) apply?.(value);
    close();
  });
  form.addEventListener('keydown', (event) => { if (event.key === 'Escape') { event.stopPropagation(); close(); } });
  document.addEventListener('pointerdown', (event) => { if (!form.hidden && !form.contains(/** @type {Node} */ (event.target))) close(); });

  return { open, close, get isOpen() { return !form.hidden; } };
}

/**
 * The connection pill in the top bar and the banner under it.
 * @param {{pill: HTMLElement, banner: HTMLElement, bannerText: HTMLElement, retry: HTMLButtonElement}} parts
 */
export function createConnectionView(parts, onRetry) {
  let countdown = 0;
  parts.retry.addEventListener('click', onRetry);

  function set(stateName, retryInMs = 0) {
    parts.pill.dataset.state = stateName;
    window.clearInterval(countdown);
    document.body.classList.toggle('offline', stateName === 'offline');
    if (stateName === 'online') {
      tText(parts.pill, 'connection.online');
      parts.banner.hidden = true;
      return;
    }
    if (stateName === 'connecting') {
      tText(parts.pill, 'connection.connecting');
      return;
    }
    tText(parts.pill, 'connection.offline');
    parts.banner.hidden = false;
    const until = Date.now() + retryInMs;
    const tick = () => {
      const seconds = Math.max(0, Math.ceil((until - Date.now()) / 1000));
      if (seconds > 0) tText(parts.bannerText, 'banner.retry_in', { seconds });
      else tText(parts.bannerText, 'banner.retrying');
    };
    tick();
    countdown = window.setInterval(tick, 500);
  }
  return { set };
}

/** Polite screen-reader announcements. @param {HTMLElement} root */
export function createAnnouncer(root) {
  return (text) => { root.textContent = ''; window.setTimeout(() => { root.textContent = text; }, 30); };
}
