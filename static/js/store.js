// The page state in one place: read it with get(key), change it with set({key: value}), and
// watch keys with subscribe([keys], fn). Values are replaced, never edited in place, so a
// change is a new object and every watcher of its key hears of it once.
//
// The keys main.js keeps here:
//   config      the training setup (app/protocol.py Config): the server's word, plus local edits in flight
//   data        the newest `data` message (points, domain, one_d)
//   hide        Set of the `data-hide` groups a classroom link hides
//   present     presentation mode on or off
//   lang        the page's language ('en' | 'ru')
//   customRows  the drawn points [[x1, x2, label], …] (sent again after a reconnect)
//   connected   the websocket is open and greeted
//   running     the server is training
//   wantRunning the user's intent, restored after a reconnect
//   diverged    the newest divergence (a status's `divergence`), until the user plays, steps, resets or edits
//   lesson      the lesson step shown, {name, step} (0-based), or null (lessons/lessons.js; in the link)

/** @template {Record<string, any>} S @param {S} initial */
export function createStore(initial) {
  const state = { ...initial };
  /** @type {{keys: string[], fn: (state: S, changed: string[]) => void}[]} */
  const watchers = [];

  /** @template {keyof S} K @param {K} key @returns {S[K]} */
  const get = (key) => state[key];

  /** Replace some values; watchers of the changed keys run once, in subscription order. */
  function set(/** @type {Partial<S>} */ patch) {
    const changed = Object.keys(patch).filter((key) => !Object.is(state[key], patch[key]));
    if (!changed.length) return;
    Object.assign(state, patch);
    for (const watcher of [...watchers]) {
      if (watcher.keys.some((key) => changed.includes(key))) watcher.fn(state, changed);
    }
  }

  /** Run fn(state, changedKeys) after every change of one of `keys`; returns the unsubscribe. */
  function subscribe(/** @type {string[]} */ keys, fn) {
    for (const key of keys) if (!(key in state)) throw new Error(`unknown store key ${JSON.stringify(key)}`);
    const watcher = { keys, fn };
    watchers.push(watcher);
    return () => { watchers.splice(watchers.indexOf(watcher), 1); };
  }

  return { get, set, subscribe };
}
