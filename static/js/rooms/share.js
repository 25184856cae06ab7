// The join tab: the class code big enough for the back row, the join link and its QR code, the
// server's LAN addresses, or (on 127.0.0.1 only) the command that serves the class on the
// network; the teacher's own link (laptop, projector), to keep.

import { el } from '../dom.js';
import { t, tText } from '../i18n.js';
import { tTip } from '../tooltips.js';
import { projectorLink } from './link.js';

/** The server's QR SVG as a node: parsed as SVG (never as HTML), scripts refused. */
function svgNode(text) {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const svg = doc.documentElement;
  if (svg.nodeName !== 'svg' || svg.querySelector('script, foreignObject')) return el('span');
  return document.importNode(svg, true);
}

/**
 * @param {HTMLElement} root
 * @param {{store: any, room: ReturnType<import('./room.js').createRoom>, toasts: {show: Function}}} options
 */
export function createSharePanel(root, { store, room, toasts }) {
  const code = el('p', { id: 'room-code', className: 'room-code' });
  const codeLabel = tText(el('p', { className: 'room-code-label' }), 'room.code_heading');
  const qr = el('figure', { id: 'room-qr', className: 'room-qr' });
  const link = el('p', { id: 'room-join-link', className: 'room-join-link' });
  const urls = el('ul', { id: 'room-urls', className: 'room-urls' });
  const local = el('div', { id: 'room-local', className: 'room-local', role: 'note' }, [
    tText(el('p'), 'room.local_only'),
    el('code', { id: 'room-command', className: 'room-command' }),
    tText(el('p', { className: 'hint-text' }), 'room.local_then'),
  ]);
  const copy = (id, key, tip, text) => {
    const button = tTip(tText(el('button', { type: 'button', id, className: 'text-button' }), key), tip);
    button.addEventListener('click', async () => {
      const value = text();
      if (!value) return;
      try { await navigator.clipboard.writeText(value); toasts.show(t('room.copied'), 'info'); } catch { window.prompt(t('link.prompt'), value); }
    });
    return button;
  };
  const teacherBox = el('div', { className: 'room-teacher-link' }, [
    tText(el('h3'), 'room.teacher_link_heading'),
    tText(el('p', { className: 'hint-text' }), 'room.teacher_link_hint'),
    el('div', { className: 'room-copy-row' }, [
      copy('room-copy-teacher', 'room.copy_teacher', 'tip.room_copy_teacher', () => room.teacherLink()),
      copy('room-copy-projector', 'room.copy_projector', 'tip.room_copy_projector', () => { const l = room.teacherLink(); return l && projectorLink(l); }),
    ]),
  ]);
  const how = tText(el('p', { className: 'room-join-how' }), 'room.join_how');
  const copyJoin = el('div', { className: 'room-copy-row' }, [copy('room-copy-join', 'room.copy_join', 'tip.room_copy_join', () => store.get('room')?.share.join_link)]);
  const joinBox = el('div', { className: 'room-join-box' }, [codeLabel, code, how, link, urls, local, copyJoin]);
  const box = el('div', { className: 'room-share' }, [joinBox, qr]);
  root.append(box, teacherBox);

  let shownSvg = null;
  function render() {
    const info = store.get('room');
    if (!info || info.role !== 'teacher') return;
    const { share } = info;
    code.textContent = info.code;
    link.textContent = share.join_link;
    for (const node of [how, link, copyJoin]) node.hidden = !share.on_network; // no link nobody can open
    box.classList.toggle('local', !share.on_network);
    const others = share.urls.filter((url) => !share.join_link.startsWith(url)); // the link names one already
    urls.replaceChildren(...others.map((url) => el('li', { text: url })));
    urls.hidden = !share.on_network || !others.length;
    local.hidden = share.on_network;
    root.querySelector('#room-command').textContent = share.command ?? '';
    qr.hidden = !share.on_network;
    if (share.qr_svg !== shownSvg) {
      shownSvg = share.qr_svg;
      const svg = svgNode(share.qr_svg);
      svg.setAttribute('role', 'img');
      svg.setAttribute('aria-label', t('room.qr_label'));
      qr.replaceChildren(svg);
    }
    teacherBox.hidden = !room.teacherLink();
  }
  store.subscribe(['room', 'lang'], render);
  render();
}
