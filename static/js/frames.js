// The frames from the server: only the newest is kept, and drawn on the next animation frame.
// While training, every other frame leaves out the neuron maps and weights; a lighter frame
// that replaces an undrawn full one inherits what it lacks, so no map is ever skipped.

import { frameWeights } from './protocol.js';

export function createFrameKeeper() {
  let newest = null; // the newest decoded frame
  let fresh = false; // not drawn yet
  let weightsFrame = null; // the newest frame with weights
  let epoch0 = null; // the weights of the newest epoch-0 frame (a handle for tests)

  /** Keep a decoded frame as the one to draw next. */
  function keep(frame) {
    const { header } = frame;
    const detailed = frame.arrays.has('weights/0');
    if (!detailed && fresh && newest?.arrays.has('weights/0')
        && newest.header.sizes.join() === header.sizes.join()) {
      for (const [name, block] of newest.arrays) if (!frame.arrays.has(name)) frame.arrays.set(name, block);
    }
    if (frame.arrays.has('weights/0')) weightsFrame = frame;
    newest = frame;
    fresh = true;
    if (header.epoch === 0 && detailed) epoch0 = frameWeights(frame);
  }

  /** The frame to draw, once: null when nothing new came since the last call. */
  function takeFresh() {
    if (!fresh) return null;
    fresh = false;
    return newest;
  }

  return {
    keep,
    takeFresh,
    /** Draw the newest frame again (new colours, new options). */
    redraw() { if (newest) fresh = true; },
    get newest() { return newest; },
    get header() { return newest?.header ?? null; },
    get epoch0() { return epoch0; },
    weights: () => (weightsFrame ? frameWeights(weightsFrame) : null),
    /** The header of the frame weights() comes from (its epoch and sizes). */
    get weightsHeader() { return weightsFrame?.header ?? null; },
  };
}
