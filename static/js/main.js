// Wiring only: reads the catalog, builds the widgets, speaks to the server, keeps the URL in step.
// The page state lives in one store (store.js); the newest frame is kept (frames.js) and drawn
// once per animation frame; everything else is event-driven. The server owns every rule of the
// setup (which task a dataset implies, …): the page sends what the user changed, shows it at
// once, and then shows the config the server answers with.

import { createConversation } from './conversation.js';
import { createStore } from './store.js';
import { createFrameKeeper } from './frames.js';
import { readHash } from './state.js';
import { LANGUAGES, named, preferredLanguage, relabel, setLanguage, t, tText } from './i18n.js';
import { installTooltips } from './tooltips.js';
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
import { createHelp } from './help.js';
import { fitOutputColumn } from './output-layout.js';
import { createDivergenceView } from './divergence.js';
import { createLessons } from './lessons/lessons.js';
import { createTimeTravel } from './timetravel.js';
import { createMetrics } from './metrics.js';
import { createRunTools } from './runtools.js';
import { createRunLog } from './runlog.js';
import { createCompare } from './compare/compare.js';
import { createClassroom } from './rooms/classroom.js';

const $ = (selector) => document.querySelector(selector);
const catalog = JSON.parse($('#catalog').textContent);
const fromUrl = readHash(location.hash, catalog, LANGUAGES);
const initialHash = location.hash; // read before the page rewrites it (a compare link's `compare=`)

const store = createStore({
  config: fromUrl.config,
  data: null,
  hide: fromUrl.hide,
  present: fromUrl.present,
  lang: fromUrl.lang ?? preferredLanguage(),
  customRows: fromUrl.points, // the custom dataset: sent after hello (from the link or before a reconnect)
  connected: false,
  running: false,
  wantRunning: false,
  diverged: null, // the newest divergence (its status's `divergence`), until the user acts
  lesson: fromUrl.lesson, // the lesson step shown ({name, step}) or null
  room: null, roomOffline: false, roster: new Map(), challenge: null, leaderboard: null, // rooms/room.js
});
setLanguage(store.get('lang'));
relabel();
const tips = installTooltips($('#control-tip'));

// ---- widgets ----
let palette = readPalette();
const frames = createFrameKeeper();
const toasts = createToasts($('#toasts'));
const readouts = createReadouts({ epoch: $('#epoch'), play: $('#play'), table: $('#stats') });
const announce = createAnnouncer($('#announcer'));
const editor = createEditor($('#editor'));
const panel = createNeuronPanel($('#neuron-panel'), catalog.ranges.weight);
const help = createHelp($('#help-toggle'), $('#help'), $('#help-close'));
const sharing = createSharing({ store, toasts, panel: $('#classroom-controls'), linkNote: $('#link-note'), extra: () => compare.hashPart() });
const drawTools = createDrawTools({
  root: $('#draw-panel'), catalog, send: (message) => send(message), inFlight: () => server.inFlight(), toasts, task: () => store.get('config').task, classes: outputsCount, palette: () => palette,
});
const controls = createControls({
  catalog, topbar: $('#topbar-controls'), speed: $('#speed-box'), task: $('#task-box'), sliders: $('#data-sliders'),
  advanced: $('#advanced-controls'), lossField: $('#loss-field'), onChange: (patch) => change(patch),
});
const picker = createDatasetPicker($('#datasets'), catalog, (name) => {
  if (name === 'custom') drawTools.set(true);
  change({ dataset: name });
});
const network = createNetwork($('#net'), {
  catalog,
  palette: () => palette,
  onChange: (patch) => change(patch),
  onSetWeight: (layer, source, target, value) => send({ type: 'set_weight', layer, source, target, value }),
  onSetBias: (layer, neuron, value) => send({ type: 'set_bias', layer, neuron, value }),
  hovercard: { root: $('#hovercard'), canvas: $('#hovercard-map'), text: $('#hovercard-text'), note: $('#hovercard-note') },
  tooltip: $('#tooltip'),
  editor: editor.open,
  panel,
});
const output = createOutput({
  domain: catalog.domain,
  grid: $('#decision-grid'), overlay: $('#decision-overlay'), plot: $('#plot'),
  mapBox: $('#map-box'), plotBox: $('#plot-box'), classMaps: $('#class-maps'), legend: $('#legend'),
  discretize: $('#discretize').closest('label'),
  onMapClick: (x1, x2, event) => { if (!lessons.mapClick(x1, x2)) drawTools.mapClick(x1, x2, event); },
  onPlotClick: (x1, y, event) => drawTools.plotClick(x1, y, event),
  onMapHover: (text, event) => {
    const tip = $('#tooltip');
    if (!text) { tip.hidden = true; return; }
    tip.textContent = drawTools.hoverText(text, event);
    tip.hidden = false;
    tip.style.left = `${Math.min(event.clientX + 14, window.innerWidth - tip.offsetWidth - 8)}px`;
    tip.style.top = `${event.clientY + 16}px`;
  },
});
const chart = createLossChart($('#chart'), $('#chart-tip'), () => palette);
const divergence = createDivergenceView({
  root: $('#diverged'), badge: $('#diverged-badge'), detail: $('#diverged-detail'), text: $('#diverged-text'), close: $('#diverged-close'), store,
});
store.subscribe(['diverged'], (state) => { if (state.diverged) chart.mark(state.diverged.epoch); });
const travel = createTimeTravel($('#time-travel'), { send: (message) => send(message), chart });
const metrics = createMetrics($('#metrics'));
const runTools = createRunTools($('#run-tools-controls'), { send: (message) => send(message), header: () => frames.header, toasts });
const runLog = createRunLog({
  panel: $('#runlog'), root: $('#runlog-body'), button: $('#runlog-open'), close: $('#runlog-close'), catalog, lang: () => store.get('lang'),
});
const compare = createCompare({
  root: $('#compare'), catalog, store, palette: () => palette, toasts,
  url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
  onState: (state) => {
    if (!state.active) { readouts.showRunning(store.get('running')); sharing.writeUrl(); return; }
    readouts.showRunning(state.playing);
    controls.showReached(state.rate, state.playing); // the pair's pace, not the paused session's
    readouts.showEpoch(state.epoch);
    sharing.writeUrl();
  },
});
fitOutputColumn($('.output-column'), $('#map-box'), $('.chart-box'), $('#class-maps'));
const connection = createConnectionView(
  { pill: $('#connection'), banner: $('#banner'), bannerText: $('#banner-text'), retry: $('#banner-retry') },
  () => server.retryNow(),
);

// ---- talking to the server ----
const server = createConversation({
  url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
  catalog, store, frames, toasts, announce, connection,
  onHello: () => { drawTools.forget(); lessons.onHello(); },
  onData: drawTools.onData,
  onAnswer: drawTools.onAnswer,
  onEpoch: (epoch) => { if (!compare.active) readouts.showEpoch(epoch); },
  onFrame: (header) => {
    if (header.live_epoch == null) chart.add(header.epoch, header.train_loss, header.test_loss); // not a past epoch shown
    travel.onFrame(header);
    runLog.onFrame(header, store.get('config'));
  },
  onMessage: (message) => classroom.receive(message) || runMessage(message),
  onRestored: () => classroom.onRestored(),
  onSideFrame: (frame) => classroom.onSpotlightFrame(frame),
});
const { change, restore } = server;
const send = sendCommand;

/** The run tools' messages: exports, time travel, stop conditions, a loaded weights file. */
let loadingWeights = false;
function runMessage(message) {
  if (message.type === 'export') { runTools.onExport(message); return true; }
  if (message.type === 'history') { travel.onHistory(message); return true; }
  if (message.type === 'status' && message.reason === 'stopped') { runTools.onStopped(message); store.set({ wantRunning: false }); }
  if (message.type === 'status' && message.reason === 'branched') travel.onBranched(message.epoch);
  if (message.type === 'status' && message.reason === 'restored' && loadingWeights) { loadingWeights = false; runTools.loaded(); toasts.show(t('weights.loaded'), 'info'); }
  if (message.type === 'error' && message.code === 'bad_message' && loadingWeights) { loadingWeights = false; return runTools.onRefused(message); }
  if (message.type === 'error' && message.code === 'no_snapshot') travel.refused(); // and a toast says so
  return false;
}
function sendCommand(message) {
  if (message.type === 'set_weights') loadingWeights = true;
  return server.send(message);
}
const classroom = createClassroom({
  store, catalog, send, toasts, announce, palette: () => palette,
  viewFragment: () => {
    if (compare.active) return compare.hashPart() || null;
    const lesson = store.get('lesson');
    return lesson ? `lesson=${lesson.name}&step=${lesson.step + 1}` : null;
  },
  onStream: () => chart.clear(), // another session's stream: its own loss history
});
/** The control groups hidden now: the link's `hide=` and the teacher's locks. */
const hiddenGroups = () => new Set([...store.get('hide'), ...classroom.lockedGroups()]);
/** A page watching the teacher acts on nothing of its own: the controls say how to start. */
function watchingSays() {
  if (!classroom.watching) return false;
  toasts.show(t('error.following'), 'info');
  return true;
}
const lessons = createLessons({
  catalog, store, send, change, chart, panel: $('#lesson-panel'), viewsRoot: $('#lesson-views'),
  toggle: $('#lessons-toggle'), net: $('#net'), palette: () => palette,
  onPoint: (point) => output.setMarker(point),
});

// ---- drawing ----
function outputsCount() {
  const config = store.get('config');
  const data = store.get('data');
  const h = frames.header;
  if (h && h.task === config.task) return h.sizes[h.sizes.length - 1];
  if (config.task !== 'multiclass') return 1;
  if (data?.task === 'multiclass') return data.classes;
  const dataset = catalog.datasets.find((d) => d.name === config.dataset);
  return dataset?.classes ?? config.classes;
}
const netFlags = () => ({
  oneD: Boolean(store.get('data')?.one_d), locked: hiddenGroups().has('features'), weightsLocked: classroom.locks().has('weights'),
});

let drawMs = 0;
function tick() {
  const started = performance.now();
  const frame = frames.takeFresh();
  if (frame) {
    network.setConfig(store.get('config'), outputsCount(), netFlags());
    output.drawFrame(frame);
    network.drawFrame(frame);
    if (!compare.active) readouts.showStats(frame.header); // compare mode shows its runs' epoch
    metrics.show(frame.header.metrics, frame.header);
    if (!compare.active) controls.showReached(frame.header.epochs_per_second, frame.header.running);
    lessons.onFrame(frame);
  }
  lessons.draw();
  output.drawOverlay();
  output.drawPlot();
  network.drawLinks();
  chart.draw();
  drawMs = 0.9 * drawMs + 0.1 * (performance.now() - started); // smoothed cost of one draw
  window.requestAnimationFrame(tick);
}

/** Everything that follows the config and the data: controls, tiles, diagram, draw tools, titles. */
function render(force = false) {
  const config = store.get('config');
  controls.update(config);
  picker.update(config, store.get('data'), palette, force, classroom.locks().has('features'));
  network.setConfig(config, outputsCount(), netFlags(), force);
  const layers = config.layers.length;
  tText($('#layer-count'), 'net.layer_count', { count: layers });
  $('#add-layer').disabled = layers >= catalog.limits.layers;
  $('#remove-layer').disabled = layers === 0;
  document.body.dataset.task = config.task;
  for (const node of document.querySelectorAll('.accuracy')) node.hidden = config.task === 'regression';
  const loss = config.task === 'regression' ? config.loss : catalog.losses[config.task][0];
  $('#chart-y-title').textContent = t('chart.y_title', { name: named('loss', loss) });
  drawTools.renderLabels(force);
}

function showData() {
  const data = store.get('data');
  if (!data) return;
  output.setData(data);
  tText($('#data-count'), 'data.count', { count: data.train.length + data.test.length, train: data.train.length, test: data.test.length });
  $('#data-count').dataset.count = String(data.train.length + data.test.length);
}

function applyPresent() {
  const on = store.get('present');
  document.body.classList.toggle('present', on);
  document.documentElement.classList.toggle('present', on);
  $('#present').setAttribute('aria-pressed', String(on));
  palette = readPalette();
  output.setPalette(palette);
  render(true);
  network.layout();
  chart.invalidate();
  frames.redraw();
}

function applyLanguage() {
  const lang = store.get('lang');
  setLanguage(lang);
  for (const button of document.querySelectorAll('[data-lang]')) button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
  document.title = t('app.name');
  tips.hide();
  relabel();
  controls.relabel();
  picker.relabel();
  output.relabel();
  divergence.relabel();
  lessons.relabel();
  render(true);
  chart.invalidate();
  frames.redraw();
  metrics.relabel();
  runLog.relabel();
  compare.relabel();
}

store.subscribe(['hide', 'room', 'config'], () => applyHide(hiddenGroups())); // a locked dataset's groups follow the config
store.subscribe(['config'], () => render());
store.subscribe(['data'], () => { showData(); render(); });
store.subscribe(['hide', 'room'], () => { runTools.setLocked(classroom.locks().has('weights')); render(); });
store.subscribe(['present'], () => {
  applyPresent();
  announce(store.get('present') ? t('present.on') : t('present.off'));
});
store.subscribe(['lang'], applyLanguage);
store.subscribe(['running'], () => readouts.showRunning(store.get('running')));

// ---- top bar and other buttons ----
function togglePlay() {
  if (watchingSays()) return;
  if (compare.active) { compare.togglePlay(); return; }
  const running = store.get('running');
  store.set({ wantRunning: !running });
  send({ type: running ? 'pause' : 'play' });
}
function step() {
  if (watchingSays()) return;
  if (compare.active) { compare.step(); return; }
  store.set({ wantRunning: false });
  send({ type: 'step', epochs: 1 });
}
function reset() {
  if (watchingSays()) return;
  if (compare.active) { compare.reset(); return; }
  chart.clear();
  send({ type: 'reset' });
}
function openCompare(edit = null) {
  if (store.get('running')) { store.set({ wantRunning: false }); send({ type: 'pause' }); }
  compare.open(edit);
}

$('#play').addEventListener('click', togglePlay);
$('#step').addEventListener('click', step);
$('#reset').addEventListener('click', reset);
$('#regenerate').addEventListener('click', () => send({ type: 'regenerate' }));
$('#add-layer').addEventListener('click', () => {
  const { layers } = store.get('config');
  const last = layers[layers.length - 1] ?? catalog.defaults.layers[0];
  change({ layers: [...layers, { units: last.units, activation: last.activation, dropout: 0 }] });
});
$('#remove-layer').addEventListener('click', () => change({ layers: store.get('config').layers.slice(0, -1) }));
$('#log-scale').addEventListener('click', (event) => {
  const on = event.currentTarget.getAttribute('aria-pressed') !== 'true';
  event.currentTarget.setAttribute('aria-pressed', String(on));
  chart.setLog(on);
});
$('#show-test').addEventListener('change', (event) => output.setOptions({ showTest: event.target.checked }));
$('#discretize').addEventListener('change', (event) => {
  output.setOptions({ discrete: event.target.checked });
  frames.redraw();
});
$('#copy-link').addEventListener('click', sharing.copyLink);
$('#compare-open').addEventListener('click', () => openCompare());
$('#present').addEventListener('click', () => store.set({ present: !store.get('present') }));
for (const button of document.querySelectorAll('[data-lang]')) {
  button.addEventListener('click', () => store.set({ lang: button.dataset.lang }));
}

// ---- keyboard ----
installShortcuts({
  togglePlay, step, reset,
  togglePresent: () => store.set({ present: !store.get('present') }),
  escape: () => { classroom.closeAll(); editor.close(); panel.close(); help.close(); runLog.close(); network.closeCards(); tips.hide(); divergence.hideDetail(); },
  hidden: (group) => hiddenGroups().has(group),
});

window.addEventListener('hashchange', () => {
  const next = readHash(location.hash, catalog, LANGUAGES);
  store.set({
    config: next.config, hide: next.hide, present: next.present,
    ...(next.lang ? { lang: next.lang } : {}), ...(next.points ? { customRows: next.points } : {}),
    lesson: next.lesson,
  });
  if (store.get('connected')) restore();
  const edit = compare.fromHash(location.hash);
  if (edit && (!compare.active || compare.hashPart() !== location.hash.match(/compare=[^&]*/)?.[0])) openCompare(edit);
  else if (!edit && compare.active) compare.close();
});
window.addEventListener('resize', () => { output.invalidate(); chart.invalidate(); compare.invalidate(); });
new ResizeObserver(() => { output.invalidate(); chart.invalidate(); }).observe($('#map-box'));

// A handle for tests and for the curious in the console: read-only views of the page state.
window.__playground = {
  get config() { return structuredClone(store.get('config')); },
  get data() { return store.get('data'); },
  get header() { return frames.header; },
  get connected() { return store.get('connected'); },
  get running() { return store.get('running'); },
  get lang() { return store.get('lang'); },
  get epoch0() { return frames.epoch0; },
  weights: frames.weights,
  chartPoints: () => chart.size,
  get drawMs() { return drawMs; },
  get lesson() { return store.get('lesson'); },
  get compare() { return compare.state; },
  compareConfigs: () => compare.configs(),
  get runLog() { return runLog.rows.map(({ key, config, ...row }) => ({ ...row, config })); },
  runLogCsv: () => runLog.toCsv(),
  get travel() { return travel.viewing; },
  get room() { return store.get('room'); },
  get roster() { return [...store.get('roster').values()]; },
  get leaderboard() { return store.get('leaderboard'); },
};

// ---- start ----
applyHide(hiddenGroups());
applyLanguage();
applyPresent();
lessons.start();
output.invalidate();
sharing.writeUrl();
readouts.showRunning(false);
readouts.showEpoch(0);
connection.set('connecting');
window.requestAnimationFrame(tick);
{
  const edit = compare.fromHash(initialHash); // a compare link opens the comparison
  if (edit) openCompare(edit);
}
