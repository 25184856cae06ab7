// What run B changes: one edit of run A's setup, as `field:value` (the compare link's
// `compare=optimizer:adam`). B is A with the edit applied, so A's own changes reach B too,
// and the header names the difference ("B: Adam instead of SGD").

import { named, t } from '../i18n.js';

/** The fields B may change; `choices` from the catalog, or a number's range. */
export const EDIT_FIELDS = ['optimizer', 'learning_rate', 'activation', 'dropout', 'units', 'loss', 'regularization', 'regularization_rate', 'batch_size', 'init'];

/** The choices of a field (null: a number typed in). */
export function choicesOf(field, catalog, config) {
  switch (field) {
    case 'optimizer': return catalog.optimizers.map((o) => o.name);
    case 'learning_rate': return catalog.learning_rates.map(String);
    case 'regularization_rate': return catalog.regularization_rates.map(String);
    case 'activation': return catalog.activations;
    case 'loss': return catalog.losses.regression;
    case 'regularization': return catalog.regularizations;
    case 'init': return catalog.initializers;
    default: return field in config || field === 'units' || field === 'dropout' ? null : [];
  }
}

/** The field's value in config, as the edit's text. */
export function valueOf(field, config) {
  if (field === 'activation') return config.layers[0]?.activation ?? '';
  if (field === 'dropout') return String(config.layers[0]?.dropout ?? 0);
  if (field === 'units') return config.layers.map((l) => l.units).join('-');
  return String(config[field]);
}

/** An edit's text from a link, or null when it is not a valid one. */
export function parseEdit(text, catalog, config) {
  const at = (text ?? '').indexOf(':');
  if (at < 0) return null;
  const field = text.slice(0, at);
  const value = text.slice(at + 1);
  if (!EDIT_FIELDS.includes(field)) return null;
  const choices = choicesOf(field, catalog, config);
  if (choices && !choices.includes(value)) return null;
  if (!choices && !valid(field, value, catalog)) return null;
  return { field, value };
}

function valid(field, value, catalog) {
  if (field === 'units') {
    const units = value === '' ? [] : value.split('-').map(Number);
    const { min, max } = catalog.ranges.units;
    return units.length <= catalog.limits.layers && units.every((u) => Number.isInteger(u) && u >= min && u <= max);
  }
  const range = catalog.ranges[field];
  const number = Number(value);
  return value !== '' && Number.isFinite(number) && (!range || (number >= range.min && number <= range.max));
}

/** Run B's config: A with the edit. */
export function applyEdit(config, edit) {
  if (!edit) return config;
  const { field, value } = edit;
  const layers = config.layers.map((l) => ({ ...l }));
  if (field === 'activation') return { ...config, layers: layers.map((l) => ({ ...l, activation: value })) };
  if (field === 'dropout') return { ...config, layers: layers.map((l) => ({ ...l, dropout: Number(value) })) };
  if (field === 'units') {
    const units = value === '' ? [] : value.split('-').map(Number);
    const last = layers[layers.length - 1] ?? { units: 4, activation: 'tanh', dropout: 0 };
    return { ...config, layers: units.map((u, i) => ({ ...(layers[i] ?? last), units: u })) };
  }
  const number = ['learning_rate', 'regularization_rate', 'batch_size'].includes(field);
  return { ...config, [field]: number ? Number(value) : value };
}

/** A value as the page names it: "Adam", "ReLU", "0.01", "8-8". */
export function nameValue(field, value, catalog) {
  if (field === 'optimizer') return named('optimizer', value, catalog.optimizers.find((o) => o.name === value)?.title);
  if (field === 'regularization') return named('regularization', value);
  if (field === 'init') return named('init', value);
  if (field === 'loss') return named('loss', value);
  if (field === 'units') return value || '0';
  return value;
}

/** The header: "B: Adam instead of SGD" (the same setup: "B: the same as A"). */
export function describeEdit(edit, configA, catalog) {
  if (!edit) return t('compare.same');
  const before = valueOf(edit.field, configA);
  if (before === edit.value) return t('compare.same');
  return t('compare.instead', {
    what: fieldName(edit.field),
    b: nameValue(edit.field, edit.value, catalog),
    a: nameValue(edit.field, before, catalog),
  });
}

function fieldName(field) {
  switch (field) {
    case 'optimizer': return t('compare.field_optimizer');
    case 'learning_rate': return t('compare.field_learning_rate');
    case 'activation': return t('compare.field_activation');
    case 'dropout': return t('compare.field_dropout');
    case 'units': return t('compare.field_units');
    case 'loss': return t('compare.field_loss');
    case 'regularization': return t('compare.field_regularization');
    case 'regularization_rate': return t('compare.field_regularization_rate');
    case 'batch_size': return t('compare.field_batch_size');
    case 'init': return t('compare.field_init');
    default: return field;
  }
}

export { fieldName };
