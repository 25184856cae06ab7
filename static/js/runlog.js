// The run log: every run of this page's session, one row each (its setup in words, the epochs
// trained, the final train / test loss and accuracy), sortable, each reopenable as a link, and
// downloadable as CSV: the lab report a student hands in. A run starts at the page's start, at
// a reset or a branch (the epoch goes back), and when anything training depends on changes;
// a row that never trained is replaced by the next. Kept in sessionStorage, so a reload keeps it.

import { el } from './dom.js';
import { integer, named, t, tText } from './i18n.js';
import { tTip } from './tooltips.js';
import { writeHash } from './state.js';
import { download } from './runtools.js';
import { formatLoss } from './chart.js';

const SHOWN_ONLY = ['speed', 'grid', 'neuron_grid', 'frame_rate']; // change no training
const STORE_KEY = 'mlp-playground-runlog';
const MAX_ROWS = 500;
const COLUMNS = [
  ['number', 'runlog.number'], ['setup', 'runlog.setup'], ['epochs', 'runlog.epochs'],
  ['train_loss', 'runlog.train_loss'], ['test_loss', 'runlog.test_loss'],
  ['train_accuracy', 'runlog.train_accuracy'], ['test_accuracy', 'runlog.test_accuracy'],
];

/** A config without the fields that only change what is shown, as text (runs compare by it). */
function trainingKey(config) {
  const copy = { ...config };
  for (const name of SHOWN_ONLY) delete copy[name];
  return JSON.stringify(copy);
}

/** The setup in words: "Spiral · x1, x2 · 8 relu, 8 relu · Adam, rate 0.01 · batch 10". */
export function describeSetup(config, catalog) {
  const dataset = catalog.datasets.find((d) => d.name === config.dataset);
  const optimizer = catalog.optimizers.find((o) => o.name === config.optimizer);
  const layers = config.layers.length
    ? config.layers.map((l) => `${l.units} ${l.activation}${l.dropout ? ` (${t('runlog.dropout', { rate: l.dropout })})` : ''}`).join(', ')
    : t('runlog.no_hidden');
  const parts = [
    named('dataset', config.dataset, dataset?.title ?? config.dataset),
    config.features.join(', '),
    layers,
    t('runlog.training', { optimizer: named('optimizer', config.optimizer, optimizer?.title), rate: config.learning_rate, batch: config.batch_size }),
  ];
  if (config.regularization !== 'none') parts.push(`${config.regularization.toUpperCase()} ${config.regularization_rate}`);
  if (config.task === 'regression') parts.push(named('loss', config.loss));
  return parts.join(' · ');
}

/**
 * @param {{panel: HTMLElement, root: HTMLElement, button: HTMLButtonElement, close: HTMLButtonElement,
 *   catalog: any, lang: () => string}} parts  panel: the dialog; root: its body
 */
export function createRunLog({ panel, root, button, close, catalog, lang }) {
  let rows = [];
  try { rows = JSON.parse(sessionStorage.getItem(STORE_KEY) ?? '[]'); } catch { rows = []; }
  let sortKey = 'number';
  let ascending = true;
  let current = null; // the row being trained
  let dirty = true;

  const table = el('table', { className: 'runlog-table', id: 'runlog-table' });
  const csv = tTip(tText(el('button', { type: 'button', className: 'text-button', id: 'runlog-csv' }), 'runlog.download'), 'tip.runlog_csv');
  const clear = tTip(tText(el('button', { type: 'button', className: 'text-button', id: 'runlog-clear' }), 'runlog.clear'), 'tip.runlog_clear');
  const empty = tText(el('p', { className: 'hint', id: 'runlog-empty' }), 'runlog.empty');
  root.append(el('div', { className: 'runlog-actions' }, [csv, clear]), empty, el('div', { className: 'runlog-scroll' }, [table]));

  function save() {
    try { sessionStorage.setItem(STORE_KEY, JSON.stringify(rows.slice(-MAX_ROWS))); } catch { /* full or off: the log stays in memory */ }
  }

  /** Every live frame: the current run's figures, or a new run when it starts. */
  function onFrame(header, config) {
    if (header.live_epoch != null) return; // a past epoch shown: not a run's figures
    const key = trainingKey(config);
    const restarted = current && header.epoch < current.end;
    if (!current || restarted || current.key !== key) {
      if (current && current.epochs === 0) rows = rows.filter((row) => row !== current);
      current = {
        number: (rows.length ? Math.max(...rows.map((r) => r.number)) : 0) + 1,
        key, config, start: header.epoch, end: header.epoch, epochs: 0,
        train_loss: null, test_loss: null, train_accuracy: null, test_accuracy: null,
      };
      rows.push(current);
    }
    Object.assign(current, {
      end: header.epoch, epochs: header.epoch - current.start,
      train_loss: header.train_loss, test_loss: header.test_loss,
      train_accuracy: header.train_accuracy, test_accuracy: header.test_accuracy,
    });
    dirty = true;
    if (!panel.hidden) render();
  }

  const linkOf = (row) => `${location.origin}${location.pathname}${writeHash(row.config, { lang: lang() })}`;
  const percent = (v) => (v == null ? '–' : `${(v * 100).toFixed(1)}%`);

  function sorted() {
    const value = (row) => (sortKey === 'setup' ? describeSetup(row.config, catalog) : row[sortKey] ?? Infinity);
    return [...rows].sort((a, b) => {
      const [x, y] = [value(a), value(b)];
      const order = typeof x === 'string' ? x.localeCompare(y) : x - y;
      return ascending ? order : -order;
    });
  }

  function render() {
    if (!dirty) return;
    dirty = false;
    save();
    empty.hidden = rows.length > 0;
    const head = el('tr', {}, COLUMNS.map(([key, label]) => {
      const sort = tTip(tText(el('button', { type: 'button', className: 'sort', dataset: { key } }), label), 'tip.runlog_sort');
      if (key === sortKey) sort.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      sort.addEventListener('click', () => {
        ascending = key === sortKey ? !ascending : true;
        sortKey = key;
        dirty = true;
        render();
      });
      return el('th', { scope: 'col' }, [sort]);
    }).concat(tText(el('th', { scope: 'col' }), 'runlog.link')));
    const body = sorted().map((row) => el('tr', { className: row === current ? 'current' : '' }, [
      el('td', { text: String(row.number) }),
      el('td', { text: describeSetup(row.config, catalog), className: 'setup' }),
      el('td', { text: integer(row.epochs) }),
      el('td', { text: formatLoss(row.train_loss) }),
      el('td', { text: formatLoss(row.test_loss) }),
      el('td', { text: percent(row.train_accuracy) }),
      el('td', { text: percent(row.test_accuracy) }),
      el('td', {}, [tTip(tText(el('a', { href: linkOf(row), className: 'reopen' }), 'runlog.reopen'), 'tip.runlog_reopen')]),
    ]));
    table.replaceChildren(el('thead', {}, [head]), el('tbody', {}, body));
  }

  /** The table as CSV (RFC 4180 quoting), headers in the page's language. */
  function toCsv() {
    const quote = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
    const header = [...COLUMNS.map(([, label]) => t(label)), t('runlog.link')];
    const lines = sorted().map((row) => [
      row.number, describeSetup(row.config, catalog), row.epochs,
      row.train_loss ?? '', row.test_loss ?? '', row.train_accuracy ?? '', row.test_accuracy ?? '', linkOf(row),
    ]);
    return [header, ...lines].map((line) => line.map(quote).join(',')).join('\r\n') + '\r\n';
  }

  function open() { panel.hidden = false; button.setAttribute('aria-expanded', 'true'); dirty = true; render(); close.focus(); }
  function hide() {
    if (panel.hidden) return;
    panel.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (panel.contains(document.activeElement)) button.focus();
  }
  button.addEventListener('click', () => (panel.hidden ? open() : hide()));
  close.addEventListener('click', hide);
  csv.addEventListener('click', () => download('mlp_runs.csv', toCsv(), 'text/csv'));
  clear.addEventListener('click', () => { rows = current ? [current] : []; dirty = true; render(); });

  return { onFrame, open, close: hide, toCsv, relabel: () => { dirty = true; if (!panel.hidden) render(); }, get rows() { return rows; } };
}
