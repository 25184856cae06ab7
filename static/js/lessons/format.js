// Numbers in the lessons' sentences and tables: 3 significant digits, tiny ones as 1.2e-5,
// exact zeros as 0, unknown as '–'.

/** @param {number|null|undefined} v */
export function formatValue(v) {
  if (v == null || !Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  if (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}
