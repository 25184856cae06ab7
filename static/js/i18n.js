// Every visible text of the page comes from one message catalogue per language:
// static/i18n/en.js and static/i18n/ru.js, each `export default { "key": "text", … };` (a JSON
// object, so tests/test_i18n.py reads it too; `//` comment lines allowed between entries).
//
// - Keys are dotted: `control.learning_rate`, `tip.learning_rate`, `error.bad_data`.
// - `{name}` in a text is filled from params: t('data.count', {count: 500}).
// - A count picks its plural form by the language's rules: `data.count.one` / `.few` / `.many` /
//   `.other` (Intl.PluralRules); English needs `.one` and `.other`, Russian `.one .few .many .other`.
// - Names from the server (datasets, tasks, optimizers, …) are looked up as `<kind>.<name>`
//   through named(): the only lookup with a computed key, checked against the catalog by the test.
// - tText / tAttr / tTip mark an element with its key (`data-i18n`, `data-i18n-<attribute>`,
//   `data-i18n-args`), so relabel() re-applies every text when the language changes; the
//   template uses the same attributes. Keys are always string literals in these calls: the
//   test scans for them, and fails on a key missing from both catalogues.

import en from '../i18n/en.js';
import ru from '../i18n/ru.js';

/** The catalogues by language code; the first is the fallback. */
export const CATALOGUES = { en, ru };
export const LANGUAGES = Object.keys(CATALOGUES);

let lang = 'en';
let plurals = new Intl.PluralRules('en');

/** The language to start in: the browser's first preference among ours (ru, en), else English. */
export function preferredLanguage(preferences = navigator.languages ?? [navigator.language]) {
  for (const tag of preferences) {
    const code = String(tag).toLowerCase().split('-')[0];
    if (LANGUAGES.includes(code)) return code;
  }
  return LANGUAGES[0];
}

export function setLanguage(next) {
  if (!LANGUAGES.includes(next)) throw new Error(`unknown language ${JSON.stringify(next)}; expected one of ${LANGUAGES}`);
  lang = next;
  plurals = new Intl.PluralRules(lang);
  document.documentElement.lang = lang;
}

export const language = () => lang;

function lookup(key, params) {
  const messages = CATALOGUES[lang];
  if (params && typeof params.count === 'number') {
    const form = messages[`${key}.${plurals.select(params.count)}`] ?? messages[`${key}.other`];
    if (form !== undefined) return form;
  }
  return messages[key];
}

/** Fill `{name}` placeholders; numbers are written the page's way (see number()). */
function fill(text, params) {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'number' && Number.isInteger(value) ? integer(value) : String(value);
  });
}

/** The text of `key` in the page's language (English when a catalogue lacks it, with an error). */
export function t(key, params) {
  let text = lookup(key, params);
  if (text === undefined) {
    console.error(`i18n: no text for ${JSON.stringify(key)} in ${lang}`);
    text = CATALOGUES.en[key] ?? CATALOGUES.en[`${key}.other`] ?? key;
  }
  return fill(text, params);
}

/**
 * The text for a name the server sent (a dataset, task, optimizer, error code, …): the key
 * `<kind>.<name>`, filled from params; the server's own title when the catalogue lacks it.
 */
export function named(kind, name, fallback = name, params = undefined) {
  const key = `${kind}.${name}`;
  if (CATALOGUES[lang][key] !== undefined) return fill(CATALOGUES[lang][key], params);
  console.error(`i18n: no text for ${JSON.stringify(key)} in ${lang}`);
  return fallback;
}

/** An integer with the language's thousands separator: 12,000 / 12 000. */
export function integer(value) {
  return value.toLocaleString(lang === 'ru' ? 'ru-RU' : 'en-US', { maximumFractionDigits: 0 });
}

function remember(node, attribute, key, params) {
  node.setAttribute(attribute === 'text' ? 'data-i18n' : `data-i18n-${attribute}`, key);
  if (params) node.setAttribute('data-i18n-args', JSON.stringify(params));
  else node.removeAttribute('data-i18n-args');
}

/** Set node's text to `key`'s, and remember it for relabel(). @returns the node */
export function tText(node, key, params) {
  remember(node, 'text', key, params);
  node.textContent = t(key, params);
  return node;
}

/** Set one attribute (aria-label, title, placeholder, …) of node to `key`'s text. @returns the node */
export function tAttr(node, attribute, key, params) {
  remember(node, attribute, key, params);
  node.setAttribute(attribute, t(key, params));
  return node;
}

/** Like tText for a name the server sent (see named()). */
export function tName(node, kind, name, fallback) {
  node.setAttribute('data-i18n', `${kind}.${name}`);
  node.textContent = named(kind, name, fallback);
  return node;
}

/** Re-apply every remembered text under root, in the page's current language. */
export function relabel(root = document) {
  const nodes = root.querySelectorAll('[data-i18n], [data-i18n-title], [data-i18n-aria-label], [data-i18n-placeholder], [data-i18n-alt]');
  for (const node of nodes) {
    const args = node.getAttribute('data-i18n-args');
    const params = args ? JSON.parse(args) : undefined;
    for (const { name, value } of [...node.attributes]) {
      if (!name.startsWith('data-i18n') || name === 'data-i18n-args' || name === 'data-i18n-tip') continue;
      const text = t(value, params);
      if (name === 'data-i18n') { if (node.textContent !== text) node.textContent = text; } else node.setAttribute(name.slice('data-i18n-'.length), text);
    }
  }
}
