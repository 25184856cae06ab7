// The gallery: a live wall of every student's decision map (about one update a second each)
// with name, epoch, test loss and accuracy, network size; sorted by test loss (or name); a
// tile's map spotlights that student, its "Adopt" copies their network into the teacher's.

import { el } from '../dom.js';
import { t, tText } from '../i18n.js';
import { tTip } from '../tooltips.js';
import { createMapView, thumbnailGrid } from './thumb.js';
import { percent, score } from './room.js';

const SORTS = { test_loss: (a, b) => (a.test_loss ?? Infinity) - (b.test_loss ?? Infinity) || a.name.localeCompare(b.name), name: (a, b) => a.name.localeCompare(b.name) };

/**
 * @param {HTMLElement} root
 * @param {{store: any, room: ReturnType<import('./room.js').createRoom>, palette: () => any}} options
 */
export function createGallery(root, { store, room, palette }) {
  const sort = tTip(el('select', { id: 'gallery-sort' }, [
    el('option', { value: 'test_loss', text: t('gallery.sort_loss'), 'data-i18n': 'gallery.sort_loss' }),
    el('option', { value: 'name', text: t('gallery.sort_name'), 'data-i18n': 'gallery.sort_name' }),
  ]), 'tip.gallery_sort');
  const empty = tText(el('p', { className: 'room-empty', id: 'gallery-empty' }), 'gallery.empty');
  const wall = el('ol', { id: 'gallery-wall', className: 'gallery-wall' });
  root.append(
    el('div', { className: 'gallery-head' }, [tText(el('p', { className: 'hint-text' }), 'gallery.hint'), el('label', { for: sort.id, className: 'room-field inline' }, [tText(el('span'), 'gallery.sort'), sort])]),
    empty, wall,
  );
  sort.addEventListener('change', order);

  /** @type {Map<string, {entry: any, node: HTMLElement, map: ReturnType<typeof createMapView>, parts: any}>} */
  const tiles = new Map();

  function tile(entry) {
    const canvas = el('canvas', { className: 'gallery-map', width: 32, height: 32 }); // cell-sized: drawn while hidden too
    const name = el('span', { className: 'name' });
    const epoch = el('span', { className: 'gallery-epoch' });
    const stats = el('span', { className: 'gallery-stats' });
    const size = el('span', { className: 'gallery-size' });
    const show = el('button', { type: 'button', className: 'gallery-show' }, [canvas, name]);
    tTip(show, 'tip.gallery_spotlight');
    const adopt = tTip(tText(el('button', { type: 'button', className: 'text-button gallery-adopt' }), 'gallery.adopt'), 'tip.gallery_adopt');
    const node = el('li', { className: 'gallery-tile', dataset: { studentId: entry.student_id } }, [
      show, stats, el('span', { className: 'gallery-foot' }, [el('span', {}, [epoch, size]), adopt]),
    ]);
    show.addEventListener('click', () => {
      const spotlit = store.get('room')?.spotlight?.student_id === entry.student_id;
      room.spotlight(spotlit ? null : entry.student_id);
    });
    adopt.addEventListener('click', () => room.adopt(entry.student_id));
    return { node, map: createMapView(canvas), parts: { name, epoch, stats, size, show } };
  }

  function fill(item) {
    const { entry, parts } = item;
    parts.name.textContent = entry.name;
    tText(parts.epoch, 'gallery.epoch', { epoch: entry.epoch });
    tText(parts.stats, entry.test_accuracy == null ? 'gallery.stats_loss' : 'gallery.stats', { loss: score(entry.test_loss), accuracy: percent(entry.test_accuracy) });
    tText(parts.size, 'gallery.size', { layers: entry.layers.join('–') || '0', count: entry.parameters });
    parts.show.setAttribute('aria-label', t('gallery.tile_label', { name: entry.name }));
    if (entry.thumbnail) item.map.draw(entry.thumbnail.task, thumbnailGrid(entry.thumbnail), palette());
  }

  /** A `gallery` message: the whole wall (full) or the tiles of some students. */
  function update(message) {
    if (message.full) {
      for (const [id, item] of tiles) if (!message.entries.some((e) => e.student_id === id)) { item.node.remove(); tiles.delete(id); }
    }
    for (const entry of message.entries) {
      let item = tiles.get(entry.student_id);
      if (!item) { item = { ...tile(entry), entry }; tiles.set(entry.student_id, item); wall.append(item.node); }
      item.entry = entry;
      fill(item);
    }
    order();
  }

  function order() {
    const items = [...tiles.values()].sort((a, b) => SORTS[sort.value](a.entry, b.entry));
    const spotlit = store.get('room')?.spotlight?.student_id;
    items.forEach((item, i) => {
      if (wall.children[i] !== item.node) wall.insertBefore(item.node, wall.children[i] ?? null);
      item.node.classList.toggle('spotlit', item.entry.student_id === spotlit);
      item.parts.show.setAttribute('aria-pressed', String(item.entry.student_id === spotlit));
    });
    empty.hidden = tiles.size > 0;
  }

  function clear() { tiles.clear(); wall.replaceChildren(); order(); }
  store.subscribe(['room'], () => { if (!store.get('room')) clear(); else order(); });
  store.subscribe(['lang'], () => { for (const item of tiles.values()) fill(item); });
  order();
  return { update, get size() { return tiles.size; } };
}
