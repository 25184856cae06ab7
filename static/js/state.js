// Config <-> URL hash, so any setup is a shareable link:
//   #task=binary&dataset=spiral&layers=8:relu,8:relu:0.1&features=x1,x2&seed=3&hide=optimizer&present=1&lang=ru
// Every config field is written; reading starts from the catalog's defaults and keeps only
// values the catalog allows, so a hand-edited or stale link never sends junk to the server.
// A drawn (custom) dataset travels as `points=x1,x2,label;…` with 2 decimals, while it fits.

/** Links longer than this do not carry drawn points (browsers, chat apps and QR codes choke). */
export const MAX_LINK_CHARS = 8000;

/** @typedef {import('./protocol.js').Config} Config */

/** @param {Config['layers']} layers */
function layersToText(layers) {
  return layers.map((l) => [l.units, l.activation, ...(l.dropout ? [l.dropout] : [])].join(':')).join(',');
}

/** The layers of a `layers=` field, or null when any part is not a valid layer. @param {string} text @param {any} catalog */
function textToLayers(text, catalog) {
  if (text === '') return [];
  const { units, dropout } = catalog.ranges;
  const layers = text.split(',').slice(0, catalog.limits.layers).map((part) => {
    const [u, activation, rate] = part.split(':');
    return {
      units: clampInt(Number(u), units.min, units.max),
      activation,
      dropout: clamp(Number(rate) || 0, dropout.min, dropout.max),
    };
  });
  const valid = (l) => !Number.isNaN(l.units) && catalog.activations.includes(l.activation);
  return layers.every(valid) ? layers : null;
}

const short = (v) => String(+v.toFixed(2)); // 2 decimals, no trailing zeros: 1.5, -0.25, 3

/** Points [[x1, x2, label], …] as `x1,x2,label;…`. @param {number[][]} points */
export function pointsToText(points) {
  return points.map((p) => p.map(short).join(',')).join(';');
}

/** The points of a `points=` field; rows that are not three finite numbers inside `domain` are dropped. */
export function textToPoints(text, domain, max) {
  const rows = [];
  for (const part of text.split(';')) {
    const row = part.split(',').map(Number);
    if (row.length !== 3 || part.split(',').some((v) => v.trim() === '') || !row.every(Number.isFinite)) continue;
    if (row[0] < domain[0] || row[0] > domain[1] || row[1] < domain[0] || row[1] > domain[1]) continue;
    rows.push(row);
    if (rows.length >= max) break;
  }
  return rows;
}

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const clampInt = (v, lo, hi) => (Number.isFinite(v) ? clamp(Math.round(v), lo, hi) : NaN);

/** The allowed names of a string field, from the catalog (undefined: any string). */
function choicesOf(field, catalog, config) {
  const names = (list) => list.map((item) => (typeof item === 'string' ? item : item.name));
  switch (field) {
    case 'task': return names(catalog.tasks);
    case 'dataset': return names(catalog.datasets);
    case 'optimizer': return names(catalog.optimizers);
    case 'init': return catalog.initializers;
    case 'regularization': return catalog.regularizations;
    case 'loss': return catalog.losses[config.task] ?? catalog.losses.regression;
    default: return undefined;
  }
}

/**
 * The config a hash describes: catalog defaults overridden by every valid field in the hash.
 * `lang` is one of `languages`, or null when the link names none (the browser's choice then).
 * @param {string} hash @param {any} catalog @param {string[]} languages
 * @returns {{config: Config, hide: Set<string>, present: boolean, lang: string | null, points: number[][] | null,
 *   lesson: {name: string, step: number} | null}}
 */
export function readHash(hash, catalog, languages) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const config = structuredClone(catalog.defaults);
  // task first: the loss choices depend on it.
  const keys = [...params.keys()].sort((a, b) => (a === 'task' ? -1 : b === 'task' ? 1 : 0));
  for (const key of keys) {
    if (!(key in config)) continue;
    const text = params.get(key) ?? '';
    const current = config[key];
    if (key === 'layers') {
      const layers = textToLayers(text, catalog);
      if (layers) config.layers = layers;
    } else if (key === 'features') {
      const known = catalog.features.map((f) => f.name);
      const features = [...new Set(text.split(',').filter((f) => known.includes(f)))];
      if (features.length) config.features = features;
    } else if (typeof current === 'number') {
      const value = Number(text);
      const range = catalog.ranges[key];
      if (text !== '' && Number.isFinite(value)) config[key] = clamp(value, range.min, range.max);
    } else if (typeof current === 'string') {
      const choices = choicesOf(key, catalog, config);
      if (!choices || choices.includes(text)) config[key] = text;
    }
  }
  const hide = new Set((params.get('hide') ?? '').split(',').filter(Boolean));
  const present = ['1', 'true', 'yes'].includes(params.get('present') ?? '');
  const pointsText = config.dataset === 'custom' ? params.get('points') : null;
  const points = pointsText == null ? null : textToPoints(pointsText, catalog.domain, catalog.limits.points);
  const lang = languages.includes(params.get('lang') ?? '') ? params.get('lang') : null;
  return { config, hide, present, lang, points, lesson: readLesson(params, catalog) };
}

/** `lesson=NAME&step=K` (K from 1, as the page numbers steps) as {name, step} (0-based), or null. */
function readLesson(params, catalog) {
  const lesson = (catalog.lessons ?? []).find((l) => l.name === params.get('lesson'));
  if (!lesson) return null;
  const step = Math.round(Number(params.get('step') ?? '1'));
  return { name: lesson.name, step: Number.isFinite(step) ? Math.min(Math.max(step, 1), lesson.steps.length) - 1 : 0 };
}

/**
 * The hash for a config plus the page flags and, for the custom dataset, its points.
 * @param {Config} config
 * @param {{hide?: Set<string>, present?: boolean, lang?: string | null, points?: number[][] | null,
 *   lesson?: {name: string, step: number} | null}} flags
 */
export function writeHash(config, { hide = new Set(), present = false, lang = null, points = null, lesson = null } = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(config)) {
    if (key === 'layers') params.set(key, layersToText(value));
    else if (Array.isArray(value)) params.set(key, value.join(','));
    else params.set(key, String(value));
  }
  if (hide.size) params.set('hide', [...hide].join(','));
  if (present) params.set('present', '1');
  if (lang) params.set('lang', lang);
  if (lesson) { params.set('lesson', lesson.name); params.set('step', String(lesson.step + 1)); }
  // Commas, colons, semicolons and ^ read fine in a link; keep them unescaped.
  const hash = () => '#' + params.toString().replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%3B/g, ';').replace(/%5E/g, '^');
  if (config.dataset !== 'custom' || !points) return hash();
  const without = hash();
  params.set('points', pointsToText(points));
  const withPoints = hash();
  return withPoints.length <= MAX_LINK_CHARS ? withPoints : without;
}
