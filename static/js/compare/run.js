// One run of a comparison: a websocket session of its own on the server (same data and seeds
// as the other run, its own setup), stepped by the lockstep driver. It keeps the newest frame,
// acknowledges frames (flow control), and resolves a step once a paused frame of the target
// epoch has come.

import { CAN_INFLATE, PROTOCOL_VERSION, decodeFrame } from '../protocol.js';
import { createSocket } from '../socket.js';

/**
 * @param {string} url
 * @param {{onFrame: (frame: any) => void, onData: (message: any) => void,
 *   onError: (message: any) => void}} handlers
 */
export function createRun(url, { onFrame, onData, onError }) {
  let frame = null;
  let ready = false;
  let setup = null; // [config, custom points] sent after each hello
  let waiting = null; // {target, resolve, started}
  let queue = Promise.resolve();
  let settle = null; // resolves the setUp promise: the first frame after the reset's status
  let resetSeen = false;

  const socket = createSocket(url, {
    onOpen: () => socket.send({ type: 'hello', version: PROTOCOL_VERSION, compress: CAN_INFLATE }),
    onMessage: (message) => { queue = queue.then(() => receive(message)); },
    onFrame: (buffer) => { queue = queue.then(() => decode(buffer)); },
    onDown: () => { ready = false; finish(); }, // a step under way ends with the connection
  });

  function receive(message) {
    if (message.type === 'hello') {
      ready = true;
      if (setup) sendSetup();
    } else if (message.type === 'data') onData(message);
    else if (message.type === 'status' && message.reason === 'reset') resetSeen = true;
    else if (message.type === 'error' && message.code !== 'diverged') onError(message);
    else if (message.type === 'status' && message.reason === 'diverged') finish();
  }

  async function decode(buffer) {
    frame = await decodeFrame(buffer);
    socket.send({ type: 'ack', seq: frame.header.seq });
    onFrame(frame);
    if (settle && resetSeen) { settle(); settle = null; }
    if (waiting && !frame.header.running && frame.header.epoch >= waiting.target) finish();
  }

  function finish() {
    if (!waiting) return;
    const { resolve, started } = waiting;
    waiting = null;
    resolve(performance.now() - started);
  }

  function sendSetup() {
    const [config, points] = setup;
    socket.send({ type: 'configure', config });
    if (config.dataset === 'custom' && points) {
      socket.send({ type: 'clear_points' });
      if (points.length) socket.send({ type: 'add_points', points });
    }
    socket.send({ type: 'reset' });
  }

  return {
    /** Set the run up from scratch: config, drawn points, a reset to epoch 0 (the seed's weights). */
    setUp(config, points) {
      setup = [config, points];
      resetSeen = false;
      finish();
      const settled = new Promise((resolve) => { settle = resolve; });
      if (ready) sendSetup();
      return settled;
    },
    /** Train `epochs` epochs; resolves with the milliseconds it took (a divergence ends it too). */
    step(epochs) {
      const target = (frame?.header.epoch ?? 0) + epochs;
      return new Promise((resolve) => {
        waiting = { target, resolve, started: performance.now() };
        if (!socket.send({ type: 'step', epochs })) finish();
      });
    },
    send: (message) => socket.send(message),
    close: () => socket.close(),
    get frame() { return frame; },
    get ready() { return ready; },
  };
}
