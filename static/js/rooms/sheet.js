// The teacher's room sheet over the page: tabs (join, setup, gallery, challenge), each a
// module's panel; Esc or the close button goes back to the playground.

import { el } from '../dom.js';
import { tText } from '../i18n.js';
import { tTip } from '../tooltips.js';

/**
 * @param {HTMLElement} root
 * @param {{tabs: {name: string, key: string, tip: string, panel: HTMLElement}[], badge: HTMLElement}} options
 *   badge: beside the tabs (the class code, on every tab)
 */
export function createRoomSheet(root, { tabs, badge }) {
  const list = el('div', { className: 'room-tabs', role: 'tablist' });
  const close = tTip(tText(el('button', { type: 'button', id: 'room-sheet-close', className: 'text-button room-close' }), 'room.close_sheet'), 'tip.room_close_sheet');
  const buttons = new Map();
  for (const tab of tabs) {
    const button = tTip(tText(el('button', { type: 'button', role: 'tab', id: `room-tab-${tab.name}`, className: 'room-tab', 'aria-controls': `room-panel-${tab.name}` }), tab.key), tab.tip);
    button.addEventListener('click', () => open(tab.name));
    buttons.set(tab.name, button);
    list.append(button);
    tab.panel.id = `room-panel-${tab.name}`;
    tab.panel.setAttribute('role', 'tabpanel');
    tab.panel.setAttribute('aria-labelledby', button.id);
    tab.panel.classList.add('room-panel');
  }
  root.append(el('div', { className: 'room-sheet-head' }, [list, badge, close]), ...tabs.map((tab) => tab.panel));
  close.addEventListener('click', () => hide());

  let current = null;
  function open(name) {
    current = name;
    root.hidden = false;
    for (const tab of tabs) {
      tab.panel.hidden = tab.name !== name;
      buttons.get(tab.name).setAttribute('aria-selected', String(tab.name === name));
    }
    document.body.classList.add('room-sheet-open');
  }
  function hide() {
    root.hidden = true;
    current = null;
    document.body.classList.remove('room-sheet-open');
  }
  hide();
  return { open, hide, get current() { return current; } };
}
