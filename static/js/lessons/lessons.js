// Lessons: the lecture step by step. A step (from the catalog's `lessons`, app/lessons.py) sets
// the playground up (its config over the defaults, sent whole, then a reset: every page opening
// the step starts from the same weights), says what to do and what to notice, highlights the
// control or view that matters, and shows its live check from the frames. The step lives in
// the store (`lesson`) and so in the link: `#lesson=NAME&step=K`. PageDown / PageUp (a
// presenter's clicker) and the arrow keys step forward and back.
//
// Hook for compare mode (issue 16): a step's `compare` lists variants (whole configs); this
// module shows one variant per step, keeping the previous step's curves as ghost lines.

import { el } from '../dom.js';
import { named, t, tAttr, tText } from '../i18n.js';
import { tTip } from '../tooltips.js';
import { createViews } from './views.js';
import { formatValue } from './format.js';

// Where each highlight name of the catalog points on the page.
const TARGETS = {
  play: '#play', map: '#map-box', plot: '#plot-box', layers: '#net', activation: '.layer-head select.activation',
  loss: '#loss-field', optimizer: '#control-optimizer', dropout: '.layer-head select.dropout, #view-dropout', features: '.neuron.feature',
  chart: '.chart-box', gradients: '#view-gradients', linear: '#view-linear', units: '#net', activations: '#view-units',
  point: '#view-point', output_maps: '#class-maps',
};

/**
 * @param {{catalog: any, store: any, send: (message: object) => boolean, change: (patch: object) => void,
 *   chart: any, panel: HTMLElement, viewsRoot: HTMLElement, toggle: HTMLButtonElement, net: HTMLElement,
 *   palette: () => any}} options
 */
export function createLessons({ catalog, store, send, change, chart, panel, viewsRoot, toggle, net, palette, onPoint = () => {} }) {
  const lessons = catalog.lessons;
  const byName = Object.fromEntries(lessons.map((l) => [l.name, l]));
  const views = createViews({ root: viewsRoot, catalog, net, palette, onChange: () => sendViews() });
  let point = null;
  let check = null;
  let open = false;

  // ---- the panel ----
  // The lesson menu: a list that folds open under the lesson's name (a <select> would cut long names).
  const pickerName = el('span', { className: 'lesson-name' });
  const menu = el('ol', { className: 'lesson-list' });
  const picker = el('details', { id: 'lesson-picker', className: 'lesson-picker' }, [tTip(el('summary', {}, [pickerName]), 'tip.lesson_pick'), menu]);
  const prev = tTip(tAttr(el('button', { type: 'button', id: 'lesson-prev', className: 'round-button', text: '‹' }), 'aria-label', 'lessons.prev'), 'tip.lesson_prev');
  const next = tTip(tAttr(el('button', { type: 'button', id: 'lesson-next', className: 'round-button', text: '›' }), 'aria-label', 'lessons.next'), 'tip.lesson_next');
  const close = tTip(tAttr(el('button', { type: 'button', id: 'lesson-close', className: 'toast-close', text: '×' }), 'aria-label', 'lessons.close'), 'tip.lesson_close');
  const counter = el('span', { id: 'lesson-counter', className: 'lesson-counter' });
  const pills = el('div', { className: 'lesson-steps', role: 'group' });
  tAttr(pills, 'aria-label', 'lessons.steps');
  const title = el('h2', { id: 'lesson-title', className: 'lesson-title' });
  const text = el('p', { id: 'lesson-text', className: 'lesson-text' });
  const verdict = el('p', { id: 'lesson-check', className: 'lesson-check', role: 'status', 'aria-live': 'polite' });
  panel.append(
    el('div', { className: 'lesson-top' }, [picker, close]),
    el('div', { className: 'lesson-head' }, [prev, pills, next, counter]),
    title, text, verdict,
  );

  function fillPicker() {
    menu.replaceChildren(...lessons.map((lesson, i) => {
      const item = el('button', { type: 'button', className: 'lesson-item', dataset: { name: lesson.name }, text: `${i + 1}. ${named('lesson', `${lesson.name}.title`)}` });
      item.addEventListener('click', () => { picker.open = false; go(lesson.name, 0); });
      return el('li', {}, [item]);
    }));
  }

  const current = () => store.get('lesson');
  const stepOf = (where) => byName[where.name].steps[where.step];

  function render() {
    const where = current();
    open = Boolean(where);
    panel.hidden = !open;
    document.body.classList.toggle('in-lesson', open);
    toggle.setAttribute('aria-expanded', String(open));
    highlight(null);
    if (!where) { views.show([]); return; }
    const lesson = byName[where.name];
    const step = stepOf(where);
    pickerName.textContent = `${lessons.indexOf(lesson) + 1}. ${named('lesson', `${where.name}.title`)}`;
    for (const item of menu.querySelectorAll('.lesson-item')) item.setAttribute('aria-current', String(item.dataset.name === where.name));
    pills.replaceChildren(...lesson.steps.map((s, k) => {
      const pill = el('button', { type: 'button', className: 'lesson-pill', text: String(k + 1), 'aria-pressed': String(k === where.step) });
      tAttr(pill, 'aria-label', 'lessons.step_n', { n: k + 1 });
      pill.addEventListener('click', () => go(where.name, k));
      return pill;
    }));
    tText(counter, 'lessons.counter', { n: where.step + 1, count: lesson.steps.length });
    prev.disabled = where.step === 0 && lessons.indexOf(lesson) === 0;
    next.disabled = where.step === lesson.steps.length - 1 && lessons.indexOf(lesson) === lessons.length - 1;
    title.textContent = named('lesson', `${where.name}.${step.name}.title`);
    text.textContent = named('lesson', `${where.name}.${step.name}.text`);
    showCheck();
    highlight(step.highlight);
  }

  function highlight(names) {
    for (const node of document.querySelectorAll('.lesson-highlight')) node.classList.remove('lesson-highlight');
    for (const name of names ?? []) {
      for (const node of document.querySelectorAll(TARGETS[name] ?? '')) node.classList.add('lesson-highlight');
    }
  }

  function showCheck() {
    const step = current() && stepOf(current());
    verdict.hidden = !step?.check;
    if (!step?.check) return;
    const where = current();
    const mine = check && check.lesson === where.name && check.step === where.step; // not a frame of the last step
    verdict.dataset.ok = String(mine ? check.ok ?? 'wait' : 'wait');
    // A check on one point's numbers waits for a click on the map, not for more training.
    const needsPoint = mine && !point && (step.views ?? []).includes('point');
    if (!mine || check.ok == null) { tText(verdict, needsPoint ? 'lessons.check_point' : 'lessons.check_wait'); return; }
    const values = Object.fromEntries(Object.entries(check.values).map(([k, v]) => [k, formatValue(v)]));
    verdict.textContent = `${check.ok ? '✓' : '…'} ${named('check', `${check.name}.${check.ok ? 'ok' : 'no'}`, check.name, values)}`;
  }

  // ---- moving between steps ----
  function go(name, step) { store.set({ lesson: { name, step } }); }
  function move(delta) {
    const where = current();
    if (!where) return;
    const index = lessons.findIndex((l) => l.name === where.name);
    const step = where.step + delta;
    if (step >= 0 && step < lessons[index].steps.length) go(where.name, step);
    else if (delta > 0 && index + 1 < lessons.length) go(lessons[index + 1].name, 0);
    else if (delta < 0 && index > 0) go(lessons[index - 1].name, lessons[index - 1].steps.length - 1);
  }

  /** The step's whole setup: the catalog's defaults, then the step's fields. */
  const configOf = (step) => ({ ...structuredClone(catalog.defaults), ...structuredClone(step.config) });

  let applied = null; // the step whose setup was last sent
  function apply(connected) {
    const where = current();
    const key = where ? `${where.name}/${where.step}` : null;
    if (key === applied) return;
    const before = applied;
    applied = key;
    check = null;
    point = null;
    if (!where) { views.show([]); sendViews(); render(); return; }
    const step = stepOf(where);
    const keep = Boolean(step.ghost && before?.startsWith(`${where.name}/`)); // the previous step's curves stay, faint
    chart.setGhost(keep ? chart.snapshot() : null);
    views.keepGhost(keep);
    chart.clear();
    views.show(step.views);
    if (connected) {
      change(configOf(step));
      send({ type: 'reset' });
    } else {
      store.set({ config: configOf(step) }); // sent with the hello's restore
    }
    sendViews();
    render();
  }

  function sendViews() {
    const where = current();
    const message = { type: 'views', views: views.shown() };
    if (where) Object.assign(message, { lesson: where.name, step: where.step });
    if (point) message.point = point;
    onPoint(views.shown().includes('point') ? point : null); // ringed on the map
    if (store.get('connected')) send(message);
  }

  prev.addEventListener('click', () => move(-1));
  next.addEventListener('click', () => move(1));
  close.addEventListener('click', () => store.set({ lesson: null }));
  toggle.addEventListener('click', () => store.set({ lesson: current() ? null : { name: lessons[0].name, step: 0 } }));
  store.subscribe(['lesson'], () => apply(store.get('connected')));

  document.addEventListener('keydown', (event) => {
    if (!current() || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const target = /** @type {HTMLElement} */ (event.target);
    if (target.closest('input, select, textarea, [contenteditable], #net')) return;
    const delta = { PageDown: 1, PageUp: -1, ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!delta) return;
    event.preventDefault();
    move(delta);
  });

  return {
    /** After the page's first render: open the step of the link, if any (sent after hello). */
    start() { fillPicker(); apply(false); render(); },
    /** A new connection: the views (and the step's check) again. */
    onHello() { sendViews(); },
    onFrame(frame) {
      const shown = frame.header.views;
      views.update(frame, shown);
      if (shown?.check) { check = shown.check; showCheck(); }
    },
    draw() { views.draw(); },
    /** A click on the map: the point view inspects it. @returns {boolean} taken */
    mapClick(x1, x2) {
      if (!views.shown().includes('point')) return false;
      point = [Math.round(x1 * 100) / 100, Math.round(x2 * 100) / 100];
      sendViews();
      return true;
    },
    relabel() { fillPicker(); render(); views.relabel(); },
    get open() { return open; },
  };
}
