import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskPii, pseudonymise } from './pii.js';

test('masks e-mail addresses, phone numbers and national ids, and says how many', () => {
  const { text, masked } = maskPii('Call Juan on +56 9 8765 4321 or (02) 2345-6789, mail juan.perez@mina.cl; RUT 12.345.678-5, SSN 123-45-6789');
  assert.equal(text, 'Call Juan on [phone] or [phone], mail [email]; RUT [national-id], SSN [national-id]');
  assert.equal(masked, 5);
});

test('leaves what only looks like numbers alone', () => {
  const original = 'Hydraulic leak on HT-042 since 2026-11-24, 3-4 days, pressure 210 bar, part 55-120';
  assert.deepEqual(maskPii(original), { text: original, masked: 0 });
});

test('pseudonyms are stable per key and differ across keys', () => {
  assert.equal(pseudonymise('auth0|abc', 'k'.repeat(16)), pseudonymise('auth0|abc', 'k'.repeat(16)));
  assert.notEqual(pseudonymise('auth0|abc', 'k'.repeat(16)), pseudonymise('auth0|abd', 'k'.repeat(16)));
  assert.notEqual(pseudonymise('auth0|abc', 'k'.repeat(16)), pseudonymise('auth0|abc', 'j'.repeat(16)));
  assert.match(pseudonymise('x', 'k'.repeat(16)), /^u_[0-9a-f]{20}$/);
});
