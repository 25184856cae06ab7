"""What the browser tests read off the page, shared by their files."""

from __future__ import annotations

from typing import Any

FAST = "#dataset=circle&optimizer=adam&learning_rate=0.03&speed=100&layers=4:tanh,2:tanh"

# Before the page's scripts: every message the page sends is recorded in window.__sent.
RECORD_SENT = """
window.__sent = [];
const realSend = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) {
  if (typeof data === 'string') window.__sent.push(JSON.parse(data));
  return realSend.call(this, data);
};
"""

# The page's controls: everything a user can press, pick, type in or focus.
CONTROLS = """
  'button, select, input, summary, [role="button"], [role="radio"], a[href], [tabindex="0"]'
"""

# Every displayed element holding text, with its computed font size (px).
TEXT_SIZES = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const box = node.parentElement;
    if (!node.textContent.trim() || seen.has(box) || box.closest('select, script, style, #descriptions')) continue;
    seen.add(box);
    if (!box.getClientRects().length || box.closest('.visually-hidden')) continue;
    const style = getComputedStyle(box);
    if (style.visibility === 'hidden' || style.opacity === '0') continue;
    out.push([box.tagName.toLowerCase() + (box.id ? '#' + box.id : box.className ? '.' + String(box.className).split(' ')[0] : ''),
      node.textContent.trim().slice(0, 30), parseFloat(style.fontSize)]);
  }
  for (const field of document.querySelectorAll('select, input:not([type=checkbox]):not([type=radio]):not([type=range]):not([type=file])')) {
    if (field.getClientRects().length) out.push([field.tagName.toLowerCase() + '#' + field.id, field.value.slice(0, 30), parseFloat(getComputedStyle(field).fontSize)]);
  }
  for (const name of ['--axis-font', '--chart-font']) {  // the canvas texts: ticks of the map and chart
    out.push([`canvas ${name}`, '', parseFloat(getComputedStyle(document.body).getPropertyValue(name))]);
  }
  return out;
}"""

# Texts cut by a box that hides what overflows it (their own, or the nearest clipping one).
CUT_TEXTS = """() => {
  const bad = [];
  for (const box of document.querySelectorAll('body *')) {
    if (!box.getClientRects().length || box.closest('select, script, style, #descriptions, .visually-hidden')) continue;
    if (![...box.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const wider = box.scrollWidth > box.clientWidth + 1;
    let clip = getComputedStyle(box).overflowX !== 'visible' ? box : null;
    for (let a = box.parentElement; !clip && a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') clip = a;
    }
    if (!clip) continue;
    const r = box.getBoundingClientRect(), c = clip.getBoundingClientRect();
    if (wider || (clip !== box && (r.right > c.right + 1 || r.left < c.left - 1))) {
      bad.push(`${box.tagName.toLowerCase()}${box.id ? '#' + box.id : ''}: "${box.textContent.trim().slice(0, 40)}"`);
    }
  }
  return bad;
}"""

# Menus whose shown option is wider than the menu (the text is cut).
CUT_MENUS = """() => {
  const ctx = document.createElement('canvas').getContext('2d');
  const bad = [];
  for (const select of document.querySelectorAll('select')) {
    if (!select.getClientRects().length) continue;
    ctx.font = getComputedStyle(select).font;
    const text = select.selectedOptions[0]?.textContent ?? '';
    const compact = getComputedStyle(select).appearance === 'none';
    if (ctx.measureText(text).width > select.clientWidth - (compact ? 2 : 20)) bad.push(`${select.id || select.className}: "${text}"`);
  }
  return bad;
}"""


def epoch(p: Any) -> int:
    return int(p.page.locator("#epoch").get_attribute("data-epoch") or 0)


def wait_epoch_above(p: Any, value: int) -> None:
    p.page.wait_for_function(
        "v => Number(document.querySelector('#epoch').dataset.epoch) > v", arg=value
    )


def settled_epoch(p: Any) -> int:
    """The shown epoch once paused: the server's last frame after a pause says it is not running
    (frames sent before the pause arrive before it, since the page handles messages in order)."""
    p.page.wait_for_function(
        "() => !window.__playground.running && window.__playground.header"
        " && window.__playground.header.running === false"
    )
    painted(p)
    return epoch(p)


def painted(p: Any) -> None:
    """Until the page has painted twice more: the newest frame, layout and resize drawn."""
    p.page.evaluate(
        "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )


def clipboard(p: Any, starts: str) -> str:
    """The clipboard's text once it starts with `starts` (a copy button writes it async)."""
    p.page.wait_for_function(
        "s => navigator.clipboard.readText().then((t) => t.startsWith(s))", arg=starts
    )
    text: str = p.js("navigator.clipboard.readText()")
    return text


def sent(p: Any, kind: str) -> list[dict[str, Any]]:
    """The messages of type `kind` the page has sent (the page opened with RECORD_SENT)."""
    messages: list[dict[str, Any]] = p.js("window.__sent")
    return [m for m in messages if m["type"] == kind]
