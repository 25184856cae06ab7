// Wiring only: reads the catalog, builds the widgets, speaks to the server, keeps the URL in step.
// The newest frame is kept and drawn once per animation frame; everything else is event-driven.

import { CAN_INFLATE, PROTOCOL_VERSION, decodeFrame, frameWeights } from './protocol.js';
import { createSocket } from './socket.js';
import { readHash } from './state.js';
import { createControls } from './controls.js';
import { createDatasetPicker } from './previews.js';
import { createNetwork } from './network.js';
import { createOutput } from './output.js';
import { createLossChart } from './chart.js';
import { readPalette } from './heatmap.js';
import { createAnnouncer, createConnectionView, createEditor, createToasts } from './ui.js';
import { createNeuronPanel } from './neuron-panel.js';
import { createDrawTools } from './draw.js';
import { applyHide, createSharing } from './share.js';
import { installShortcuts } from './keys.js';
import { createReadouts } from './readouts.js';

const $ = (selector) => document.querySelector(selector);
const catalog = JSON.parse($('#catalog').textContent);
const fromUrl = readHash(location.hash, catalog);

const state = {
  config: fromUrl.config,
  hide: fromUrl.hide,
  present: fromUrl.present,
  data: null,
  frame: null, // newest decoded frame, drawn on the next animation frame
  fresh: false,
  running: false,
  wantRunning: false, // the user's intent, restored after a reconnect
  connected: false,
  epoch: 0,
  epoch0: null, // weights of the newest epoch-0 frame (debug handle / tests)
  weightsFrame: null, // the newest frame with weights (they come every other frame while training)
  drawMs: 0,
  customRows: fromUrl.points, // the custom dataset: sent after hello (from the link or before a reconnect)
  awaiting: 0, // commands sent that the server answers with a `config` (or an `error`)
  lastCommandAt: 0,
};

// Commands the server answers with its whole config. While one of them is still in flight, an
// earlier answer must not overwrite newer local edits (quick clicks would otherwise be undone).
const ANSWERED = new Set(['configure', 'reset', 'regenerate', 'add_points', 'remove_points', 'clear_points', 'load_csv']);

// ---- widgets ----
let palette = readPalette();
const toasts = createToasts($('#toasts'));
const readouts = createReadouts({ epoch: $('#epoch'), play: $('#play'), table: $('#stats') });
const announce = createAnnouncer($('#announcer'));
const editor = createEditor($('#editor'));
const panel = createNeuronPanel($('#neuron-panel'));
const sharing = createSharing({ state, toasts, panel: $('#classroom-controls'), linkNote: $('#link-note') });
const { writeUrl } = sharing;
const drawTools = createDrawTools({
  root: $('#draw-panel'), catalog, send, toasts, task: () => state.config.task, classes: outputsCount, palette: () => palette,
});
const controls = createControls({
  catalog, topbar: $('#topbar-controls'), sliders: $('#data-sliders'), advanced: $('#advanced-controls'),
  lossField: $('#loss-field'), onChange: change,
});
const picker = createDatasetPicker($('#datasets'), catalog, (name) => {
  if (name === 'custom') drawTools.set(true);
  change({ dataset: name });
});
const network = createNetwork($('#net'), {
  catalog,
  palette: () => palette,
  onChange: change,
  onSetWeight: (layer, source, target, value) => send({ type: 'set_weight', layer, source, target, value }),
  onSetBias: (layer, neuron, value) => send({ type: 'set_bias', layer, neuron, value }),
  hovercard: { root: $('#hovercard'), canvas: $('#hovercard-map'), text: $('#hovercard-text') },
  tooltip: $('#tooltip'),
  editor: editor.open,
  panel,
});
const output = createOutput({
  grid: $('#decision-grid'), overlay: $('#decision-overlay'), plot: $('#plot'),
  mapBox: $('#map-box'), plotBox: $('#plot-box'), classMaps: $('#class-maps'), legend: $('#legend'),
  discretize: $('#discretize').closest('label'),
  onMapClick: (x1, x2, event) => drawTools.mapClick(x1, x2, event, state.data?.domain),
  onMapHover: (text, event) => {
    const tip = $('#tooltip');
    if (!text) { tip.hidden = true; return; }
    tip.textContent = drawTools.hoverText(text, event);
    tip.hidden = false;
    tip.style.left = `${Math.min(event.clientX + 14, window.innerWidth - tip.offsetWidth - 8)}px`;
    tip.style.top = `${event.clientY + 16}px`;
  },
});
output.setPalette(palette);
const chart = createLossChart($('#chart'), $('#chart-tip'), () => palette);
const connection = createConnectionView(
  { pill: $('#connection'), banner: $('#banner'), bannerText: $('#banner-text'), retry: $('#banner-retry') },
  () => socket.retryNow(),
);

// ---- talking to the server ----
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const socket = createSocket(wsUrl, {
  onOpen: () => { socket.send({ type: 'hello', version: PROTOCOL_VERSION, compress: CAN_INFLATE }); },
  onMessage: (message) => inOrder(() => receive(message)),
  onFrame: (buffer) => inOrder(() => decodeAndKeep(buffer)),
  onDown: (retryInMs) => {
    const was = state.connected;
    state.connected = false;
    state.running = false;
    updatePlay();
    connection.set('offline', retryInMs);
    if (was) announce('Disconnected from the training server');
  },
});

/** Send a command, counting those the server answers with a config. @returns {boolean} sent */
function command(message) {
  const sent = socket.send(message);
  if (sent && ANSWERED.has(message.type)) {
    state.awaiting += 1;
    state.lastCommandAt = performance.now();
  }
  return sent;
}

function send(message) {
  if (!command(message) && message.type !== 'configure') {
    toasts.show('Not connected to the training server: this will apply once it is back.', 'info');
  }
}

/** A setting changed in the page: apply it here at once, tell the server, update the link. */
function change(patch) {
  if (patch.task && patch.task !== state.config.task) {
    const first = catalog.datasets.find((d) => d.task === patch.task);
    if (first) state.config.dataset = first.name;
  }
  Object.assign(state.config, patch);
  render();
  writeUrl();
  command({ type: 'configure', config: patch });
}

/** After hello: the whole setup from the page (URL or the session before a reconnect). */
function restore() {
  command({ type: 'configure', config: state.config });
  if (state.config.dataset === 'custom' && state.customRows) {
    // add_points on another dataset would start from its points: clear first, then add.
    command({ type: 'clear_points' });
    if (state.customRows.length) command({ type: 'add_points', points: state.customRows.slice(0, catalog.limits.points) });
  }
  command({ type: 'reset' });
  if (state.wantRunning) command({ type: 'play' });
}

function receive(message) {
  switch (message.type) {
    case 'hello':
      if (message.version !== PROTOCOL_VERSION) toasts.show(`The server speaks protocol ${message.version}; this page speaks ${PROTOCOL_VERSION}. Reload the page.`);
      state.connected = true;
      state.awaiting = 0; // a new session: nothing of the old one is in flight
      connection.set('online');
      restore();
      break;
    case 'config':
      state.awaiting = Math.max(0, state.awaiting - 1);
      // A newer edit is still on its way: its own answer will bring the config up to date.
      // (After 2 s without an answer, e.g. a dropped command, the server's word wins anyway.)
      if (state.awaiting > 0 && performance.now() - state.lastCommandAt < 2000) break;
      state.config = message.config;
      render();
      writeUrl();
      if (message.message) announce(message.message);
      break;
    case 'data':
      receiveData(message);
      break;
    case 'status':
      state.running = message.running;
      state.epoch = message.epoch;
      if (message.reason === 'diverged') {
        state.wantRunning = false;
        toasts.show(message.message || 'Training diverged (the loss became infinite): weights rolled back. Try a smaller learning rate.');
      }
      if (message.reason === 'step' || message.reason === 'pause') state.wantRunning = message.running;
      updatePlay();
      showEpoch(message.epoch);
      break;
    case 'error':
      if (message.code === 'bad_message' || message.code === 'bad_data') state.awaiting = Math.max(0, state.awaiting - 1);
      if (!drawTools.onError(message)) toasts.show(message.message || `Server error (${message.code})`);
      if (message.code === 'diverged') state.wantRunning = false;
      break;
    default:
      break;
  }
}

function receiveData(message) {
  state.data = message;
  drawTools.onData(message);
  if (message.dataset === 'custom') {
    state.customRows = [...message.train, ...message.test];
    writeUrl();
  }
  output.setData(message);
  const total = message.train.length + message.test.length;
  $('#data-count').textContent = `${total} points: ${message.train.length} training, ${message.test.length} test`;
  $('#data-count').dataset.count = String(total);
  render();
}

// Frames decode asynchronously (compressed grids inflate in a stream), so every message waits
// for the ones that arrived before it: a status saying "paused" must not be overtaken by the
// frame sent before it, which still says "running".
let queue = Promise.resolve();
function inOrder(handle) {
  queue = queue.then(handle).catch((error) => {
    console.error(error);
    toasts.show(`Could not handle a message from the server: ${error.message}`);
  });
}

async function decodeAndKeep(buffer) {
  let frame;
  try {
    frame = await decodeFrame(buffer);
  } catch (error) {
    toasts.show(`Could not read a frame from the server: ${error.message}`);
    return;
  }
  const { header } = frame;
  socket.send({ type: 'ack', seq: header.seq }); // flow control: the server keeps ≤ 2 frames in flight
  const previous = state.frame;
  const detailed = frame.arrays.has('weights/0'); // every other frame while training
  if (!detailed && state.fresh && previous?.arrays.has('weights/0')
      && previous.header.sizes.join() === header.sizes.join()) {
    // The undrawn frame it replaces had the maps and weights: carry them over, never skip them.
    for (const [name, block] of previous.arrays) if (!frame.arrays.has(name)) frame.arrays.set(name, block);
  }
  if (frame.arrays.has('weights/0')) state.weightsFrame = frame;
  state.frame = frame;
  state.fresh = true;
  state.running = header.running && state.connected; // a frame can land after a disconnect
  state.epoch = header.epoch;
  chart.add(header.epoch, header.train_loss, header.test_loss);
  if (header.epoch === 0 && detailed) state.epoch0 = frameWeights(frame);
}

// ---- drawing ----
function outputsCount() {
  const h = state.frame?.header;
  if (h && h.task === state.config.task) return h.sizes[h.sizes.length - 1];
  if (state.config.task !== 'multiclass') return 1;
  if (state.data?.task === 'multiclass') return state.data.classes;
  const dataset = catalog.datasets.find((d) => d.name === state.config.dataset);
  return dataset?.classes ?? state.config.classes;
}

function tick() {
  const started = performance.now();
  if (state.fresh) {
    state.fresh = false;
    const { header } = state.frame;
    network.setConfig(state.config, outputsCount());
    output.drawFrame(state.frame);
    network.drawFrame(state.frame);
    readouts.showStats(header);
    updatePlay();
  }
  output.drawOverlay();
  output.drawPlot();
  network.drawLinks();
  chart.draw();
  state.drawMs = 0.9 * state.drawMs + 0.1 * (performance.now() - started); // smoothed cost of one draw
  window.requestAnimationFrame(tick);
}

const showEpoch = readouts.showEpoch;
function updatePlay() { readouts.showRunning(state.running); }

/** Everything that follows the config: controls, tiles, diagram, draw tools, flags. */
function render() {
  const { config, data } = state;
  controls.update(config, data);
  picker.update(config, data, palette);
  network.setConfig(config, outputsCount());
  const layers = config.layers.length;
  $('#layer-count').textContent = `${layers} hidden layer${layers === 1 ? '' : 's'}`;
  $('#add-layer').disabled = layers >= catalog.limits.layers;
  $('#remove-layer').disabled = layers === 0;
  document.body.dataset.task = config.task;
  for (const node of document.querySelectorAll('.accuracy')) node.hidden = config.task === 'regression';
  drawTools.renderLabels();
}

function tickRender() { render(); output.invalidate(); }

// ---- top bar and other buttons ----
function togglePlay() {
  state.wantRunning = !state.running;
  send({ type: state.running ? 'pause' : 'play' });
}
function step() { state.wantRunning = false; send({ type: 'step', epochs: 1 }); }
function reset() { chart.clear(); send({ type: 'reset' }); }

$('#play').addEventListener('click', togglePlay);
$('#step').addEventListener('click', step);
$('#reset').addEventListener('click', reset);
$('#regenerate').addEventListener('click', () => send({ type: 'regenerate' }));
$('#add-layer').addEventListener('click', () => {
  const last = state.config.layers[state.config.layers.length - 1];
  change({ layers: [...state.config.layers, { units: last?.units ?? 4, activation: last?.activation ?? 'tanh', dropout: 0 }] });
});
$('#remove-layer').addEventListener('click', () => change({ layers: state.config.layers.slice(0, -1) }));
$('#log-scale').addEventListener('click', (event) => {
  const on = event.currentTarget.getAttribute('aria-pressed') !== 'true';
  event.currentTarget.setAttribute('aria-pressed', String(on));
  chart.setLog(on);
});
$('#show-test').addEventListener('change', (event) => output.setOptions({ showTest: event.target.checked }));
$('#discretize').addEventListener('change', (event) => {
  output.setOptions({ discrete: event.target.checked });
  if (state.frame) state.fresh = true;
});
$('#copy-link').addEventListener('click', sharing.copyLink);
$('#present').addEventListener('click', () => setPresent(!state.present));

function setPresent(on) {
  state.present = on;
  document.body.classList.toggle('present', on);
  document.documentElement.classList.toggle('present', on);
  $('#present').setAttribute('aria-pressed', String(on));
  palette = readPalette();
  output.setPalette(palette);
  drawTools.renderLabels(true);
  picker.update(state.config, state.data, palette, true);
  network.layout();
  chart.invalidate();
  if (state.frame) state.fresh = true;
  writeUrl();
  announce(on ? 'Presentation mode on' : 'Presentation mode off');
}

// ---- keyboard ----
installShortcuts({
  togglePlay, step, reset,
  togglePresent: () => setPresent(!state.present),
  escape: () => { editor.close(); panel.close(); },
});

window.addEventListener('hashchange', () => {
  const next = readHash(location.hash, catalog);
  state.config = next.config;
  state.hide = next.hide;
  if (next.points) state.customRows = next.points;
  applyHide(state.hide);
  if (next.present !== state.present) setPresent(next.present);
  render();
  if (state.connected) restore();
});
window.addEventListener('resize', () => { output.invalidate(); chart.invalidate(); });
new ResizeObserver(() => { output.invalidate(); chart.invalidate(); }).observe($('#map-box'));

// A handle for tests and for the curious in the console: read-only views of the page state.
window.__playground = {
  get config() { return structuredClone(state.config); },
  get data() { return state.data; },
  get header() { return state.frame?.header ?? null; },
  get connected() { return state.connected; },
  get running() { return state.running; },
  get epoch0() { return state.epoch0; },
  weights: () => (state.weightsFrame ? frameWeights(state.weightsFrame) : null),
  chartPoints: () => chart.size,
  get drawMs() { return state.drawMs; },
};

// ---- start ----
applyHide(state.hide);
document.body.classList.toggle('present', state.present);
document.documentElement.classList.toggle('present', state.present);
$('#present').setAttribute('aria-pressed', String(state.present));
palette = readPalette();
output.setPalette(palette);
tickRender();
writeUrl();
connection.set('connecting');
window.requestAnimationFrame(tick);
