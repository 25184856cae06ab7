// The few helpers every widget shares: building elements, showing a number, writing a colour.

/** Create an element: el('select', {id: 'x'}, [children]). Text goes in as textContent. */
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'className') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) node.append(child);
  return node;
}

/** A weight, bias or output value as read on the page: 3 decimals, '–' when unknown. */
export const fmt = (v) => (v == null ? '–' : (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3)));

/** [r, g, b] as a CSS colour. */
export const rgb = (c) => `rgb(${c[0]},${c[1]},${c[2]})`;
