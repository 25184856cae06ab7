// Links: the address bar always holds the current setup (state.js), "Copy link" copies it, and
// the classroom-link panel builds the same link with some control groups hidden (`hide=`).

import { el } from './controls.js';
import { writeHash } from './state.js';

/** What a teacher can hide; each group lists the `data-hide` keys of the page it covers. */
export const HIDE_GROUPS = [
  ['Learning rate', ['learning_rate']],
  ['Optimizer', ['optimizer']],
  ['Regularization', ['regularization', 'regularization_rate']],
  ['Problem type', ['task']],
  ['Speed', ['speed']],
  ['Reset and step buttons', ['reset', 'step']],
  ['Dataset choice', ['dataset']],
  ['Data sliders', ['train_share', 'noise', 'n_points', 'classes']],
  ['Batch size', ['batch_size']],
  ['Regenerate button', ['regenerate']],
  ['Drawing and CSV upload', ['draw']],
  ['Adding and removing layers', ['layers']],
  ['Layer controls (neurons, activation)', ['layer_controls']],
  ['Dropout menus', ['dropout']],
  ['Loss chart', ['chart']],
  ['Loss function (regression)', ['loss']],
  ['Advanced panel', ['advanced']],
  ['Copy link button', ['copy_link']],
  ['This classroom-link panel', ['classroom']],
];

/**
 * @param {{state: any, toasts: {show: (text: string, kind?: string) => void},
 *   panel: HTMLElement, linkNote: HTMLElement}} options
 */
export function createSharing({ state, toasts, panel, linkNote }) {
  const rows = () => (state.config.dataset === 'custom' ? state.customRows : null);
  const hashOf = (hide, present) => writeHash(state.config, { hide, present, points: rows() });
  const carriesPoints = (hash) => !rows()?.length || hash.includes('&points=');

  /** Keep the address bar in step with the page; note when drawn points are too many for it. */
  function writeUrl() {
    const hash = hashOf(state.hide, state.present);
    if (hash !== location.hash) history.replaceState(null, '', hash);
    linkNote.hidden = carriesPoints(hash);
    linkNote.textContent = `The link holds at most about 500 drawn points: these ${rows()?.length ?? 0} are not in it.`;
    updateClassroom();
  }

  async function copy(link, what) {
    const note = carriesPoints(link) ? '' : ' It does not carry your drawn points (too many for a link).';
    try {
      await navigator.clipboard.writeText(link);
      toasts.show(`${what}${note}`, note ? 'error' : 'info');
    } catch {
      window.prompt('Copy this link:', link);
    }
  }

  function copyLink() {
    writeUrl();
    copy(location.href, 'Link copied: it opens this exact setup (data, network and starting weights).');
  }

  // ---- the classroom link ----
  const boxes = HIDE_GROUPS.map(([label, keys], g) => {
    const input = el('input', { type: 'checkbox', id: `hide-group-${g}`, value: keys.join(',') });
    input.addEventListener('change', updateClassroom);
    return { input, keys, node: el('label', { for: input.id }, [input, ` ${label}`]) };
  });
  const present = el('input', { type: 'checkbox', id: 'classroom-present' });
  present.addEventListener('change', updateClassroom);
  const output = el('input', { type: 'text', id: 'classroom-link', readonly: true, 'aria-label': 'Classroom link' });
  const copyButton = el('button', { type: 'button', id: 'copy-classroom-link', className: 'text-button', text: 'Copy classroom link' });
  copyButton.addEventListener('click', () => copy(output.value, 'Classroom link copied: it opens this setup with the chosen controls hidden.'));
  const fieldset = el('fieldset', { className: 'hide-groups' }, [el('legend', { text: 'Hide from students' }), ...boxes.map((b) => b.node)]);
  panel.append(
    el('p', { className: 'hint', text: 'A link to this setup with some controls hidden: students see only what the lesson needs.' }),
    fieldset,
    el('label', { for: present.id, className: 'present-choice' }, [present, ' Open in presentation mode']),
    output, copyButton,
  );
  for (const box of boxes) box.input.checked = box.keys.every((key) => state.hide.has(key));

  function classroomLink() {
    const hide = new Set(boxes.filter((b) => b.input.checked).flatMap((b) => b.keys));
    return `${location.origin}${location.pathname}${hashOf(hide, present.checked)}`;
  }
  function updateClassroom() { output.value = classroomLink(); }

  return { writeUrl, copyLink, classroomLink };
}

const hideSheet = new CSSStyleSheet();

/**
 * Hide the page's `data-hide` groups named in `hide` (one style rule, so rebuilt widgets obey it
 * too). A constructed style sheet, not a <style> element: the page's CSP allows no inline style.
 */
export function applyHide(hide) {
  if (!document.adoptedStyleSheets.includes(hideSheet)) {
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, hideSheet];
  }
  hideSheet.replaceSync(hide.size
    ? `${[...hide].map((key) => `[data-hide="${CSS.escape(key)}"]`).join(',')} { display: none !important; }`
    : '');
}
