// The setup tab: who is in the class (roster), "send my setup to everyone" (starting or current
// weights, the controls to lock), "send this view to everyone" (a lesson step, a comparison),
// and ending the class with a message.

import { el } from '../dom.js';
import { t, tText } from '../i18n.js';
import { tTip } from '../tooltips.js';

/** What a teacher may lock: [the protocol's name, its label's key]. */
const LOCKABLE = [
  ['dataset', 'lock.dataset'], ['noise', 'lock.noise'], ['n_points', 'lock.n_points'], ['points', 'lock.points'],
  ['features', 'lock.features'], ['layers', 'lock.layers'], ['learning_rate', 'lock.learning_rate'],
  ['optimizer', 'lock.optimizer'], ['regularization', 'lock.regularization'], ['batch_size', 'lock.batch_size'],
  ['weights', 'lock.weights'],
];

/**
 * @param {HTMLElement} root
 * @param {{store: any, room: ReturnType<import('./room.js').createRoom>, viewFragment: () => string|null}} options
 */
export function createSetupPanel(root, { store, room, viewFragment }) {
  // ---- roster ----
  const rosterEmpty = tText(el('p', { className: 'room-empty', id: 'roster-empty' }), 'room.roster_empty');
  const roster = el('ul', { id: 'room-roster', className: 'room-roster' });
  const rosterBox = el('section', { className: 'room-box' }, [tText(el('h3'), 'room.roster_heading'), rosterEmpty, roster]);

  // ---- push setup ----
  const weights = ['current', 'initial'].map((value) => {
    const input = el('input', { type: 'radio', name: 'push-weights', id: `push-weights-${value}`, value, checked: value === 'current' });
    tTip(input, value === 'current' ? 'tip.push_current' : 'tip.push_initial');
    return el('label', { for: input.id, className: 'room-choice' }, [input, tText(el('span'), value === 'current' ? 'room.weights_current' : 'room.weights_initial')]);
  });
  const locks = LOCKABLE.map(([name, key]) => {
    const input = tTip(el('input', { type: 'checkbox', id: `lock-${name}`, value: name }), 'tip.lock');
    return el('label', { for: input.id, className: 'room-choice' }, [input, tText(el('span'), key)]);
  });
  const push = tTip(tText(el('button', { type: 'button', id: 'room-push', className: 'wide-button room-action' }), 'room.push'), 'tip.room_push');
  push.addEventListener('click', () => {
    const chosen = root.querySelector('input[name="push-weights"]:checked')?.value ?? 'current';
    const locked = [...root.querySelectorAll('input[id^="lock-"]:checked')].map((input) => input.value);
    room.pushSetup(chosen, locked);
  });
  const pushBox = el('section', { className: 'room-box' }, [
    tText(el('h3'), 'room.push_heading'),
    el('fieldset', { className: 'room-choices' }, [tText(el('legend'), 'room.weights_legend'), ...weights]),
    el('fieldset', { className: 'room-choices room-locks' }, [tText(el('legend'), 'room.lock_legend'), ...locks]),
    push,
  ]);

  // ---- push view ----
  const viewNote = el('p', { className: 'hint-text', id: 'room-view-note' });
  const pushView = tTip(tText(el('button', { type: 'button', id: 'room-push-view', className: 'wide-button room-action' }), 'room.push_view'), 'tip.room_push_view');
  pushView.addEventListener('click', () => { const fragment = viewFragment(); if (fragment) room.pushView(fragment); });
  const viewBox = el('section', { className: 'room-box' }, [tText(el('h3'), 'room.view_heading'), viewNote, pushView]);

  // ---- end the class ----
  const message = tTip(el('input', { type: 'text', id: 'room-end-message', maxlength: 300, autocomplete: 'off' }), 'tip.room_end_message');
  const end = tTip(tText(el('button', { type: 'button', id: 'room-end', className: 'wide-button danger-button' }), 'room.end'), 'tip.room_end');
  const confirm = tTip(tText(el('button', { type: 'button', id: 'room-end-confirm', className: 'wide-button danger-button', hidden: true }), 'room.end_confirm'), 'tip.room_end_confirm');
  end.addEventListener('click', () => { confirm.hidden = false; end.hidden = true; confirm.focus(); });
  confirm.addEventListener('click', () => { confirm.hidden = true; end.hidden = false; room.endClass(message.value.trim()); });
  const endBox = el('section', { className: 'room-box' }, [
    tText(el('h3'), 'room.end_heading'),
    el('label', { for: message.id, className: 'room-field' }, [tText(el('span'), 'room.end_message'), message]),
    end, confirm,
  ]);
  root.append(el('div', { className: 'room-setup' }, [rosterBox, pushBox, viewBox, endBox]));

  function renderRoster() {
    const students = [...store.get('roster').entries()].sort((a, b) => Number(b[1].here) - Number(a[1].here) || a[1].name.localeCompare(b[1].name));
    rosterEmpty.hidden = students.length > 0;
    roster.replaceChildren(...students.map(([id, s]) => el('li', { dataset: { studentId: id, mode: s.here ? s.mode : 'left' } }, [
      el('span', { className: 'name', text: s.name }),
      el('span', { className: 'room-badge', text: s.here ? (s.mode === 'follower' ? t('room.badge_following') : t('room.badge_own')) : t('room.badge_left') }),
    ])));
  }
  function renderView() {
    const fragment = viewFragment();
    pushView.disabled = !fragment;
    tText(viewNote, fragment ? 'room.view_ready' : 'room.view_none', { view: fragment ?? '' });
  }
  store.subscribe(['roster', 'lang'], renderRoster);
  store.subscribe(['lesson', 'config', 'lang'], renderView);
  renderRoster();
  renderView();
  return { renderView };
}
