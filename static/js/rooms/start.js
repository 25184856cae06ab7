// Starting a class: the teacher's display name (what the students read: "Following <name>"),
// remembered in this browser for the next class; empty is "the teacher" in the page's language.
// The server checks the name as it checks a student's and refuses it in words here.

import { el } from '../dom.js';
import { tText } from '../i18n.js';
import { tTip } from '../tooltips.js';
import { errorText } from './room.js';
import { teacherNames } from './link.js';

/** @param {{dialog: HTMLDialogElement, onStart: (teacher: string) => void}} options */
export function createStartForm({ dialog, onStart }) {
  const name = tTip(el('input', { type: 'text', id: 'start-name', autocomplete: 'name', maxlength: 60 }), 'tip.start_name');
  const hint = tText(el('p', { id: 'start-hint', className: 'hint' }), 'start.hint');
  const error = el('p', { id: 'start-error', className: 'join-error', role: 'alert', hidden: true });
  const submit = tTip(tText(el('button', { type: 'submit', id: 'start-submit', className: 'wide-button room-action' }), 'start.submit'), 'tip.start_submit');
  const cancel = tTip(tText(el('button', { type: 'button', id: 'start-cancel', className: 'text-button' }), 'join.cancel'), 'tip.start_cancel');
  const form = el('form', { method: 'dialog', className: 'join-form' }, [
    tText(el('h2'), 'start.heading'),
    el('label', { for: name.id, className: 'room-field' }, [tText(el('span'), 'start.name'), name]),
    hint,
    error,
    el('div', { className: 'join-buttons' }, [submit, cancel]),
  ]);
  dialog.append(form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    error.hidden = true;
    starting = true;
    onStart(name.value.trim());
  });
  cancel.addEventListener('click', () => dialog.close());
  let starting = false; // this form sent the last create_room

  /** Open the form with the name this browser last started a class under. */
  function open() {
    name.value = teacherNames.last();
    error.hidden = true;
    if (!dialog.open) dialog.showModal();
    name.focus();
  }

  /** Starting was refused (a name the server will not show, too many attempts): say why. */
  function refused(code) {
    if (!dialog.open) dialog.showModal();
    error.textContent = errorText(code);
    error.hidden = false;
    name.focus();
  }

  /** A room was entered: the form has done its work; the name the server showed is kept. */
  function entered(room) {
    if (starting && room.role === 'teacher') teacherNames.keep(room.teacher);
    starting = false;
    if (dialog.open) dialog.close();
  }

  return { open, refused, entered };
}
