import { didYouMean } from '../utils/suggest.js';
import { OptionsError } from './client.js';

/**
 * Throws an {@link OptionsError} for the first key of `object` that is not in `allowed`, with the
 * name meant: `secert` → "Did you mean `secret`?".
 * @param prefix Put before the key in the error, e.g. `retry.` for the keys of `retry`.
 */
export function rejectUnknownOptions(
  object: object,
  allowed: readonly string[],
  prefix = '',
  aliases: Readonly<Record<string, string>> = {},
): void {
  for (const key of Object.keys(object)) {
    if (allowed.includes(key)) continue;
    throw new OptionsError(`${prefix}${key}`, 'is not an option', didYouMean(key, allowed, aliases));
  }
}

/** A value as an error shows it: strings quoted, functions and objects by kind, never a long dump. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** Whether `value` is a plain object (not null, not a list). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
