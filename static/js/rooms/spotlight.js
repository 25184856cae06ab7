// The spotlight: one student's whole session large and live on the teacher's screens (the
// projector): their decision map with their points, their network (neuron maps, weights) and
// their loss chart, drawn from the frames the server forwards (source 2) and the student's
// config, data and status it wraps in `spotlight_message`; "Adopt" and "Stop" beside it. It
// only shows: the student's session is theirs to change, the teacher's own view stays its own.

import { el } from '../dom.js';
import { t, tText } from '../i18n.js';
import { tTip } from '../tooltips.js';
import { createFrameKeeper } from '../frames.js';
import { createNetwork } from '../network.js';
import { createLossChart } from '../chart.js';
import { createCompareMap } from '../compare/map.js';
import { percent, score } from './room.js';

const noop = () => {};
/** The network widget's neuron panel, for a picture nobody edits. */
const NO_PANEL = { anchor: null, open: noop, close: noop, refresh: noop };

/**
 * @param {HTMLElement} root
 * @param {{store: any, catalog: any, room: ReturnType<import('./room.js').createRoom>, palette: () => any}} options
 */
export function createSpotlight(root, { store, catalog, room, palette }) {
  const title = el('h2', { id: 'spotlight-title', className: 'spotlight-title' });
  const stats = el('p', { id: 'spotlight-stats', className: 'spotlight-stats' });
  const size = el('p', { className: 'spotlight-size' });
  const grid = el('canvas', { id: 'spotlight-map', className: 'map-grid', role: 'img' });
  const overlay = el('canvas', { id: 'spotlight-points', className: 'map-overlay', 'aria-hidden': 'true' });
  const waiting = tText(el('p', { className: 'room-empty', id: 'spotlight-waiting' }), 'spotlight.waiting');
  const adopt = tTip(tText(el('button', { type: 'button', id: 'spotlight-adopt', className: 'wide-button room-action' }), 'gallery.adopt'), 'tip.gallery_adopt');
  const stop = tTip(tText(el('button', { type: 'button', id: 'spotlight-stop', className: 'wide-button' }), 'spotlight.stop'), 'tip.spotlight_stop');
  const netBox = el('div', { id: 'spotlight-net', className: 'net spotlight-net' });
  const chartCanvas = el('canvas', { id: 'spotlight-chart', role: 'img' });
  const chartTip = el('div', { className: 'tip', hidden: true });
  const legend = el('div', { className: 'chart-foot' }, [
    el('span', { className: 'legend-item' }, [el('span', { className: 'swatch-line train' }), tText(el('span'), 'chart.train')]),
    el('span', { className: 'legend-item' }, [el('span', { className: 'swatch-line test' }), tText(el('span'), 'chart.test')]),
    tText(el('span', { className: 'spotlight-x' }), 'chart.x_title'), // not the page's own chart's
  ]);
  root.append(
    el('div', { className: 'spotlight-side' }, [tText(el('p', { className: 'room-code-label' }), 'spotlight.heading'), title, stats, size, waiting, adopt, stop]),
    el('div', { className: 'spotlight-box' }, [el('div', { className: 'map-frame spotlight-frame' }, [grid, overlay])]),
    el('div', { className: 'spotlight-session' }, [
      tText(el('h3', { className: 'spotlight-part' }), 'spotlight.network'), netBox,
      tText(el('h3', { className: 'spotlight-part' }), 'spotlight.chart'),
      el('div', { className: 'chart-box spotlight-chart' }, [chartCanvas, chartTip, legend]),
    ]),
  );
  netBox.inert = true; // a picture: the student's weights are theirs to change
  const map = createCompareMap(grid, overlay, palette, { pointScale: 1.3 }); // read from the back
  const network = createNetwork(netBox, {
    catalog, palette, onChange: noop, onSetWeight: noop, onSetBias: noop, editor: noop, panel: NO_PANEL,
    hovercard: { root: el('div', { hidden: true }), canvas: el('canvas'), text: el('p'), note: el('p') },
    tooltip: el('div', { hidden: true }),
  });
  const chart = createLossChart(chartCanvas, chartTip, palette);
  let frames = createFrameKeeper();
  adopt.addEventListener('click', () => { const id = store.get('room')?.spotlight?.student_id; if (id) room.adopt(id); });
  stop.addEventListener('click', () => room.spotlight(null));

  let shownId = null; // the student whose session is drawn
  let config = null; // their config, data (from spotlight_message)
  let data = null;
  let pending = false;
  const schedule = () => { if (!pending) { pending = true; window.requestAnimationFrame(draw); } };

  /** A spotlighted student's frame: kept (the newest), drawn on the next animation frame. */
  function onFrame(frame) {
    if (!shownId) return;
    frames.keep(frame);
    const { header } = frame;
    if (header.live_epoch == null) chart.add(header.epoch, header.train_loss, header.test_loss);
    schedule();
  }

  /** The spotlighted student's config, data or status (`spotlight_message`). */
  function onMessage(message) {
    if (message.student_id !== shownId) return;
    const inner = message.message;
    if (inner.type === 'config') config = inner.config;
    if (inner.type === 'data') { data = inner; map.setData(inner); netBox.dataset.points = String(inner.train.length); }
    if (inner.type === 'status' && inner.reason === 'reset') chart.clear();
    showConfig();
    frames.redraw();
    schedule();
  }

  /** The outputs the diagram shows: the frame's last layer, else the data's classes. */
  function outputs() {
    const header = frames.header;
    if (header && header.task === config.task) return header.sizes[header.sizes.length - 1];
    if (config.task !== 'multiclass') return 1;
    return data?.classes ?? config.classes;
  }

  function showConfig(force = false) {
    if (!config) return;
    network.setConfig(config, outputs(), { oneD: Boolean(data?.one_d), locked: true }, force);
    netBox.dataset.layers = String(config.layers.length);
  }

  function draw() {
    pending = false;
    if (root.hidden) return;
    const frame = frames.takeFresh();
    if (frame) {
      const { header } = frame;
      waiting.hidden = true;
      tText(stats, 'spotlight.stats', { epoch: header.epoch, loss: score(header.test_loss), accuracy: percent(header.test_accuracy) });
      tText(size, 'spotlight.size', { layers: header.sizes.join('–') });
      map.drawFrame(frame);
      if (config) { showConfig(); network.drawFrame(frame); }
    }
    map.drawPoints();
    network.drawLinks();
    chart.draw();
    chartCanvas.dataset.points = String(chart.size);
  }

  function render() {
    const info = store.get('room');
    const spot = info?.role === 'teacher' ? info.spotlight : null;
    const same = !root.hidden && spot?.student_id === shownId;
    shownId = spot?.student_id ?? null;
    root.hidden = !spot;
    document.body.classList.toggle('spotlighting', Boolean(spot));
    if (!spot) return;
    title.textContent = spot.name;
    grid.setAttribute('aria-label', t('spotlight.map_label', { name: spot.name }));
    chartCanvas.setAttribute('aria-label', t('spotlight.chart_label', { name: spot.name }));
    if (!same) { // another student (or the first): nothing of the last one stays
      config = null;
      data = null;
      frames = createFrameKeeper();
      map.setData({ train: [], test: [], domain: catalog.domain, task: 'binary' });
      chart.clear();
      waiting.hidden = false;
      stats.textContent = '';
      size.textContent = '';
    }
    showConfig(true); // the language or the colours may have changed
    network.layout();
    map.invalidate();
    chart.invalidate();
    frames.redraw();
    schedule();
  }
  new ResizeObserver(() => { map.invalidate(); chart.invalidate(); frames.redraw(); schedule(); }).observe(root);
  store.subscribe(['room', 'lang', 'present'], render);
  render();
  return { onFrame, onMessage };
}
