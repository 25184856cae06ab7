// One point's numbers, as in the lecture's worked examples: click a point on the map and read
// its logits z, the probabilities (softmax, or the sigmoid) and the loss on its label,
// −ln p(label); for two classes, softmax([0, z]) beside sigmoid(z): the same number.

import { el } from '../dom.js';
import { t, tText } from '../i18n.js';
import { formatValue } from './format.js';

const list = (values) => `[${values.map((v) => formatValue(v)).join(', ')}]`;

export function createPointView() {
  const heading = tText(el('h3', { className: 'view-title' }), 'views.point_title');
  const lines = el('div', { className: 'point-lines' });
  const root = el('figure', { id: 'view-point', className: 'view point-view' }, [heading, lines]);
  let last = null;

  function render() {
    const p = last;
    if (!p) { lines.replaceChildren(tText(el('p', { className: 'view-note' }), 'views.point_hint')); return; }
    const rows = [t('views.point_at', { x1: formatValue(p.x1), x2: formatValue(p.x2), label: p.label == null ? '–' : Array.isArray(p.label) ? list(p.label) : formatValue(p.label) })];
    rows.push(t('views.point_logits', { z: list(p.logits) }));
    if (p.softmax_pair) {
      rows.push(t('views.point_sigmoid', { p: formatValue(p.outputs[0]) }));
      rows.push(t('views.point_softmax_pair', { z: formatValue(p.logits[0]), p: list(p.softmax_pair) }));
    } else if (p.logits.length > 1 && p.outputs.every((v) => v >= 0 && v <= 1) && Math.abs(p.outputs.reduce((a, b) => a + b, 0) - 1) < 1e-6) {
      rows.push(t('views.point_softmax', { p: list(p.outputs) }));
    } else {
      rows.push(t('views.point_values', { y: list(p.outputs) }));
    }
    if (p.loss != null) rows.push(t('views.point_loss', { loss: formatValue(p.loss) }));
    lines.replaceChildren(...rows.map((text) => el('p', { className: 'point-line', text })));
  }
  render();

  return {
    root,
    update(frame, view) { if (view) { last = view; render(); } },
    clear() { last = null; render(); },
    relabel: render,
  };
}
