// Entering a class as a student: the join form (the code, from the link or typed, and a display
// name), its errors in the form's own words; and the message shown when a class ends.

import { el } from '../dom.js';
import { tText } from '../i18n.js';
import { tTip } from '../tooltips.js';
import { errorText } from './room.js';

/**
 * @param {{dialog: HTMLDialogElement, ended: HTMLDialogElement,
 *   onJoin: (code: string, name: string) => void}} options
 */
export function createJoinForm({ dialog, ended, onJoin }) {
  const code = tTip(el('input', { type: 'text', id: 'join-code', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', maxlength: 12, required: true, className: 'join-code' }), 'tip.join_code');
  const name = tTip(el('input', { type: 'text', id: 'join-name', autocomplete: 'nickname', maxlength: 60, required: true }), 'tip.join_name');
  const error = el('p', { id: 'join-error', className: 'join-error', role: 'alert', hidden: true });
  const submit = tTip(tText(el('button', { type: 'submit', id: 'join-submit', className: 'wide-button room-action' }), 'join.submit'), 'tip.join_submit');
  const cancel = tTip(tText(el('button', { type: 'button', id: 'join-cancel', className: 'text-button' }), 'join.cancel'), 'tip.join_cancel');
  const form = el('form', { method: 'dialog', className: 'join-form' }, [
    tText(el('h2'), 'join.heading'),
    el('label', { for: code.id, className: 'room-field' }, [tText(el('span'), 'join.code'), code]),
    el('label', { for: name.id, className: 'room-field' }, [tText(el('span'), 'join.name'), name]),
    error,
    el('div', { className: 'join-buttons' }, [submit, cancel]),
  ]);
  dialog.append(form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    error.hidden = true;
    onJoin(code.value.trim(), name.value.trim());
  });
  cancel.addEventListener('click', () => dialog.close());

  /** Open the form, with the code a join link carried. */
  function open(prefill = '') {
    if (prefill) code.value = prefill;
    error.hidden = true;
    if (!dialog.open) dialog.showModal();
    (code.value ? name : code).focus();
  }

  /** An entry was refused: say why in the form (a refused teacher link or rejoin opens it too). */
  function refused(codeName, roomCode) {
    open(roomCode ?? code.value);
    error.textContent = errorText(codeName);
    error.hidden = false;
    (['bad_name', 'name_taken'].includes(codeName) ? name : code).focus();
  }

  // ---- the class is over ----
  const endedText = el('p', { id: 'room-ended-text', className: 'room-ended-text' });
  const endedMessage = el('blockquote', { id: 'room-ended-message', className: 'room-ended-message' });
  const ok = tText(el('button', { type: 'submit', id: 'room-ended-ok', className: 'wide-button' }), 'room.ended_ok');
  ended.append(el('form', { method: 'dialog' }, [endedText, endedMessage, ok]));

  /** The room closed for this page: the teacher ended it, or it expired (leaving says nothing). */
  function closed(reason, message) {
    if (dialog.open) dialog.close();
    if (reason === 'left') return;
    tText(endedText, reason === 'expired' ? 'room.closed_expired' : 'room.closed_ended');
    endedMessage.textContent = message; // the teacher's words: text, never markup
    endedMessage.hidden = !message;
    if (!ended.open) ended.showModal();
  }

  /** A room was entered: the form has done its work. */
  function entered() { if (dialog.open) dialog.close(); }

  return { open, refused, closed, entered, isOpen: () => dialog.open };
}
