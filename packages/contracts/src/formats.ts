import { FormatRegistry } from '@sinclair/typebox';
import { checkTimestamp } from './timestamp.js';

// TypeBox ships no string formats; these are the ones the contracts use.
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const URI = /^[a-z][a-z0-9+.-]*:[^\s]*$/i;

// Calendar-checked: Date.parse would roll 2026-11-31 over into December.
const validDate = (value: string) => checkTimestamp(value).ok;

export function registerFormats(): void {
  if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', validDate);
  if (!FormatRegistry.Has('date')) FormatRegistry.Set('date', (v) => DATE.test(v) && validDate(`${v}T00:00:00Z`));
  if (!FormatRegistry.Has('time')) FormatRegistry.Set('time', (v) => TIME.test(v));
  if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', (v) => UUID.test(v));
  if (!FormatRegistry.Has('uri')) FormatRegistry.Set('uri', (v) => URI.test(v));
}

registerFormats();
