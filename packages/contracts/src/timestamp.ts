/**
 * RFC 3339 timestamps as the platform stores them. The contracts accept what
 * RFC 3339 allows (`t` or a space for `T`, `z`, an offset, up to nine fraction
 * digits) but only real calendar instants: `Date.parse` rolls 2026-11-31 over
 * into December and DuckDB refuses it, so a packet that passed one would poison
 * the other. Everything downstream gets one canonical form, UTC with `T` and
 * `Z`: milliseconds, plus microseconds when they are not zero (DuckDB's and
 * BigQuery's precision; further digits are dropped).
 */
export type TimestampCheck = { ok: true; canonical: string; epochMs: number } | { ok: false; problem: string };

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

export function checkTimestamp(value: string): TimestampCheck {
  const m = RFC3339.exec(value);
  if (!m) return { ok: false, problem: 'not an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM))' };
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12) return { ok: false, problem: `month ${m[2]} does not exist` };
  if (day < 1 || day > daysInMonth(year, month)) return { ok: false, problem: `${m[1]}-${m[2]}-${m[3]} is not a calendar date` };
  if (hour > 23 || minute > 59) return { ok: false, problem: `${m[4]}:${m[5]} is not a time of day` };
  // A leap second has no representation in JavaScript, DuckDB or BigQuery timestamps.
  if (second > 59) return { ok: false, problem: `second ${m[6]} is not representable (leap seconds are refused)` };
  let offsetMinutes = 0;
  if (!m[8]) {
    const [offsetHours, offsetMins] = [Number(m[10]), Number(m[11])];
    if (offsetHours > 23 || offsetMins > 59) return { ok: false, problem: `offset ${m[9]}${m[10]}:${m[11]} is out of range` };
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const fraction = (m[7] ?? '').padEnd(6, '0');
  const epochMs = Date.UTC(year, month - 1, day, hour, minute, second, Number(fraction.slice(0, 3))) - offsetMinutes * 60_000;
  if (Number.isNaN(epochMs) || epochMs < 0 || epochMs >= Date.UTC(10000, 0, 1)) return { ok: false, problem: 'outside 1970-01-01 … 9999-12-31 UTC' };
  const micros = fraction.slice(3, 6);
  const iso = new Date(epochMs).toISOString();
  return { ok: true, epochMs, canonical: micros === '000' ? iso : `${iso.slice(0, -1)}${micros}Z` };
}

/** The canonical form of a timestamp the contract accepted; throws with the problem otherwise. */
export function canonicalTimestamp(value: string): string {
  const result = checkTimestamp(value);
  if (!result.ok) throw new RangeError(`${JSON.stringify(value.slice(0, 40))}: ${result.problem}`);
  return result.canonical;
}
