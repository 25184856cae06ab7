// Keyboard shortcuts: space play / pause, s step, r reset, p presentation, Esc closes every card,
// tip and popover. Typing in a field is typing, never a shortcut; space on a button presses
// the button. A control a classroom link hides has no shortcut either (`hidden(group)`).

/**
 * @param {{togglePlay: () => void, step: () => void, reset: () => void,
 *   togglePresent: () => void, escape: () => void, hidden: (group: string) => boolean}} actions
 */
export function installShortcuts(actions) {
  const keys = {
    s: ['step', actions.step],
    r: ['reset', actions.reset],
    p: [null, actions.togglePresent],
  };
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (event.key === 'Escape') { actions.escape(); return; } // also from inside a field
    const target = /** @type {HTMLElement} */ (event.target);
    if (target.closest('input, select, textarea, [contenteditable=""], [contenteditable="true"]')) return;
    const onButton = target.closest('button, summary, [role="button"], [role="radio"], a');
    if (event.key === ' ' && !onButton) {
      event.preventDefault();
      actions.togglePlay();
      return;
    }
    const [group, action] = keys[event.key.toLowerCase()] ?? [];
    if (action && !(group && actions.hidden(group))) action();
  });
}
