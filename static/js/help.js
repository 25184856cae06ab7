// The "what am I looking at" panel: a short guide to the page, opened from the top bar; Esc,
// its × or the button again close it (focus goes back to the button).

/** @param {HTMLButtonElement} button @param {HTMLElement} panel @param {HTMLButtonElement} closeButton */
export function createHelp(button, panel, closeButton) {
  function open() {
    panel.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    closeButton.focus();
  }
  function close() {
    if (panel.hidden) return;
    panel.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (panel.contains(document.activeElement)) button.focus();
  }
  button.addEventListener('click', () => (panel.hidden ? open() : close()));
  closeButton.addEventListener('click', close);
  return { open, close };
}
