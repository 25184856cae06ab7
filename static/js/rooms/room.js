// The page's side of a classroom room (docs/protocol.md, "Rooms"): entering it (start, join,
// the teacher link, a rejoin after a reload or a reconnect), every room message into the store,
// and the room commands. The views (panel, gallery, challenge, student bar) read the store.
//
// Store keys kept here:
//   room         the newest `room` message (code, role, share, locked, challenge, spotlight…) or null
//   roomOffline  the rooms' store (Redis) is out of reach: the page says so, sessions carry on
//   roster       Map student_id -> {name, mode, here} (the teacher's, from room events)
//   challenge    {info, offset} (the challenge and the server clock's offset) or null
//   leaderboard  the newest `leaderboard` message, or null

import { named, t } from '../i18n.js';
import { readRoomLink, showRoomInUrl, tokenOfLink, tokens } from './link.js';

const ROOM_TYPES = new Set(['room', 'room_event', 'room_closed', 'view', 'challenge', 'leaderboard', 'submitted', 'gallery', 'spotlight_message']);
// Errors that answer an attempt to enter a room: shown in the join form, not as a toast.
const ENTRY_ERRORS = new Set(['room_not_found', 'room_expired', 'room_ended', 'bad_token', 'bad_name', 'name_taken', 'room_full', 'too_many_joins', 'rooms_unavailable', 'not_allowed']);

/**
 * @param {{send: (message: object) => boolean, store: any, toasts: {show: Function},
 *   announce: (text: string) => void, onGallery: (message: any) => void, onSpotlight: (message: any) => void,
 *   onEntryError: (code: string, message: string, roomCode: string|null, entryType: string|null) => void, onClosed: (reason: string, message: string) => void,
 *   onView: (fragment: string) => void}} options
 */
export function createRoom({ send, store, toasts, announce, onGallery, onSpotlight, onEntryError, onClosed, onView }) {
  const fromLink = readRoomLink(location);
  /** What to send once greeted: an entry the page is waiting to make, or null. */
  let entry = initialEntry();
  let entering = false; // an entry was sent and has not been answered

  function initialEntry() {
    const { code, teacherToken, projector } = fromLink;
    if (!code) return null;
    if (teacherToken) { tokens.keepTeacher(code, teacherToken); return { type: 'teacher_room', code, token: teacherToken, present: !projector }; }
    const teacher = tokens.teacher(code);
    if (teacher) return { type: 'teacher_room', code, token: teacher, present: true };
    const student = tokens.student(code);
    if (student) return { type: 'rejoin_room', code, token: student };
    return null; // the join form asks for a name (joinCode() gives the code)
  }

  /** After every hello's restore: enter the room again (a reconnect) or for the first time. */
  function onRestored() {
    const room = store.get('room');
    if (room) {
      const teacher = tokens.teacher(room.code);
      const student = tokens.student(room.code);
      if (room.role === 'teacher' && teacher) entry = { type: 'teacher_room', code: room.code, token: teacher, present: room.presenting };
      else if (student) entry = { type: 'rejoin_room', code: room.code, token: student };
      store.set({ room: null });
    }
    if (entry) { entering = send(entry); }
  }

  function enter(message) {
    entry = message;
    entering = send(message);
  }

  function receive(message) {
    if (message.type === 'error' && entering && ENTRY_ERRORS.has(message.code)) {
      entering = false;
      // A kept token that no longer opens the class (it ended, expired, or was forgotten): drop it.
      if (entry && entry.type !== 'join_room' && ['bad_token', 'room_not_found', 'room_ended', 'room_expired'].includes(message.code)) tokens.forget(entry.code);
      const code = entry?.code ?? null;
      const kind = entry?.type ?? null;
      entry = null;
      onEntryError(message.code, message.message, code, kind);
      return true;
    }
    if (!ROOM_TYPES.has(message.type)) return false;
    switch (message.type) {
      case 'room': onRoom(message); break;
      case 'room_event': onEvent(message); break;
      case 'room_closed': onRoomClosed(message); break;
      case 'view': onView(message.fragment); break;
      case 'challenge': store.set({ challenge: message.challenge ? { info: message.challenge, offset: message.server_time - Date.now() / 1000 } : null, leaderboard: null }); break;
      case 'leaderboard': store.set({ leaderboard: message }); break;
      case 'submitted':
        toasts.show(t('room.submitted', { rank: message.rank, loss: score(message.entry.test_loss), accuracy: percent(message.entry.test_accuracy) }), 'info');
        break;
      case 'gallery': onGallery(message); break;
      case 'spotlight_message': onSpotlight(message); break;
      default: break;
    }
    return true;
  }

  function onRoom(message) {
    const before = store.get('room');
    entering = false;
    entry = null;
    if (message.token) tokens.keepStudent(message.code, message.token);
    if (message.teacher_link) tokens.keepTeacher(message.code, tokenOfLink(message.teacher_link));
    if (message.teacher_link) keptTeacherLink = message.teacher_link;
    showRoomInUrl(message.code);
    const patch = { room: message };
    if (message.challenge && !store.get('challenge')) patch.challenge = { info: message.challenge, offset: message.server_time - Date.now() / 1000 };
    if (!message.challenge) patch.challenge = null;
    if (!before || before.code !== message.code) patch.roster = new Map();
    store.set(patch);
    if (!before) announce(message.role === 'teacher' ? t('room.started', { code: message.code }) : t('room.joined', { teacher: teacherName(message) }));
  }

  function onEvent(message) {
    const { event } = message;
    if (['student_joined', 'student_left', 'student_mode'].includes(event)) {
      const roster = new Map(store.get('roster'));
      roster.set(message.student_id, { name: message.name, mode: message.mode, here: event !== 'student_left' });
      store.set({ roster });
    } else if (event === 'rooms_unavailable') {
      store.set({ roomOffline: true });
    } else if (event === 'rooms_available') {
      store.set({ roomOffline: false });
    } else if (event === 'setup_pushed') {
      toasts.show(t('room.setup_pushed'), 'info');
    } else if (event === 'adopted') {
      toasts.show(t('room.adopted', { name: message.name ?? '' }), 'info');
    } else if (event === 'spotlight') {
      const room = store.get('room');
      const spotlight = message.student_id ? { student_id: message.student_id, name: message.name ?? '' } : null;
      if (room) store.set({ room: { ...room, spotlight } });
      if (spotlight) announce(t('room.spotlight_on', { name: spotlight.name }));
    }
  }

  function onRoomClosed(message) {
    const room = store.get('room');
    if (room) tokens.forget(room.code);
    keptTeacherLink = null;
    showRoomInUrl(null);
    store.set({ room: null, roster: new Map(), challenge: null, leaderboard: null, roomOffline: false });
    onClosed(message.reason, message.message);
  }

  let keptTeacherLink = null; // create_room's answer: the only time the link comes

  /** The teacher link to show: from create_room's answer, else rebuilt from the kept token. */
  function teacherLink() {
    const room = store.get('room');
    if (!room || room.role !== 'teacher') return null;
    if (keptTeacherLink) return keptTeacherLink;
    const token = tokens.teacher(room.code);
    return token ? `${location.origin}/?room=${room.code}#teacher=${token}` : null;
  }

  const command = (message) => send(message);
  return {
    receive, onRestored, teacherLink,
    /** The code a join link carries when the page has no token for it (the join form opens). */
    joinCode: () => (entry ? null : fromLink.code),
    start: (teacher) => enter({ type: 'create_room', teacher }),
    join: (code, name) => enter({ type: 'join_room', code, name }),
    leave: () => command({ type: 'leave_room' }),
    fork: () => command({ type: 'fork' }),
    follow: () => command({ type: 'follow' }),
    submit: () => command({ type: 'submit' }),
    pushSetup: (weights, locked) => command({ type: 'push_setup', weights, locked }),
    pushView: (fragment) => command({ type: 'push_view', fragment }),
    spotlight: (studentId) => command({ type: 'spotlight', student_id: studentId }),
    adopt: (studentId) => command({ type: 'adopt', student_id: studentId }),
    startChallenge: (spec) => command({ type: 'start_challenge', spec }),
    resetLeaderboard: () => command({ type: 'reset_leaderboard' }),
    endClass: (message) => command({ type: 'end_class', message }),
  };
}

/** Who the students follow: the teacher's display name, or "the teacher". */
export const teacherName = (room) => room?.teacher || t('room.the_teacher');

/** A loss as shown in the room's views; '–' when unmeasured. */
export const score = (v) => (v == null ? '–' : v.toFixed(3));
export const percent = (v) => (v == null ? '–' : `${(v * 100).toFixed(1)} %`);

/** An error code's text (`error.<code>`). */
export const errorText = (code) => named('error', code, t('error.unknown', { code }));
