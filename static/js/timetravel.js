// Time travel: the scrubber under the loss chart. Dragging asks the server for the run as it
// was at that epoch (`travel`; the nearest kept snapshot at or before it, one request in flight
// at a time); "Continue from here" branches the run there (`branch`), "Back to now" returns to
// the present. The server says which epochs it kept and where the run diverged or branched
// (`history`); the chart marks them.

import { el } from './dom.js';
import { integer, tText } from './i18n.js';
import { tTip } from './tooltips.js';

/**
 * @param {HTMLElement} root
 * @param {{send: (message: object) => boolean, chart: {setCursor: (epoch: number|null) => void,
 *   setMarkers: (markers: any[]) => void, branch: (epoch: number) => void}}} options
 */
export function createTimeTravel(root, { send, chart }) {
  const slider = tTip(el('input', { type: 'range', id: 'scrubber', min: '0', max: '0', step: '1', value: '0' }), 'tip.scrubber');
  const label = el('label', { for: 'scrubber', className: 'scrubber-label', id: 'scrubber-label' });
  const note = el('span', { className: 'scrubber-note', id: 'scrubber-note' });
  const branch = tTip(tText(el('button', { type: 'button', id: 'branch', className: 'text-button small' }), 'travel.branch'), 'tip.branch');
  const back = tTip(tText(el('button', { type: 'button', id: 'travel-back', className: 'text-button small' }), 'travel.back'), 'tip.travel_back');
  const actions = el('div', { className: 'scrubber-row' }, [note, branch, back]);
  root.append(el('div', { className: 'scrubber-row' }, [label, slider]), actions);

  let live = 0; // the run's epoch now
  let kept = []; // the epochs the server can show
  let viewing = null; // the epoch shown (null: the present)
  let wanted = null; // the epoch asked for while a request is in flight
  let inFlight = false;

  function render() {
    slider.max = String(Math.max(live, 0));
    if (viewing == null && document.activeElement !== slider) slider.value = String(live);
    const showing = viewing != null;
    root.classList.toggle('viewing', showing);
    actions.hidden = !showing; // the buttons only while a past epoch is shown
    if (showing) tText(label, 'travel.viewing', { epoch: integer(viewing), live: integer(live) });
    else tText(label, 'travel.now', { epoch: integer(live) });
    tText(note, 'travel.kept', { count: kept.length });
    chart.setCursor(viewing);
  }

  function ask(epoch) {
    if (inFlight) { wanted = epoch; return; }
    inFlight = true;
    wanted = null;
    send({ type: 'travel', epoch });
  }

  slider.addEventListener('input', () => {
    const epoch = Number(slider.value);
    ask(epoch >= live ? null : epoch);
  });
  branch.addEventListener('click', () => send({ type: 'branch' }));
  back.addEventListener('click', () => ask(null));

  /** A `history` message: what can be shown, and what is. */
  function onHistory(message) {
    inFlight = false;
    kept = message.epochs;
    viewing = message.viewing;
    live = message.epoch;
    chart.setMarkers(message.markers);
    if (viewing != null) slider.value = String(viewing);
    render();
    if (wanted !== null) ask(wanted);
  }

  /** Every frame: the live epoch moves on (a frame of a past epoch says where the run is). */
  function onFrame(header) {
    const now = header.live_epoch ?? header.epoch;
    if (header.live_epoch == null && viewing != null && !inFlight) viewing = null; // another command brought the present back
    if (now !== live || header.live_epoch == null) { live = now; render(); }
  }

  /** A `branch` status: the chart keeps the curve up to there and marks the branch. */
  function onBranched(epoch) {
    chart.branch(epoch);
    viewing = null;
    live = epoch;
    render();
  }

  /** A travel refused (no snapshot that early): the next drag may ask again. */
  function refused() { inFlight = false; wanted = null; }

  render();
  return { onHistory, onFrame, onBranched, refused, get viewing() { return viewing; } };
}
