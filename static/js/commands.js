// Commands to the server, and which of its config answers the page should take. The server
// answers some commands with its whole config; while a later one is still in flight, an
// earlier answer must not overwrite newer local edits (quick clicks would otherwise be undone).

const ANSWERED = new Set(['configure', 'reset', 'regenerate', 'add_points', 'remove_points', 'clear_points', 'load_csv']);
const STALE_MS = 2000; // no answer this long (a dropped command): the server's word wins anyway

/** @param {{send: (message: object) => boolean}} socket */
export function createCommands(socket) {
  let awaiting = 0;
  let lastSentAt = 0;

  /** Send a command. @returns {boolean} sent */
  function send(message) {
    const sent = socket.send(message);
    if (sent && ANSWERED.has(message.type)) {
      awaiting += 1;
      lastSentAt = performance.now();
    }
    return sent;
  }

  /** A config answer came: true when the page should take it (no newer edit on its way). */
  function answered() {
    awaiting = Math.max(0, awaiting - 1);
    return awaiting === 0 || performance.now() - lastSentAt >= STALE_MS;
  }

  /** A command was refused with an error instead of a config. */
  function refused() { awaiting = Math.max(0, awaiting - 1); }

  /** A new session: nothing of the old one is in flight. */
  function restart() { awaiting = 0; }

  return { send, answered, refused, restart, get inFlight() { return awaiting; } };
}
