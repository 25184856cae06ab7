// The classroom on the page: builds the room's views and says what the rest of the page must
// do in a room: watch instead of act while following (the controls go inert), hide the
// controls the teacher locked, start a fresh loss chart when the stream shown changes.

import { el } from '../dom.js';
import { t, tText } from '../i18n.js';
import { tTip } from '../tooltips.js';
import { createRoom } from './room.js';
import { createRoomBar } from './bar.js';
import { createRoomSheet } from './sheet.js';
import { createSharePanel } from './share.js';
import { createSetupPanel } from './setup.js';
import { createGallery } from './gallery.js';
import { createSpotlight } from './spotlight.js';
import { createChallengeForm, createLeaderboard } from './challenge.js';
import { createJoinForm } from './join.js';
import { createStartForm } from './start.js';

/**
 * A locked control's `data-hide` groups on the page (a config field's own name otherwise), for
 * the config shown: what the server refuses (app/session_room.py: check_locks) is off here too.
 * A locked dataset also locks the task (another task brings another dataset) and, unless it is
 * the custom one, drawing points (a drawn point makes the dataset custom). The weights are not
 * hidden: the diagram shows them, greyed for editing (network.js).
 */
const LOCK_HIDES = {
  points: () => ['draw', 'csv', 'regenerate'],
  layers: () => ['layers', 'layer_controls'],
  data_seed: () => ['regenerate'],
  dataset: (config) => (config?.dataset === 'custom' ? ['dataset'] : ['dataset', 'task', 'draw']),
  weights: () => [],
};
// What a watching page (a follower, a projector) may not touch: the teacher's session is shown.
const WATCH_ONLY = ['.transport', '#speed-box', '#topbar-controls', '.columns', '#lessons-toggle'];

/**
 * @param {{store: any, catalog: any, send: (message: object) => boolean, toasts: {show: Function},
 *   announce: (text: string) => void, palette: () => any, viewFragment: () => string|null,
 *   onStream: () => void}} options  onStream: the page now shows another session's stream
 */
export function createClassroom({ store, catalog, send, toasts, announce, palette, viewFragment, onStream }) {
  const $ = (selector) => document.querySelector(selector);
  let gallery = null;
  let spotlight = null;
  const join = createJoinForm({ dialog: $('#room-join'), ended: $('#room-ended'), onJoin: (code, name) => room.join(code, name) });
  const start = createStartForm({ dialog: $('#room-start'), onStart: (teacher) => room.start(teacher) });
  const room = createRoom({
    send, store, toasts, announce,
    onGallery: (message) => gallery?.update(message),
    onSpotlight: (message) => spotlight?.onMessage(message),
    onEntryError: (code, _message, roomCode, entryType) => (entryType === 'create_room' ? start.refused(code) : join.refused(code, roomCode)),
    onClosed: (reason, message) => join.closed(reason, message),
    onView: (fragment) => {
      if (store.get('room')?.role === 'student') location.hash = fragment; // opens like a link
      else announce(t('room.view_pushed'));
    },
  });

  const panels = { share: el('section'), setup: el('section'), gallery: el('section'), challenge: el('section') };
  createSharePanel(panels.share, { store, room, toasts });
  const setup = createSetupPanel(panels.setup, { store, room, viewFragment });
  gallery = createGallery(panels.gallery, { store, room, palette });
  createChallengeForm(panels.challenge, { catalog, onStart: (spec) => room.startChallenge(spec) });
  const boardBox = el('section', { id: 'teacher-board', className: 'room-box' });
  const reset = tTip(tText(el('button', { type: 'button', id: 'board-reset', className: 'text-button' }), 'board.reset'), 'tip.board_reset');
  panels.challenge.append(boardBox);
  createLeaderboard(boardBox, store);
  boardBox.prepend(reset);
  reset.addEventListener('click', () => room.resetLeaderboard());
  const badge = el('p', { className: 'room-sheet-code', id: 'room-sheet-code' });
  store.subscribe(['room', 'lang'], () => {
    const info = store.get('room');
    if (info) tText(badge, 'room.sheet_code', { code: info.code });
  });
  const sheet = createRoomSheet($('#room-sheet'), {
    badge,
    tabs: [
      { name: 'share', key: 'room.tab_share', tip: 'tip.room_tab_share', panel: panels.share },
      { name: 'setup', key: 'room.tab_setup', tip: 'tip.room_tab_setup', panel: panels.setup },
      { name: 'gallery', key: 'room.tab_gallery', tip: 'tip.room_tab_gallery', panel: panels.gallery },
      { name: 'challenge', key: 'room.tab_challenge', tip: 'tip.room_tab_challenge', panel: panels.challenge },
    ],
  });
  spotlight = createSpotlight($('#room-spotlight'), { store, catalog, room, palette });
  const board = $('#room-board');
  createLeaderboard(board.querySelector('.board-body'), store);
  createRoomBar($('#room-bar'), { store, room, openSheet: (tab) => sheet.open(tab), openBoard: () => board.showModal() });

  $('#class-start').addEventListener('click', () => start.open());
  $('#class-join').addEventListener('click', () => join.open());

  let watching = false;
  let streamKey = null;
  store.subscribe(['room'], () => {
    const info = store.get('room');
    const key = info ? `${info.code}:${isWatching(info) ? 'teacher' : 'own'}` : null;
    watching = Boolean(info && isWatching(info));
    for (const node of document.querySelectorAll(WATCH_ONLY.join(','))) node.inert = watching;
    document.body.classList.toggle('following', watching);
    for (const id of ['#class-start', '#class-join']) $(id).hidden = Boolean(info);
    if (info) { join.entered(); start.entered(info); }
    if (info?.role === 'teacher' && !streamKey) sheet.open('share'); // a class just started: show how to join
    if (!info) sheet.hide();
    if (key !== streamKey && (streamKey || watching)) onStream();
    streamKey = key;
  });

  const joinCode = room.joinCode();
  if (joinCode) join.open(joinCode);

  return {
    receive: room.receive,
    onRestored: room.onRestored,
    onSpotlightFrame: spotlight.onFrame,
    renderView: setup.renderView,
    /** The `data-hide` groups the teacher's locks hide on this page. */
    lockedGroups() {
      const config = store.get('config');
      return [...this.locks()].flatMap((name) => LOCK_HIDES[name]?.(config) ?? [name]);
    },
    /** The controls the teacher's last push locked (config fields, `points`, `weights`). */
    locks: () => new Set(store.get('room')?.locked ?? []),
    get watching() { return watching; },
    closeAll() { sheet.hide(); },
  };
}

/** A follower watches the teacher; so does a teacher's projector (it never presents). */
const isWatching = (info) => info.role === 'follower' || (info.role === 'teacher' && !info.presenting);
