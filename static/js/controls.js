// Controls built from the catalog: the top bar's selects, the speed menu, the data sliders, the
// advanced panel. Each reads its choices and ranges from the catalog, takes its texts from the
// message catalogue and reports a config patch through onChange.

import { el } from './dom.js';
import { integer, named, t, tAttr, tName, tText } from './i18n.js';
import { tTip, tTipNamed } from './tooltips.js';

const percent = (v) => `${Math.round(v * 100)}%`;

/** Numbers 1, 2, 3, 5, 10, 20, 30, 50, … within [min, max], always including both ends. */
export function niceSteps(min, max) {
  const steps = new Set([min]);
  for (let scale = 1; scale <= max; scale *= 10) {
    for (const m of [1, 2, 3, 5]) if (m * scale > min && m * scale < max) steps.add(m * scale);
  }
  steps.add(max);
  return [...steps].sort((a, b) => a - b);
}

/** A label's text and a control's tooltip: a catalogue key, or a function that sets it. */
const caption = (node, label) => (typeof label === 'function' ? label(node) : tText(node, label));
const explain = (node, tip) => (typeof tip === 'function' ? tip(node) : tTip(node, tip));

/** The wrapper every control sits in: `data-hide` lets a classroom link hide it. */
const wrap = (key, className, children) => el('div', { className, dataset: { hide: key } }, children);

/** A labelled <select>; options are [value, setText(option)] pairs; values compare as strings. */
function selectControl({ key, label, tip, options, onPick, parse = String, className = 'control' }) {
  const id = `control-${key}`;
  const select = tTip(el('select', { id, name: key }), tip);
  for (const [value, setText] of options) select.append(setText(el('option', { value: String(value) })));
  select.addEventListener('change', () => onPick(parse(select.value)));
  const node = wrap(key, className, [tText(el('label', { for: id }), label), select]);
  return {
    node,
    select,
    set(value) {
      const text = String(value);
      if (![...select.options].some((o) => o.value === text)) {
        select.append(el('option', { value: text, text })); // a value from a link, off the list
      }
      select.value = text;
    },
  };
}

/**
 * A labelled range slider over a list of allowed values (so 1 … 5000 can move in nice steps).
 * The value is sent on release ('change'); the label follows while dragging ('input').
 */
function sliderControl({ key, label, tip, values, format, onPick }) {
  const id = `control-${key}`;
  const shown = el('output', { for: id, className: 'value' });
  const input = tTip(el('input', { id, name: key, type: 'range', min: 0, max: values.length - 1, step: 1 }), tip);
  const nearest = (v) => values.reduce((best, x, i) => (Math.abs(x - v) < Math.abs(values[best] - v) ? i : best), 0);
  const show = (v) => {
    shown.textContent = format(v);
    input.setAttribute('aria-valuetext', format(v));
  };
  input.addEventListener('input', () => show(values[Number(input.value)]));
  input.addEventListener('change', () => onPick(values[Number(input.value)]));
  const node = wrap(key, 'slider', [
    el('div', { className: 'slider-label' }, [tText(el('label', { for: id }), label), shown]),
    input,
  ]);
  return {
    node,
    set(value) {
      input.value = String(nearest(value));
      show(value);
    },
    relabel() { show(values[Number(input.value)]); },
  };
}

/** A labelled number input, sent on change when valid. */
function numberControl({ key, label, tip, min, max, step, onPick, extra = [] }) {
  const id = `control-${key}`;
  const input = explain(el('input', { id, name: key, type: 'number', min, max, step }), tip);
  input.addEventListener('change', () => {
    const value = Number(input.value);
    if (input.value !== '' && input.checkValidity()) onPick(value);
  });
  const node = wrap(key, 'control', [
    caption(el('label', { for: id }), label), el('div', { className: 'inline' }, [input, ...extra]),
  ]);
  return { node, input, set(value) { if (document.activeElement !== input) input.value = String(value); } };
}

/** The speed menu's option text: "normal · 30/s", or "as fast as possible". */
const speedText = (v) => (v === 0 ? named('speed', '0') : t('speed.option', { name: named('speed', String(v)), rate: v }));

/**
 * Build every control from the catalog.
 * @param {{catalog: any, topbar: HTMLElement, speed: HTMLElement, task: HTMLElement, sliders: HTMLElement,
 *   advanced: HTMLElement, lossField: HTMLElement, onChange: (patch: object) => void}} options
 */
export function createControls({ catalog, topbar, speed, task, sliders, advanced, lossField, onChange }) {
  const pick = (key) => (value) => onChange({ [key]: value });
  const { ranges } = catalog;
  const controls = {};
  const number = (v) => (option) => { option.textContent = String(v); return option; };
  const titled = (kind, list) => list.map((item) => (typeof item === 'string' ? { name: item } : item))
    .map(({ name, title }) => [name, (option) => tName(option, kind, name, title)]);

  controls.learning_rate = selectControl({
    key: 'learning_rate', label: 'control.learning_rate', tip: 'tip.learning_rate', parse: Number,
    onPick: pick('learning_rate'), options: catalog.learning_rates.map((v) => [v, number(v)]),
  });
  controls.optimizer = selectControl({
    key: 'optimizer', label: 'control.optimizer', tip: 'tip.optimizer', onPick: pick('optimizer'),
    options: titled('optimizer', catalog.optimizers),
  });
  controls.regularization = selectControl({
    key: 'regularization', label: 'control.regularization', tip: 'tip.regularization',
    onPick: pick('regularization'), options: titled('regularization', catalog.regularizations),
  });
  controls.regularization_rate = selectControl({
    key: 'regularization_rate', label: 'control.regularization_rate', tip: 'tip.regularization_rate',
    parse: Number, onPick: pick('regularization_rate'), options: catalog.regularization_rates.map((v) => [v, number(v)]),
  });
  controls.task = selectControl({
    key: 'task', label: 'control.task', tip: 'tip.task', onPick: pick('task'), options: titled('task', catalog.tasks),
  });
  // The rate sits beside the regularization menu, under one label (its own label is for screen readers).
  controls.regularization_rate.node.querySelector('label').className = 'visually-hidden';
  controls.regularization.node.append(el('div', { className: 'inline' }, [controls.regularization.select, controls.regularization_rate.node]));
  for (const key of ['learning_rate', 'optimizer', 'regularization']) topbar.append(controls[key].node);
  task.append(controls.task.node); // the data column: the problem type goes with the data

  // The pace: prominent, beside the play button, with the pace actually reached.
  controls.speed = selectControl({
    key: 'speed', label: 'control.speed', tip: 'tip.speed', parse: Number, onPick: pick('speed'), className: 'control speed',
    options: catalog.speeds.map((v) => [v, (option) => { option.textContent = speedText(v); return option; }]),
  });
  const reached = el('output', { id: 'speed-reached', className: 'reached', 'aria-live': 'off' });
  controls.speed.node.append(reached);
  speed.append(controls.speed.node);
  let reachedRate = null;
  /** The epochs per second the server reached (frames' epochs_per_second), while training. */
  function showReached(rate, running) {
    reachedRate = running ? rate : null;
    reached.dataset.rate = running ? String(rate) : '';
    if (running) tText(reached, 'speed.reached', { rate: Math.round(rate) });
    else tText(reached, 'speed.paused');
  }

  const range = (key) => {
    if (!ranges[key]) throw new Error(`the catalog has no range for ${JSON.stringify(key)}`);
    return ranges[key];
  };
  const stepsOf = ({ min, max }, step) => Array.from({ length: Math.round((max - min) / step) + 1 }, (_, i) => +(min + i * step).toFixed(4));
  const slider = (key, label, tip, values, format) => {
    controls[key] = sliderControl({ key, label, tip, values, format, onPick: pick(key) });
    sliders.append(controls[key].node);
  };
  const nice = (key) => niceSteps(range(key).min, range(key).max);
  slider('train_share', 'control.train_share', 'tip.train_share', stepsOf(range('train_share'), 0.1), percent);
  slider('noise', 'control.noise', 'tip.noise', stepsOf(range('noise'), 0.05), percent);
  slider('batch_size', 'control.batch_size', 'tip.batch_size', nice('batch_size'), integer);
  slider('n_points', 'control.n_points', 'tip.n_points', nice('n_points'), integer);
  slider('classes', 'control.classes', 'tip.classes', stepsOf(range('classes'), 1), String);
  const sliderKeys = ['train_share', 'noise', 'batch_size', 'n_points', 'classes'];

  // Advanced: initialisation, seed, optimizer hyper-parameters, map resolutions.
  controls.init = selectControl({
    key: 'init', label: 'control.init', tip: 'tip.init', onPick: pick('init'), options: titled('init', catalog.initializers),
  });
  const dice = tTip(tAttr(el('button', { type: 'button', className: 'round-button small', id: 'new-seed', text: '⚄' }), 'aria-label', 'control.new_seed'), 'tip.new_seed');
  controls.seed = numberControl({
    key: 'seed', label: 'control.seed', tip: 'tip.seed', min: range('seed').min, max: range('seed').max, step: 1,
    onPick: pick('seed'), extra: [dice],
  });
  dice.addEventListener('click', () => onChange({ seed: Math.floor(Math.random() * 1e6) }));
  const hypers = [...new Set(catalog.optimizers.flatMap((o) => o.hyper))];
  for (const key of hypers) {
    const { min, max } = range(key);
    controls[key] = numberControl({
      key, label: (node) => tName(node, 'hyper', key), tip: (node) => tTipNamed(node, 'hypertip', key),
      min, max, step: 'any', onPick: pick(key),
    });
  }
  controls.grid = numberControl({
    key: 'grid', label: 'control.grid', tip: 'tip.grid', ...range('grid'), step: 1, onPick: pick('grid'),
  });
  controls.neuron_grid = numberControl({
    key: 'neuron_grid', label: 'control.neuron_grid', tip: 'tip.neuron_grid', ...range('neuron_grid'), step: 1, onPick: pick('neuron_grid'),
  });
  for (const key of ['init', 'seed', ...hypers, 'grid', 'neuron_grid']) advanced.append(controls[key].node);

  controls.loss = selectControl({
    key: 'loss', label: 'control.loss', tip: 'tip.loss', onPick: pick('loss'), className: 'control inline-control',
    options: titled('loss', catalog.losses.regression),
  });
  lossField.append(controls.loss.node);

  /** Show a config in every control; hide what does not apply to it. */
  function update(config) {
    for (const [key, control] of Object.entries(controls)) {
      if (key in config) control.set(config[key]);
    }
    const dataset = catalog.datasets.find((d) => d.name === config.dataset);
    const variableClasses = config.task === 'multiclass' && (!dataset || dataset.classes == null);
    controls.classes.node.hidden = !variableClasses;
    controls.regularization_rate.node.classList.toggle('muted', config.regularization === 'none');
    const used = new Set(catalog.optimizers.find((o) => o.name === config.optimizer)?.hyper ?? []);
    for (const key of hypers) controls[key].node.hidden = !used.has(key);
    lossField.hidden = config.task !== 'regression';
    controls.n_points.node.classList.toggle('muted', config.dataset === 'custom');
  }

  /** Texts built from several catalogue entries, again in the page's language. */
  function relabel() {
    for (const option of controls.speed.select.options) {
      if (catalog.speeds.includes(Number(option.value))) option.textContent = speedText(Number(option.value));
    }
    for (const key of sliderKeys) controls[key].relabel();
    showReached(reachedRate ?? 0, reachedRate != null);
  }

  showReached(0, false);
  return { update, relabel, showReached, controls };
}
