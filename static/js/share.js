// Links: the address bar always holds the current setup (state.js), "Copy link" copies it, and
// the classroom-link panel builds the same link with some control groups hidden (`hide=`).

import { el } from './dom.js';
import { t, tText } from './i18n.js';
import { tTip } from './tooltips.js';
import { writeHash } from './state.js';

/** What a teacher can hide: [catalogue key of its name, the `data-hide` keys of the page it covers]. */
export const HIDE_GROUPS = [
  ['hide.learning_rate', ['learning_rate']], ['hide.optimizer', ['optimizer']],
  ['hide.regularization', ['regularization', 'regularization_rate']], ['hide.task', ['task']],
  ['hide.speed', ['speed']], ['hide.reset_step', ['reset', 'step']], ['hide.dataset', ['dataset']],
  ['hide.sliders', ['train_share', 'noise', 'n_points', 'classes']], ['hide.batch_size', ['batch_size']],
  ['hide.regenerate', ['regenerate']], ['hide.draw', ['draw']], ['hide.features', ['features']],
  ['hide.layers', ['layers']], ['hide.layer_controls', ['layer_controls']], ['hide.dropout', ['dropout']],
  ['hide.chart', ['chart']], ['hide.loss', ['loss']], ['hide.advanced', ['advanced']],
  ['hide.copy_link', ['copy_link']], ['hide.classroom', ['classroom']],
  ['hide.run_tools', ['run_tools']], ['hide.compare', ['compare']],
];

/**
 * Keeps the address bar in step with the store's config, hide, present, lang and drawn points.
 * @param {{store: ReturnType<import('./store.js').createStore>,
 *   toasts: {show: (text: string, kind?: string) => void}, panel: HTMLElement, linkNote: HTMLElement,
 *   extra?: () => string}} options  extra: more of the link (compare mode's `compare=…`)
 */
export function createSharing({ store, toasts, panel, linkNote, extra = () => '' }) {
  const rows = () => (store.get('config').dataset === 'custom' ? store.get('customRows') : null);
  const more = () => (extra() ? `&${extra()}` : '');
  const hashOf = (hide, present) => writeHash(store.get('config'), { hide, present, lang: store.get('lang'), points: rows(), lesson: store.get('lesson') }) + more();
  const carriesPoints = (hash) => !rows()?.length || hash.includes('&points=');

  /** Keep the address bar in step with the page; note when drawn points are too many for it. */
  function writeUrl() {
    const hash = hashOf(store.get('hide'), store.get('present'));
    if (hash !== location.hash) history.replaceState(null, '', hash);
    linkNote.hidden = carriesPoints(hash);
    tText(linkNote, 'link.too_many_points', { count: rows()?.length ?? 0 });
    updateClassroom();
  }

  async function copy(link, what) {
    const missing = !carriesPoints(link);
    const text = missing ? `${what} ${t('link.no_points')}` : what;
    try {
      await navigator.clipboard.writeText(link);
      toasts.show(text, missing ? 'error' : 'info');
    } catch {
      window.prompt(t('link.prompt'), link);
    }
  }

  function copyLink() {
    writeUrl();
    copy(location.href, t('link.copied'));
  }

  // ---- the classroom link ----
  const boxes = HIDE_GROUPS.map(([label, keys], g) => {
    const input = el('input', { type: 'checkbox', id: `hide-group-${g}`, value: keys.join(',') });
    input.addEventListener('change', updateClassroom);
    return { input, keys, node: el('label', { for: input.id }, [input, tText(el('span'), label)]) };
  });
  const present = el('input', { type: 'checkbox', id: 'classroom-present' });
  present.addEventListener('change', updateClassroom);
  const output = tTip(el('input', { type: 'text', id: 'classroom-link', readonly: true }), 'tip.classroom_link');
  output.setAttribute('aria-labelledby', 'classroom-link-label');
  const copyButton = tTip(tText(el('button', { type: 'button', id: 'copy-classroom-link', className: 'text-button' }), 'classroom.copy'), 'tip.copy_classroom');
  copyButton.addEventListener('click', () => copy(output.value, t('link.copied_classroom')));
  const fieldset = el('fieldset', { className: 'hide-groups' }, [tText(el('legend'), 'classroom.hide'), ...boxes.map((b) => b.node)]);
  panel.append(
    tText(el('p', { className: 'hint' }), 'classroom.hint'),
    fieldset,
    el('label', { for: present.id, className: 'present-choice' }, [present, tText(el('span'), 'classroom.present')]),
    tText(el('span', { id: 'classroom-link-label', className: 'visually-hidden' }), 'classroom.link'),
    output, copyButton,
  );
  for (const box of boxes) {
    box.input.checked = box.keys.every((key) => store.get('hide').has(key));
    tTip(box.input, 'tip.hide_group');
  }
  tTip(present, 'tip.classroom_present');

  function classroomLink() {
    const hide = new Set(boxes.filter((b) => b.input.checked).flatMap((b) => b.keys));
    return `${location.origin}${location.pathname}${hashOf(hide, present.checked)}`;
  }
  function updateClassroom() { output.value = classroomLink(); }

  store.subscribe(['config', 'hide', 'present', 'lang', 'customRows', 'lesson'], writeUrl);
  return { writeUrl, copyLink, classroomLink };
}

const hideSheet = new CSSStyleSheet();

/**
 * Hide the page's `data-hide` groups named in `hide`, and show what stands in for them (one
 * style rule each, so rebuilt widgets obey it too). A constructed style sheet, not a <style>
 * element: the page's CSP allows no inline style.
 */
export function applyHide(hide) {
  if (!document.adoptedStyleSheets.includes(hideSheet)) {
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, hideSheet];
  }
  const rule = (attribute, style) => `${[...hide].map((key) => `[${attribute}="${CSS.escape(key)}"]`).join(',')} { ${style} }`;
  // What stands in for a hidden group (`data-shown-if-hidden`, none otherwise: style.css).
  hideSheet.replaceSync(hide.size
    ? `${rule('data-hide', 'display: none !important;')}\n${rule('data-shown-if-hidden', 'display: revert !important;')}`
    : '');
}
