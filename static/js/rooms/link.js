// Where a room comes from: the join link's `?room=CODE`, the teacher link's `#teacher=TOKEN`
// (a fragment: never sent in a request), and the tokens this browser keeps for coming back.
// Read once when the page loads, before the page writes its setup into the hash.

const STUDENT = 'mlp-room-student:'; // + code: the rejoin token a join_room answered with
const TEACHER = 'mlp-room-teacher:'; // + code: the teacher token of a class started here

/**
 * @param {Location} where
 * @returns {{code: string|null, teacherToken: string|null, projector: boolean}}
 */
export function readRoomLink(where) {
  const code = new URLSearchParams(where.search).get('room');
  const fragment = new URLSearchParams(where.hash.replace(/^#/, ''));
  return {
    code: code ? code.trim().toUpperCase() : null,
    teacherToken: fragment.get('teacher'),
    projector: fragment.has('projector'),
  };
}

/** The teacher token inside a teacher link (`…#teacher=TOKEN`), or null. */
export function tokenOfLink(link) {
  const hash = link.split('#')[1] ?? '';
  return new URLSearchParams(hash).get('teacher');
}

/** A teacher link opened as a projector: it watches, never presents. */
export const projectorLink = (teacherLink) => `${teacherLink}&projector`;

function storage() {
  try { return window.localStorage; } catch { return null; } // private windows may refuse it
}
export const tokens = {
  student: (code) => storage()?.getItem(STUDENT + code) ?? null,
  teacher: (code) => storage()?.getItem(TEACHER + code) ?? null,
  keepStudent: (code, token) => storage()?.setItem(STUDENT + code, token),
  keepTeacher: (code, token) => storage()?.setItem(TEACHER + code, token),
  forget(code) {
    storage()?.removeItem(STUDENT + code);
    storage()?.removeItem(TEACHER + code);
  },
};

const TEACHER_NAME = 'mlp-room-teacher-name'; // the display name a class was last started under
export const teacherNames = {
  last: () => storage()?.getItem(TEACHER_NAME) ?? '',
  keep: (name) => storage()?.setItem(TEACHER_NAME, name),
};

/** Put `?room=CODE` in the address bar (or take it out with null), keeping the page's hash. */
export function showRoomInUrl(code) {
  const url = new URL(location.href);
  if (code) url.searchParams.set('room', code); else url.searchParams.delete('room');
  history.replaceState(null, '', `${url.pathname}${url.search}${location.hash}`);
}
