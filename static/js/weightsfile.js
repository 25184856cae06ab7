// A weights file (docs/protocol.md, "The weights file") checked before it is sent: readable
// JSON of our format, every number finite, and each layer's shape that of the current network,
// so a refusal names the layer in the page's language. The server checks the shapes again.

import { t } from './i18n.js';

const FORMAT = 'mlp-playground-weights';

/** "layer 2" or "the output layer" (index 0 = the first Dense layer). */
function layerName(index, count) {
  return index === count - 1 ? t('weights.output_layer') : t('weights.layer', { layer: index + 1 });
}

const finite = (values) => values.every((v) => typeof v === 'number' && Number.isFinite(v));

/**
 * @param {string} text  the file's contents
 * @param {{sizes: number[]}|null} header  the newest frame's header (the network's layer sizes)
 * @returns {{layers?: any[], error?: string}}
 */
export function checkWeightsFile(text, header) {
  let file;
  try {
    file = JSON.parse(text);
  } catch {
    return { error: t('weights.not_json') };
  }
  if (!file || file.format !== FORMAT || !Array.isArray(file.layers)) return { error: t('weights.not_ours') };
  const sizes = header?.sizes ?? [];
  const layers = file.layers;
  if (layers.length !== sizes.length - 1) {
    const theirs = Array.isArray(file.sizes) ? file.sizes.join('-') : '?';
    return { error: t('weights.architecture', { file: theirs, network: sizes.join('-') }) };
  }
  for (let i = 0; i < layers.length; i += 1) {
    const { w, b, slopes } = layers[i] ?? {};
    const name = layerName(i, layers.length);
    const rows = Array.isArray(w) ? w : [];
    const inputs = sizes[i];
    const units = sizes[i + 1];
    const shapeOk = rows.length === inputs && rows.every((row) => Array.isArray(row) && row.length === units) && Array.isArray(b) && b.length === units;
    if (!shapeOk) {
      const got = `${rows.length} x ${Array.isArray(rows[0]) ? rows[0].length : 0}`;
      return { error: t('weights.shape', { layer: name, rows: inputs, columns: units, received: got }) };
    }
    if (!finite(rows.flat()) || !finite(b) || (slopes != null && (!Array.isArray(slopes) || !finite(slopes)))) {
      return { error: t('weights.not_finite', { layer: name }) };
    }
    if (rows.flat().some((v) => Math.abs(v) > 1e6)) return { error: t('weights.too_large', { layer: name }) };
  }
  return { layers: layers.map(({ w, b, slopes }) => ({ w, b, ...(slopes ? { slopes } : {}) })) };
}
