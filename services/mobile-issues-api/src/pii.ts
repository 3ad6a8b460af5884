import { createHmac } from 'node:crypto';

/**
 * Free text from the crews can hold contact details and identity numbers. They
 * are masked before anything leaves the service (the role a DLP inspection
 * plays in GCP), replaced by a tag that says what was there.
 */
const PATTERNS: [RegExp, string][] = [
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[email]'],
  // Chilean RUT / Peruvian-style ids with a check digit: 12.345.678-9, 12345678-K
  [/\b\d{1,2}\.?\d{3}\.?\d{3}-[\dkK]\b/g, '[national-id]'],
  // US SSN 123-45-6789
  [/\b\d{3}-\d{2}-\d{4}\b/g, '[national-id]'],
  // Phone numbers: optional +country, then 8–15 digits with spaces, dots, dashes or brackets between
  [/(?<![\w.])[+(]?\d[\d\s().-]{6,18}\d(?![\w.])/g, '[phone]'],
];

export function maskPii(text: string): { text: string; masked: number } {
  let masked = 0;
  let out = text;
  for (const [pattern, tag] of PATTERNS) {
    out = out.replace(pattern, (match) => {
      // Only a run with enough digits is a phone number; "3-4 days" or "2026-11-24" are not.
      if (tag === '[phone]' && (match.replace(/\D/g, '').length < 8 || /^\d{4}-\d{2}-\d{2}$/.test(match.trim()))) return match;
      masked += 1;
      return tag;
    });
  }
  return { text: out, masked };
}

/** A stable pseudonym for a user id: the same person is the same pseudonym, and not reversible without the key. */
export function pseudonymise(userId: string, key: string): string {
  return `u_${createHmac('sha256', key).update(userId).digest('hex').slice(0, 20)}`;
}
