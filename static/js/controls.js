// Controls built from the catalog: the top bar's selects, the data sliders, the advanced panel.
// Each control reads its choices from the catalog and reports a config patch through onChange.

/** Create an element: el('select', {id: 'x'}, [children]). Text goes in as textContent. */
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'className') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) node.append(child);
  return node;
}

const percent = (v) => `${Math.round(v * 100)}%`;
const compact = (v) => (v >= 1000 ? `${v / 1000}k` : String(v));

/** Numbers 1, 2, 3, 5, 10, 20, 30, 50, … within [min, max], always including both ends. */
export function niceSteps(min, max) {
  const steps = new Set([min]);
  for (let scale = 1; scale <= max; scale *= 10) {
    for (const m of [1, 2, 3, 5]) if (m * scale > min && m * scale < max) steps.add(m * scale);
  }
  steps.add(max);
  return [...steps].sort((a, b) => a - b);
}

/** A labelled <select>; options are [value, text] pairs; values compare as strings. */
function selectControl({ key, label, options, onPick, parse = String, className = 'control' }) {
  const id = `control-${key}`;
  const select = el('select', { id, name: key });
  for (const [value, text] of options) select.append(el('option', { value: String(value), text }));
  select.addEventListener('change', () => onPick(parse(select.value)));
  const node = el('div', { className, dataset: { hide: key } }, [
    el('label', { for: id, text: label }), select,
  ]);
  return {
    node,
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
function sliderControl({ key, label, values, format, onPick }) {
  const id = `control-${key}`;
  const shown = el('output', { for: id, className: 'value' });
  const input = el('input', {
    id, name: key, type: 'range', min: 0, max: values.length - 1, step: 1,
  });
  const nearest = (v) => values.reduce((best, x, i) => (Math.abs(x - v) < Math.abs(values[best] - v) ? i : best), 0);
  const show = (v) => {
    shown.textContent = format(v);
    input.setAttribute('aria-valuetext', format(v));
  };
  input.addEventListener('input', () => show(values[Number(input.value)]));
  input.addEventListener('change', () => onPick(values[Number(input.value)]));
  const node = el('div', { className: 'slider', dataset: { hide: key } }, [
    el('div', { className: 'slider-label' }, [el('label', { for: id, text: label }), shown]),
    input,
  ]);
  return {
    node,
    set(value) {
      input.value = String(nearest(value));
      show(value);
    },
  };
}

/** A labelled number input, sent on change when valid. */
function numberControl({ key, label, min, max, step, onPick, extra = [] }) {
  const id = `control-${key}`;
  const input = el('input', { id, name: key, type: 'number', min, max, step });
  input.addEventListener('change', () => {
    const value = Number(input.value);
    if (input.value !== '' && input.checkValidity()) onPick(value);
  });
  const node = el('div', { className: 'control', dataset: { hide: key } }, [
    el('label', { for: id, text: label }), el('div', { className: 'inline' }, [input, ...extra]),
  ]);
  return { node, input, set(value) { if (document.activeElement !== input) input.value = String(value); } };
}

/**
 * Build every control from the catalog.
 * @param {{catalog: any, topbar: HTMLElement, sliders: HTMLElement, advanced: HTMLElement,
 *          lossField: HTMLElement, onChange: (patch: object) => void}} options
 */
export function createControls({ catalog, topbar, sliders, advanced, lossField, onChange }) {
  const pick = (key, transform = (v) => v) => (value) => onChange({ [key]: transform(value) });
  const ranges = catalog.ranges ?? {};
  const range = (key, min, max) => ({ min: ranges[key]?.min ?? min, max: ranges[key]?.max ?? max });
  const titleOf = (list, name) => list.find((item) => item.name === name)?.title ?? name;
  const controls = {};

  controls.learning_rate = selectControl({
    key: 'learning_rate', label: 'Learning rate', parse: Number, onPick: pick('learning_rate'),
    options: catalog.learning_rates.map((v) => [v, String(v)]),
  });
  controls.optimizer = selectControl({
    key: 'optimizer', label: 'Optimizer', onPick: pick('optimizer'),
    options: catalog.optimizers.map((o) => [o.name, o.title ?? o.name]),
  });
  controls.regularization = selectControl({
    key: 'regularization', label: 'Regularization', onPick: pick('regularization'),
    options: catalog.regularizations.map((r) => [r, r === 'none' ? 'None' : r.toUpperCase()]),
  });
  controls.regularization_rate = selectControl({
    key: 'regularization_rate', label: 'Reg. rate', parse: Number, onPick: pick('regularization_rate'),
    options: catalog.regularization_rates.map((v) => [v, String(v)]),
  });
  controls.task = selectControl({
    key: 'task', label: 'Problem type', onPick: pick('task'),
    options: catalog.tasks.map((t) => [t.name, t.title ?? t.name]),
  });
  controls.speed = selectControl({
    key: 'speed', label: 'Speed', parse: Number, onPick: pick('speed'),
    options: catalog.speeds.map((v) => [v, v === 0 ? 'max' : `${v} ep/s`]),
  });
  for (const key of ['learning_rate', 'optimizer', 'regularization', 'regularization_rate', 'task', 'speed']) {
    topbar.append(controls[key].node);
  }

  const share = range('train_share', 0.1, 0.9);
  const noise = range('noise', 0, 0.5);
  const batch = range('batch_size', 1, 5000);
  const points = range('n_points', 10, 5000);
  const classes = range('classes', 2, 6);
  const stepsOf = (lo, hi, step) => Array.from({ length: Math.round((hi - lo) / step) + 1 }, (_, i) => +(lo + i * step).toFixed(4));
  controls.train_share = sliderControl({
    key: 'train_share', label: 'Training share', values: stepsOf(share.min, share.max, 0.1),
    format: percent, onPick: pick('train_share'),
  });
  controls.noise = sliderControl({
    key: 'noise', label: 'Noise', values: stepsOf(noise.min, noise.max, 0.05),
    format: percent, onPick: pick('noise'),
  });
  controls.batch_size = sliderControl({
    key: 'batch_size', label: 'Batch size', values: niceSteps(batch.min, batch.max),
    format: compact, onPick: pick('batch_size'),
  });
  controls.n_points = sliderControl({
    key: 'n_points', label: 'Points', values: niceSteps(points.min, points.max),
    format: compact, onPick: pick('n_points'),
  });
  controls.classes = sliderControl({
    key: 'classes', label: 'Classes', values: stepsOf(classes.min, classes.max, 1),
    format: String, onPick: pick('classes'),
  });
  for (const key of ['train_share', 'noise', 'batch_size', 'n_points', 'classes']) {
    sliders.append(controls[key].node);
  }

  // Advanced: initialisation, seed, optimizer hyper-parameters, resolution.
  controls.init = selectControl({
    key: 'init', label: 'Initialization', onPick: pick('init'),
    options: catalog.initializers.map((name) => [name, name === 'glorot' ? 'Glorot' : name[0].toUpperCase() + name.slice(1)]),
  });
  const dice = el('button', { type: 'button', className: 'round-button small', 'aria-label': 'New random seed', title: 'New random seed', text: '⚄' });
  const seedRange = range('seed', 0, 2 ** 31 - 1);
  controls.seed = numberControl({
    key: 'seed', label: 'Weight seed', min: seedRange.min, max: seedRange.max, step: 1,
    onPick: pick('seed'), extra: [dice],
  });
  dice.addEventListener('click', () => onChange({ seed: Math.floor(Math.random() * 1e6) }));
  const hyperLabels = { momentum: 'Momentum', beta1: 'Adam β₁', beta2: 'Adam β₂', rho: 'RMSprop ρ' };
  const hypers = [...new Set(catalog.optimizers.flatMap((o) => o.hyper ?? []))];
  for (const key of hypers) {
    const r = range(key, 0, 0.9999);
    controls[key] = numberControl({ key, label: hyperLabels[key] ?? key, min: r.min, max: r.max, step: 'any', onPick: pick(key) });
  }
  for (const key of ['grid', 'neuron_grid']) {
    const r = range(key, key === 'grid' ? 10 : 4, key === 'grid' ? 200 : 40);
    controls[key] = numberControl({
      key, label: key === 'grid' ? 'Output map cells' : 'Neuron map cells', min: r.min, max: r.max, step: 1, onPick: pick(key),
    });
  }
  for (const key of ['init', 'seed', ...hypers, 'grid', 'neuron_grid']) advanced.append(controls[key].node);

  const lossOptions = catalog.losses.regression ?? [];
  controls.loss = selectControl({
    key: 'loss', label: 'Loss', onPick: pick('loss'), className: 'control inline-control',
    options: lossOptions.map((name) => [name, name.toUpperCase()]),
  });
  lossField.append(controls.loss.node);

  /** Show a config in every control; hide what does not apply to it. */
  function update(config, data) {
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
    void data;
  }

  return { update, controls, titleOf };
}
