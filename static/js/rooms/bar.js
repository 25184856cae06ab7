// The room's strip under the top bar: the class code and the teacher's buttons, or a student's
// mode (following the teacher / on my own) with "Try it yourself" and "Back to following", the
// challenge's time left and the rooms' outage notice. Big touch targets; nothing needs hover.

import { el } from '../dom.js';
import { t, tText } from '../i18n.js';
import { tTip } from '../tooltips.js';
import { teacherName } from './room.js';
import { challengeSummary, timeLeft } from './challenge.js';

/**
 * @param {HTMLElement} root
 * @param {{store: any, room: ReturnType<import('./room.js').createRoom>,
 *   openSheet: (tab: string) => void, openBoard: () => void}} options
 */
export function createRoomBar(root, { store, room, openSheet, openBoard }) {
  const code = tTip(el('button', { type: 'button', id: 'room-code-chip', className: 'room-code-chip' }), 'tip.room_code_chip');
  const count = el('span', { id: 'room-count', className: 'room-count' });
  const button = (id, key, tip, onClick, className = 'text-button room-button') => {
    const node = tTip(tText(el('button', { type: 'button', id, className }), key), tip);
    node.addEventListener('click', onClick);
    return node;
  };
  const teacherBox = el('div', { className: 'room-teacher', role: 'group' }, [
    code, count,
    button('room-open-share', 'room.tab_share', 'tip.room_tab_share', () => openSheet('share')),
    button('room-open-setup', 'room.tab_setup', 'tip.room_tab_setup', () => openSheet('setup')),
    button('room-open-gallery', 'room.tab_gallery', 'tip.room_tab_gallery', () => openSheet('gallery')),
    button('room-open-challenge', 'room.tab_challenge', 'tip.room_tab_challenge', () => openSheet('challenge')),
  ]);
  code.addEventListener('click', () => openSheet('share'));

  const mode = el('span', { id: 'room-mode', className: 'room-mode', role: 'status' });
  const fork = button('room-fork', 'room.fork', 'tip.room_fork', () => room.fork(), 'wide-button room-action');
  const follow = button('room-follow', 'room.follow', 'tip.room_follow', () => room.follow(), 'wide-button room-action');
  const studentBox = el('div', { className: 'room-student' }, [mode, fork, follow]);

  const challenge = el('span', { id: 'room-challenge-status', className: 'room-challenge-status', role: 'timer' });
  const submit = button('room-submit', 'room.submit', 'tip.room_submit', () => room.submit(), 'wide-button room-action');
  const board = button('room-board-open', 'room.leaderboard', 'tip.room_leaderboard', openBoard);
  const challengeBox = el('div', { className: 'room-challenge-box' }, [challenge, submit, board]);

  const offline = tText(el('span', { id: 'room-offline', className: 'room-offline', role: 'alert' }), 'room.offline');
  const leave = button('room-leave', 'room.leave', 'tip.room_leave', () => room.leave());
  root.append(teacherBox, studentBox, challengeBox, offline, el('span', { className: 'room-spacer' }), leave);

  function render() {
    const info = store.get('room');
    root.hidden = !info;
    document.body.dataset.room = info ? info.role : '';
    if (!info) return;
    const teacher = info.role === 'teacher';
    teacherBox.hidden = !teacher;
    studentBox.hidden = teacher;
    leave.hidden = teacher; // the teacher ends the class from its panel
    code.textContent = info.code;
    code.setAttribute('aria-label', t('room.code_label', { code: info.code }));
    const here = [...store.get('roster').values()].filter((s) => s.here).length;
    tText(count, 'room.count', { count: here });
    if (!teacher) {
      const following = info.role === 'follower';
      tText(mode, following ? 'room.mode_following' : 'room.mode_own', { teacher: teacherName(info) });
      mode.dataset.mode = info.role;
      fork.hidden = !following || !info.commands.includes('fork');
      follow.hidden = following || !info.commands.includes('follow');
    }
    offline.hidden = !store.get('roomOffline');
    renderChallenge();
  }

  function renderChallenge() {
    const info = store.get('room');
    const current = store.get('challenge');
    challengeBox.hidden = !info || !current || info.role === 'teacher';
    if (challengeBox.hidden) return;
    const left = timeLeft(current);
    challenge.textContent = challengeSummary(current.info.spec, left);
    challenge.dataset.closed = String(left !== null && left <= 0);
    submit.hidden = info.role !== 'student';
    submit.disabled = left !== null && left <= 0;
  }
  window.setInterval(renderChallenge, 1000); // the time left, each second

  store.subscribe(['room', 'roster', 'roomOffline', 'challenge', 'lang'], render);
  render();
}
