// Keyboard shortcuts: space play / pause, s step, r reset, p presentation, Esc closes popovers.
// Typing in a field is typing, never a shortcut; space on a button presses the button.

/**
 * @param {{togglePlay: () => void, step: () => void, reset: () => void,
 *   togglePresent: () => void, escape: () => void}} actions
 */
export function installShortcuts(actions) {
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const target = /** @type {HTMLElement} */ (event.target);
    if (target.closest('input, select, textarea, [contenteditable=""], [contenteditable="true"]')) return;
    if (event.key === 'Escape') { actions.escape(); return; }
    const onButton = target.closest('button, summary, [role="button"], [role="radio"], a');
    const key = event.key.toLowerCase();
    if (event.key === ' ' && !onButton) { event.preventDefault(); actions.togglePlay(); }
    else if (key === 's') actions.step();
    else if (key === 'r') actions.reset();
    else if (key === 'p') actions.togglePresent();
  });
}
