// The page's side of the conversation with the server: the hello and the setup restored after
// it, each message from the server into the store (or a toast, or the announcer), frames
// decoded in order and acknowledged, and the page's own commands on their way.

import { CAN_INFLATE, PROTOCOL_VERSION, decodeFrame } from './protocol.js';
import { createSocket } from './socket.js';
import { createCommands } from './commands.js';
import { named, t } from './i18n.js';

/**
 * @param {{url: string, catalog: any, store: ReturnType<import('./store.js').createStore>,
 *   frames: ReturnType<import('./frames.js').createFrameKeeper>,
 *   toasts: {show: (text: string, kind?: string, detail?: string) => void},
 *   announce: (text: string) => void, connection: {set: (state: string, retryInMs?: number) => void},
 *   onHello: () => void, onData: (message: any) => void, onAnswer: (message: any) => boolean,
 *   onEpoch: (epoch: number) => void, onFrame: (header: any) => void,
 *   onMessage?: (message: any) => boolean, onRestored?: () => void,
 *   onSideFrame?: (frame: import('./protocol.js').Frame) => void}} options  onMessage: every text
 *   message first (true: handled); onRestored: after hello's restore (a room is rejoined then);
 *   onSideFrame: a spotlighted student's frame (source 2), drawn beside the page's own
 */
export function createConversation({ url, catalog, store, frames, toasts, announce, connection, onHello, onData, onAnswer, onEpoch, onFrame, onMessage, onRestored, onSideFrame }) {
  const socket = createSocket(url, {
    onOpen: () => { socket.send({ type: 'hello', version: PROTOCOL_VERSION, compress: CAN_INFLATE }); },
    onMessage: (message) => inOrder(() => receive(message)),
    onFrame: (buffer) => inOrder(() => decodeAndKeep(buffer)),
    onDown: (retryInMs) => {
      const was = store.get('connected');
      store.set({ connected: false, running: false });
      connection.set('offline', retryInMs);
      if (was) announce(t('connection.lost'));
    },
  });
  const commands = createCommands(socket);

  /** Send a command. @returns {boolean} sent (else a toast says it waits for the connection) */
  function send(message) {
    acted();
    const sent = commands.send(message);
    if (!sent && message.type !== 'configure') toasts.show(t('connection.later'), 'info');
    return sent;
  }

  /** A setting changed in the page: show it at once and tell the server, which answers with the whole config. */
  function change(patch) {
    acted();
    store.set({ config: { ...store.get('config'), ...patch } });
    commands.send({ type: 'configure', config: patch });
  }

  /** The user acted on the run: a divergence's badge has had its say. */
  function acted() {
    if (store.get('diverged')) store.set({ diverged: null });
  }

  /**
   * After hello: the whole setup from the page (URL or the session before a reconnect). After a
   * reconnect (a restarted server, a dropped Wi-Fi) the page also has the network from its last
   * frames: their weights and epoch go back with set_weights, so training goes on where it was
   * and the loss chart keeps its history. (PReLU slopes are not in frames: they start afresh.)
   */
  function restore() {
    const config = store.get('config');
    const rows = store.get('customRows');
    commands.send({ type: 'configure', config });
    if (config.dataset === 'custom' && rows) {
      // add_points on another dataset would start from its points: clear first, then add.
      commands.send({ type: 'clear_points' });
      if (rows.length) commands.send({ type: 'add_points', points: rows.slice(0, catalog.limits.points) });
    }
    const network = lastNetwork(config);
    if (network) {
      restoring = network.epoch;
      commands.send({ type: 'set_weights', layers: network.layers, epoch: network.epoch });
    } else {
      commands.send({ type: 'reset' });
    }
    if (store.get('wantRunning')) commands.send({ type: 'play' });
  }

  let restoring = null; // the epoch a reconnect's set_weights restores, until the server says so

  /** The weights of the newest frame that had them, if they fit the config being restored. */
  function lastNetwork(config) {
    const header = frames.weightsHeader;
    const weights = frames.weights();
    if (!header || !weights) return null;
    const data = store.get('data');
    const outputs = config.task === 'multiclass' ? data?.classes : 1;
    const sizes = [config.features.length, ...config.layers.map((layer) => layer.units), outputs];
    if (sizes.join() !== header.sizes.join()) return null;
    const layers = sizes.slice(1).map((_, i) => ({ w: weights[`weights/${i}`], b: weights[`biases/${i}`] }));
    if (layers.some((layer) => !layer.w || !layer.b)) return null;
    return { epoch: header.epoch, layers };
  }

  let pendingRebuilt = null; // what a config answer rebuilt, told once its data has come
  function receive(message) {
    if (onMessage?.(message)) return;
    switch (message.type) {
      case 'hello':
        if (message.version !== PROTOCOL_VERSION) toasts.show(t('error.page_version', { server: message.version, page: PROTOCOL_VERSION }));
        store.set({ connected: true });
        commands.restart();
        onHello();
        connection.set('online');
        restore();
        onRestored?.();
        break;
      case 'config':
        onAnswer(message);
        if (!commands.answered()) break; // a newer edit is on its way: its answer brings the config
        store.set({ config: message.config });
        if (message.rebuilt.includes('data')) pendingRebuilt = message.rebuilt;
        else if (message.rebuilt.length) announce(describeRebuilt(message.rebuilt));
        break;
      case 'data':
        onData(message);
        store.set({ data: message, ...(message.dataset === 'custom' ? { customRows: [...message.train, ...message.test] } : {}) });
        if (pendingRebuilt) announce(describeRebuilt(pendingRebuilt));
        pendingRebuilt = null;
        break;
      case 'status':
        store.set({ running: message.running });
        if (message.reason === 'diverged') {
          // The badge by the play button says why, until the user acts (divergence.js).
          store.set({ wantRunning: false, diverged: message.divergence ?? { epoch: message.epoch, loss: null, best_epoch: null, best_loss: null, cause: 'learning_rate', change: null, learning_rate: store.get('config').learning_rate, suggested_learning_rate: null } });
          announce(t('status.diverged'));
        }
        if (message.reason === 'restored' && restoring !== null) {
          toasts.show(t('status.reconnected', { epoch: message.epoch }), 'info');
          restoring = null;
        }
        if (message.reason === 'step' || message.reason === 'pause') store.set({ wantRunning: message.running });
        onEpoch(message.epoch);
        break;
      case 'error': {
        // The answer to a command (a room's `locked` and `following` refuse a session command too).
        const refusal = ['bad_message', 'bad_data', 'locked', 'following'].includes(message.code);
        if (refusal && restoring !== null) { // the old network did not fit after all: start afresh
          restoring = null;
          commands.send({ type: 'reset' });
          break;
        }
        if (refusal) commands.refused();
        if (message.code === 'diverged') { // the status that comes with it says so, in a toast
          store.set({ wantRunning: false });
          break;
        }
        if (!(refusal && onAnswer(message))) toasts.show(named('error', message.code, t('error.unknown', { code: message.code })), 'error', message.message);
        break;
      }
      default:
        break;
    }
  }

  /** What a config answer rebuilt, in the page's words (not the server's English sentence). */
  function describeRebuilt(rebuilt) {
    const config = store.get('config');
    const data = store.get('data');
    const dataset = catalog.datasets.find((d) => d.name === config.dataset);
    const optimizer = catalog.optimizers.find((o) => o.name === config.optimizer);
    const params = {
      dataset: named('dataset', config.dataset, dataset?.title),
      count: data ? data.train.length + data.test.length : 0,
      optimizer: named('optimizer', config.optimizer, optimizer?.title),
    };
    return rebuilt.map((what) => named('rebuilt', what, what, params)).join('; ');
  }

  // Frames decode asynchronously (compressed grids inflate in a stream), so every message waits
  // for the ones that arrived before it: a status saying "paused" must not be overtaken by the
  // frame sent before it, which still says "running".
  let queue = Promise.resolve();
  function inOrder(handle) {
    queue = queue.then(handle).catch((error) => {
      console.error(error);
      toasts.show(t('error.message'), 'error', error.message);
    });
  }

  async function decodeAndKeep(buffer) {
    let frame;
    try {
      frame = await decodeFrame(buffer);
    } catch (error) {
      toasts.show(t('error.frame'), 'error', error.message);
      return;
    }
    socket.send({ type: 'ack', seq: frame.header.seq }); // flow control: the server keeps ≤ 2 frames in flight
    if (frame.source === 2) { onSideFrame?.(frame); return; }
    if (restoring !== null) return; // the new session's state before the old network is back
    frames.keep(frame);
    store.set({ running: frame.header.running && store.get('connected') }); // a frame can land after a disconnect
    onFrame(frame.header);
  }

  return {
    send, change, restore, retryNow: () => socket.retryNow(),
    /** How many commands sent are still waiting for their answer (a config, or an error). */
    inFlight: () => commands.inFlight,
  };
}
