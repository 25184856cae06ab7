// The output column's one layout rule CSS cannot say: the decision map is a square as wide as
// the column allows (beside it, for multi-class, a strip of one small map per class), but never
// so tall that the loss chart gets less than --chart-min. Whatever else the column shows
// (stats, options, legend, the loss menu) is measured, so the rule holds in every language,
// mode and task. The chart takes what is left (CSS flex).

const STRIP_SHARE = 0.2; // of the column's width, at most, for the per-class strip

/** @param {HTMLElement} column @param {HTMLElement} mapBox @param {HTMLElement} chartBox @param {HTMLElement} classMaps */
export function fitOutputColumn(column, mapBox, chartBox, classMaps) {
  const stacked = window.matchMedia('(max-width: 900px)'); // one column, the page scrolls: CSS sizes the map
  const shown = (node) => node.getClientRects().length > 0;
  let last = '';

  function fit() {
    if (stacked.matches) {
      column.style.removeProperty('--map-size');
      last = '';
      return;
    }
    const style = getComputedStyle(column);
    const gap = parseFloat(style.rowGap) || 0;
    const inner = column.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    let width = column.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    // On a short screen CSS may stand the map's options beside it (--map-side): they take
    // width from the map, none of the column's height.
    const sideWidth = style.getPropertyValue('--map-side').trim(); // in rem
    const side = (parseFloat(sideWidth) || 0) * parseFloat(getComputedStyle(document.documentElement).fontSize);
    const left = column.getBoundingClientRect().left + column.clientLeft + parseFloat(style.paddingLeft);
    let used = 0;
    let count = 0;
    for (const child of column.children) {
      if (!shown(child) || (side && child.getBoundingClientRect().left > left + 1)) continue;
      count += 1;
      if (child !== mapBox && child !== chartBox) used += child.offsetHeight;
    }
    if (side) width -= side + (parseFloat(style.columnGap) || 0);
    let chart = 0;
    if (shown(chartBox)) {
      const foot = chartBox.querySelector('.chart-foot');
      chart = (parseFloat(style.getPropertyValue('--chart-min')) || 160) + (foot?.offsetHeight ?? 0) + 4;
    }
    const tall = inner - used - chart - gap * (count - 1);
    let size = Math.min(width, tall);
    let classSize = 0;
    const k = classMaps.children.length;
    if (!classMaps.hidden && k) {
      const axis = parseFloat(style.getPropertyValue('--axis')) || 30;
      const caption = classMaps.querySelector('figcaption')?.offsetHeight ?? 18;
      const stripGap = parseFloat(getComputedStyle(mapBox).columnGap) || 0;
      const strip = Math.min(width * STRIP_SHARE, (tall - axis) / k - caption - 5);
      // The strip is as wide as its widest caption ("P(class 3)" in large type), if wider.
      const captions = Math.max(0, ...[...classMaps.querySelectorAll('figcaption')].map((c) => c.scrollWidth));
      size = Math.min(width - Math.max(strip, captions) - stripGap, tall);
      classSize = Math.max(24, Math.min(strip, (size - axis) / k - caption - 5));
    }
    const value = `${Math.floor(Math.max(160, size))}px ${Math.floor(classSize)}px`;
    if (value === last) return;
    last = value;
    column.style.setProperty('--map-size', `${Math.floor(Math.max(160, size))}px`);
    if (classSize) column.style.setProperty('--class-size', `${Math.floor(classSize)}px`);
    else column.style.removeProperty('--class-size');
  }

  const observer = new ResizeObserver(fit);
  observer.observe(column);
  for (const child of [...column.children, classMaps]) observer.observe(child);
  stacked.addEventListener('change', fit);
  return { fit };
}
