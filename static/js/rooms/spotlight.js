// The spotlight: one student's session large and live on the teacher's screens (the projector),
// drawn from the frames the server forwards (source 2); "Adopt" and "Stop" beside it.

import { el } from '../dom.js';
import { t, tText } from '../i18n.js';
import { tTip } from '../tooltips.js';
import { createMapView } from './thumb.js';
import { percent, score } from './room.js';

/**
 * @param {HTMLElement} root
 * @param {{store: any, room: ReturnType<import('./room.js').createRoom>, palette: () => any}} options
 */
export function createSpotlight(root, { store, room, palette }) {
  const title = el('h2', { id: 'spotlight-title', className: 'spotlight-title' });
  const stats = el('p', { id: 'spotlight-stats', className: 'spotlight-stats' });
  const size = el('p', { className: 'spotlight-size' });
  const canvas = el('canvas', { id: 'spotlight-map', className: 'spotlight-map', role: 'img' });
  const waiting = tText(el('p', { className: 'room-empty', id: 'spotlight-waiting' }), 'spotlight.waiting');
  const adopt = tTip(tText(el('button', { type: 'button', id: 'spotlight-adopt', className: 'wide-button room-action' }), 'gallery.adopt'), 'tip.gallery_adopt');
  const stop = tTip(tText(el('button', { type: 'button', id: 'spotlight-stop', className: 'wide-button' }), 'spotlight.stop'), 'tip.spotlight_stop');
  root.append(
    el('div', { className: 'spotlight-side' }, [tText(el('p', { className: 'room-code-label' }), 'spotlight.heading'), title, stats, size, waiting, adopt, stop]),
    el('div', { className: 'spotlight-box' }, [canvas]),
  );
  const map = createMapView(canvas, { smooth: true });
  adopt.addEventListener('click', () => { const id = store.get('room')?.spotlight?.student_id; if (id) room.adopt(id); });
  stop.addEventListener('click', () => room.spotlight(null));

  let newest = null;
  let pending = false;
  let shownId = null; // the student whose frames are drawn
  /** A spotlighted student's frame: kept, drawn on the next animation frame. */
  function onFrame(frame) {
    newest = frame;
    if (!pending) { pending = true; window.requestAnimationFrame(draw); }
  }
  function draw() {
    pending = false;
    if (!newest || root.hidden) return;
    const { header, arrays } = newest;
    waiting.hidden = true;
    tText(stats, 'spotlight.stats', { epoch: header.epoch, loss: score(header.test_loss), accuracy: percent(header.test_accuracy) });
    tText(size, 'spotlight.size', { layers: header.sizes.join('–') });
    const output = arrays.get('output');
    if (output) map.draw(header.task, output, palette());
  }

  function render() {
    const info = store.get('room');
    const spot = info?.role === 'teacher' ? info.spotlight : null;
    const was = !root.hidden && spot?.student_id === shownId;
    shownId = spot?.student_id ?? null;
    root.hidden = !spot;
    document.body.classList.toggle('spotlighting', Boolean(spot));
    if (!spot) { newest = null; return; }
    title.textContent = spot.name;
    canvas.setAttribute('aria-label', t('spotlight.map_label', { name: spot.name }));
    if (!was) { newest = null; waiting.hidden = false; stats.textContent = ''; size.textContent = ''; }
  }
  store.subscribe(['room', 'lang'], render);
  render();
  return { onFrame };
}
