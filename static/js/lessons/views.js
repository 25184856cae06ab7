// The optional views under the diagram: gradient norms, the linear map, the activation table
// with unit health, dropout, one point's numbers. A lesson step shows the ones it needs; the
// switches beside them show or hide any view, in a lesson or not. Only the views shown are
// asked from the server (the `views` message), so hidden ones cost nothing.

import { el } from '../dom.js';
import { tAttr, tText } from '../i18n.js';
import { tTip } from '../tooltips.js';
import { createGradientChart } from './gradient-chart.js';
import { createLinearTable } from './linear-table.js';
import { createActivationTable } from './activation-table.js';
import { createDropoutView } from './dropout-view.js';
import { createPointView } from './point-view.js';

/**
 * @param {{root: HTMLElement, catalog: any, net: HTMLElement, palette: () => any, onChange: () => void}} options
 */
export function createViews({ root, catalog, net, palette, onChange }) {
  const widgets = {
    gradients: createGradientChart(palette),
    linear: createLinearTable(catalog),
    units: createActivationTable(catalog, net, palette),
    dropout: createDropoutView(net, palette),
    point: createPointView(),
  };
  const labels = {
    gradients: 'views.gradients', linear: 'views.linear', units: 'views.units', dropout: 'views.dropout', point: 'views.point',
  };
  const tips = {
    gradients: 'tip.view_gradients', linear: 'tip.view_linear', units: 'tip.view_units', dropout: 'tip.view_dropout', point: 'tip.view_point',
  };
  let shown = [];
  const switches = catalog.views.map((name) => {
    const input = el('input', { type: 'checkbox', id: `view-switch-${name}`, value: name });
    tTip(input, tips[name]);
    input.addEventListener('change', () => {
      show(input.checked ? [...shown, name] : shown.filter((v) => v !== name));
      onChange();
    });
    return { name, input, label: el('label', { for: input.id }, [input, tText(el('span'), labels[name])]) };
  });
  const bar = el('div', { className: 'view-switches', role: 'group' }, switches.map((s) => s.label));
  tAttr(bar, 'aria-label', 'views.group');
  const box = el('div', { className: 'view-widgets' }, catalog.views.map((name) => widgets[name].root));
  root.append(bar, box);

  function show(names) {
    shown = catalog.views.filter((name) => names.includes(name));
    for (const s of switches) s.input.checked = shown.includes(s.name);
    for (const name of catalog.views) {
      widgets[name].root.hidden = !shown.includes(name);
      if (!shown.includes(name)) widgets[name].clear?.();
    }
    box.hidden = shown.length === 0;
    root.dataset.count = String(shown.length);
  }

  return {
    show,
    shown: () => shown,
    update(frame, views) {
      for (const name of shown) widgets[name].update?.(frame, views?.[name]);
    },
    draw() { for (const name of shown) widgets[name].draw?.(); },
    keepGhost(keep) { widgets.gradients.keepGhost(keep); widgets.gradients.clear(); },
    relabel() { for (const widget of Object.values(widgets)) widget.relabel?.(); },
  };
}
