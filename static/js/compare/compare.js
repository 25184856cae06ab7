// Compare mode: run A (the page's setup) and run B (A with one edit) side by side, each its own
// session on the server, on the same data from the same starting weights (same seeds). They
// train in lockstep: each round both step the same number of epochs and the next round waits
// for both, so the slower sets the pace (and the page says so). Play / pause / step / reset act
// on both. The link carries `compare=field:value`, so it reopens the same comparison (a lesson
// can link to one).

import { el } from '../dom.js';
import { integer, named, t, tText } from '../i18n.js';
import { tTip } from '../tooltips.js';
import { formatLoss } from '../chart.js';
import { describeSetup } from '../runlog.js';
import { createRun } from './run.js';
import { createCompareMap } from './map.js';
import { createCompareChart } from './chart.js';
import { EDIT_FIELDS, applyEdit, choicesOf, describeEdit, fieldName, nameValue, parseEdit, valueOf } from './edit.js';

const SHOWN_ONLY = ['speed', 'grid', 'neuron_grid', 'frame_rate'];
const SLOWER = 1.5; // one run taking this many times the other's time (smoothed) sets the pace

const sleep = (ms) => new Promise((resolve) => { window.setTimeout(resolve, ms); });
const trainingKey = (config) => JSON.stringify({ ...config, ...Object.fromEntries(SHOWN_ONLY.map((k) => [k, 0])) });

/** The edit a comparison starts with: another optimizer, the classic first experiment. */
export function suggestEdit(config) {
  return { field: 'optimizer', value: config.optimizer === 'adam' ? 'sgd' : 'adam' };
}

/** The compare link's own part: `compare=field:value`. @param {{field: string, value: string}} edit */
export function compareParam(edit) {
  return `compare=${encodeURIComponent(`${edit.field}:${edit.value}`).replace(/%3A/g, ':')}`;
}

/**
 * @param {{root: HTMLElement, catalog: any, store: any, palette: () => any, url: string,
 *   toasts: {show: (text: string, kind?: string, detail?: string) => void},
 *   onState: (state: {active: boolean, playing: boolean, epoch: number}) => void}} options
 */
export function createCompare({ root, catalog, store, palette, url, toasts, onState }) {
  let active = false;
  let edit = null;
  let runs = null; // {A, B}
  let playing = false;
  let current = null; // the round under way (a promise): a pause lets it finish on both runs
  let epoch = 0;
  let key = '';
  let ratio = 1; // smoothed: B's round time over A's
  let rate = 0; // the epochs per second the pair reached in its last round
  let frames = { A: null, B: null };
  let generation = 0; // bumped by each set-up, so a stale round stops

  // ---- the panel ----
  const titleA = el('p', { className: 'compare-setup', id: 'compare-a' });
  const titleB = el('p', { className: 'compare-setup b', id: 'compare-b' });
  const field = tTip(el('select', { id: 'compare-field' }), 'tip.compare_field');
  const valueBox = el('span', { className: 'compare-value' });
  const pace = el('p', { className: 'compare-pace', id: 'compare-pace', role: 'status' });
  const copy = tTip(tText(el('button', { type: 'button', id: 'compare-copy', className: 'text-button' }), 'compare.copy'), 'tip.compare_copy');
  const close = tTip(tText(el('button', { type: 'button', id: 'compare-close', className: 'text-button' }), 'compare.close'), 'tip.compare_close');
  const side = (run) => {
    const grid = el('canvas', { className: 'map-grid', id: `compare-grid-${run}` });
    const overlay = el('canvas', { className: 'map-overlay', id: `compare-overlay-${run}` });
    const stats = el('p', { className: 'compare-stats', id: `compare-stats-${run}` });
    const label = tText(el('h3', { className: `compare-run run-${run}` }), run === 'A' ? 'compare.run_a' : 'compare.run_b');
    const map = createCompareMap(grid, overlay, palette);
    return { node: el('figure', { className: 'compare-side' }, [label, el('div', { className: 'map-frame' }, [grid, overlay]), stats]), map, stats };
  };
  const sides = { A: side('A'), B: side('B') };
  const chartCanvas = el('canvas', { id: 'compare-chart', role: 'img' });
  const chart = createCompareChart(chartCanvas, palette);
  const legend = el('div', { className: 'chart-foot compare-legend' }, [
    ['A', 'train', 'compare.a_train'], ['A', 'test', 'compare.a_test'], ['B', 'train', 'compare.b_train'], ['B', 'test', 'compare.b_test'],
  ].map(([run, line, label]) => el('span', { className: 'legend-item' }, [el('span', { className: `swatch-line ${line} run-${run}` }), tText(el('span'), label)])));
  const maps = el('div', { className: 'compare-maps' }, [sides.A.node, sides.B.node]);
  // The two maps: squares as large as the space between the header and the chart allows.
  const fitMaps = new ResizeObserver(() => {
    const gap = parseFloat(getComputedStyle(maps).columnGap) || 0;
    const label = sides.A.node.firstElementChild.offsetHeight + sides.A.stats.offsetHeight + 12;
    const size = Math.floor(Math.max(120, Math.min((maps.clientWidth - gap) / 2, maps.clientHeight - label)));
    root.style.setProperty('--compare-map', `${size}px`);
  });
  // the stats under the maps too: a line that wraps to two takes room from the maps
  for (const node of [maps, sides.A.stats, sides.B.stats]) fitMaps.observe(node);
  root.append(
    el('div', { className: 'compare-head' }, [
      tText(el('h2', { id: 'compare-heading' }), 'compare.heading'),
      el('div', { className: 'compare-titles' }, [titleA, titleB]),
      el('div', { className: 'compare-edit' }, [tText(el('label', { for: 'compare-field' }), 'compare.b_changes'), field, valueBox]),
      copy, close,
    ]),
    pace,
    maps,
    el('div', { className: 'chart-box compare-chart' }, [chartCanvas, legend]),
  );

  function buildEditor() {
    const config = store.get('config');
    field.replaceChildren(...EDIT_FIELDS.filter((f) => f !== 'loss' || config.task === 'regression')
      .filter((f) => !['activation', 'dropout'].includes(f) || config.layers.length)
      .map((f) => el('option', { value: f, text: fieldName(f) })));
    field.value = edit.field;
    const choices = choicesOf(edit.field, catalog, config);
    let input;
    if (choices) {
      input = el('select', { id: 'compare-value' }, choices.map((v) => el('option', { value: v, text: nameValue(edit.field, v, catalog) })));
    } else {
      input = el('input', { id: 'compare-value', type: 'text', inputmode: edit.field === 'units' ? 'text' : 'decimal', size: '7' });
    }
    input.value = edit.value;
    tTip(input, 'tip.compare_value');
    input.addEventListener('change', () => {
      const parsed = parseEdit(`${edit.field}:${input.value.trim()}`, catalog, store.get('config'));
      if (!parsed) { toasts.show(t('compare.bad_value'), 'error'); input.value = edit.value; return; }
      setEdit(parsed);
    });
    valueBox.replaceChildren(input);
  }
  field.addEventListener('change', () => {
    const config = store.get('config');
    const choices = choicesOf(field.value, catalog, config);
    const now = valueOf(field.value, config);
    const other = choices?.find((v) => v !== now) ?? now;
    setEdit({ field: field.value, value: other });
  });

  function setEdit(next) {
    edit = next;
    buildEditor();
    setUp();
    onState(state());
  }

  function titles() {
    const config = store.get('config');
    tText(titleA, 'compare.a_is', { setup: describeSetup(config, catalog) });
    titleB.textContent = `${t('compare.b_is')} ${describeEdit(edit, config, catalog)}`;
    titleB.dataset.field = edit.field;
  }

  // ---- the runs ----
  function setUp() {
    generation += 1;
    playing = false;
    epoch = 0;
    ratio = 1;
    rate = 0;
    pace.textContent = '';
    chart.clear();
    const config = store.get('config');
    key = trainingKey(config);
    const points = config.dataset === 'custom' ? store.get('customRows') : null;
    const ready = [runs.A.setUp(config, points), runs.B.setUp(applyEdit(config, edit), points)];
    titles();
    Promise.all(ready).then(() => onState(state()));
  }

  function epochsPerRound() {
    const speed = store.get('config').speed;
    return speed === 0 ? 25 : Math.max(1, Math.min(1000, Math.round(speed / 30)));
  }

  async function loop() {
    const mine = generation;
    while (playing && mine === generation) {
      await round(mine);
      const speed = store.get('config').speed;
      if (speed === 0) await sleep(0);
    }
  }

  // One round at a time: play pressed during a step's round, or a step during play's, joins the
  // round under way instead of starting a second one beside it.
  function round(mine) {
    if (current) return current;
    const under = stepBoth(mine).finally(() => { if (current === under) current = null; });
    current = under;
    return under;
  }

  async function stepBoth(mine) {
    const k = epochsPerRound();
    const started = performance.now();
    const [timeA, timeB] = await Promise.all([runs.A.step(k), runs.B.step(k)]);
    if (mine !== generation) return;
    epoch = Math.min(runs.A.frame?.header.epoch ?? 0, runs.B.frame?.header.epoch ?? 0);
    ratio = 0.8 * ratio + 0.2 * ((timeB + 1) / (timeA + 1));
    rate = (k * 1000) / Math.max(1, performance.now() - started);
    showPace(rate);
    const speed = store.get('config').speed;
    const wait = speed > 0 ? (1000 * k) / speed - (performance.now() - started) : 0;
    if (wait > 0) await sleep(wait);
    onState(state());
  }

  function showPace(reached) {
    const slower = ratio > SLOWER ? 'B' : ratio < 1 / SLOWER ? 'A' : null;
    root.dataset.slower = slower ?? '';
    if (slower) tText(pace, slower === 'A' ? 'compare.a_slower' : 'compare.b_slower', { rate: integer(Math.round(reached)) });
    else pace.textContent = '';
  }

  function onFrame(run, frame) {
    frames[run] = frame;
    if (frame.header.live_epoch == null) chart.add(run, frame.header.epoch, frame.header.train_loss, frame.header.test_loss);
  }

  function start() {
    runs = {
      A: createRun(url, { onFrame: (f) => onFrame('A', f), onData: (m) => sides.A.map.setData(m), onError: (m) => failed('A', m) }),
      B: createRun(url, { onFrame: (f) => onFrame('B', f), onData: (m) => sides.B.map.setData(m), onError: (m) => failed('B', m) }),
    };
  }

  function failed(run, message) {
    toasts.show(`${t(run === 'A' ? 'compare.run_a' : 'compare.run_b')}: ${named('error', message.code, message.code)}`, 'error', message.message);
  }

  // ---- drawing: one animation-frame loop while open ----
  function draw() {
    if (!active) return;
    for (const run of ['A', 'B']) {
      const frame = frames[run];
      if (frame) {
        sides[run].map.drawFrame(frame);
        const h = frame.header;
        const accuracy = h.test_accuracy == null ? '' : ` · ${t('compare.accuracy', { value: (h.test_accuracy * 100).toFixed(1) })}`;
        sides[run].stats.textContent = `${t('compare.stats', { epoch: integer(h.epoch), train: formatLoss(h.train_loss), test: formatLoss(h.test_loss) })}${accuracy}`;
        frames[run] = null;
      }
      sides[run].map.drawPoints();
    }
    chart.draw();
    window.requestAnimationFrame(draw);
  }

  // busy: a round is still under way (after a pause the runs stop at the same epoch once it ends)
  const state = () => ({ active, playing, busy: current !== null, epoch, edit, rate });

  /** Open a comparison (the edit B makes; null: the suggested one). */
  function open(next = null) {
    const config = store.get('config');
    edit = next ?? edit ?? suggestEdit(config);
    if (!runs) start();
    if (!active) {
      active = true;
      root.hidden = false;
      document.body.classList.add('comparing');
      window.requestAnimationFrame(draw);
    }
    buildEditor();
    setUp();
    for (const side_ of Object.values(sides)) side_.map.invalidate();
    onState(state());
  }

  function closeCompare() {
    if (!active) return;
    active = false;
    playing = false;
    generation += 1;
    root.hidden = true;
    document.body.classList.remove('comparing');
    runs?.A.close();
    runs?.B.close();
    runs = null;
    onState(state());
  }
  close.addEventListener('click', closeCompare);
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      toasts.show(t('compare.copied'), 'info');
    } catch {
      window.prompt(t('link.prompt'), location.href);
    }
  });

  // The page's setup changed (its controls edit run A): both runs start again from it.
  store.subscribe(['config'], () => {
    if (!active) return;
    const config = store.get('config');
    if (trainingKey(config) === key) return;
    const parsed = parseEdit(`${edit.field}:${edit.value}`, catalog, config) ?? suggestEdit(config);
    edit = parsed;
    buildEditor();
    setUp();
    onState(state());
  });

  return {
    open,
    close: closeCompare,
    togglePlay() {
      playing = !playing;
      if (playing) loop();
      onState(state());
    },
    step() {
      playing = false;
      onState(state());
      round(generation).then(() => onState(state())); // a round under way is the step
    },
    reset() { setUp(); onState(state()); },
    /** The edit a link's `compare=` names (null: none, or not a valid one). */
    fromHash(hash) {
      const text = new URLSearchParams(hash.replace(/^#/, '')).get('compare');
      return text == null ? null : parseEdit(text, catalog, store.get('config')) ?? suggestEdit(store.get('config'));
    },
    /** The link's compare part while open ('' when closed). */
    hashPart: () => (active && edit ? compareParam(edit) : ''),
    relabel() { if (active) { buildEditor(); titles(); } },
    invalidate() { chart.invalidate(); sides.A.map.invalidate(); sides.B.map.invalidate(); },
    get active() { return active; },
    get state() {
      const of = (run) => run?.frame?.header ?? null;
      const [a, b] = [of(runs?.A), of(runs?.B)];
      return {
        ...state(), sizes: chart.sizes, epochs: [a?.epoch ?? null, b?.epoch ?? null],
        losses: [a && [a.train_loss, a.test_loss], b && [b.train_loss, b.test_loss]],
      };
    },
    configs: () => (runs ? [store.get('config'), applyEdit(store.get('config'), edit)] : null),
  };
}
