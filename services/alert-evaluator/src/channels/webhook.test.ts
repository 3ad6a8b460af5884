import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { signature, webhookChannelName } from './webhook.js';
import { retryDelayMs } from '../outbox.js';

test('the signature is the HMAC-SHA256 of "<t>.<body>", checkable with nothing but the secret', () => {
  const body = '{"transitionId":"x"}';
  const header = signature('s3cret', body, 1_764_000_000);
  const [t, v1] = header.split(',').map((part) => part.split('=')[1]!);
  assert.equal(t, '1764000000');
  assert.equal(v1, createHmac('sha256', 's3cret').update(`1764000000.${body}`).digest('hex'));
  assert.notEqual(signature('other', body, 1_764_000_000), header);
});

test('a lane is named without the query string, where tokens live', () => {
  assert.equal(webhookChannelName('https://hooks.example.com/mine/alarms?token=abc'), 'webhook:hooks.example.com/mine/alarms');
});

test('retries back off exponentially up to the cap, with jitter', () => {
  const policy = { minMs: 500, maxMs: 30_000 };
  assert.deepEqual([1, 2, 3, 4].map((n) => retryDelayMs(n, policy, () => 0.5)), [500, 1000, 2000, 4000]);
  assert.equal(retryDelayMs(20, policy, () => 0.5), 30_000);
  assert.equal(retryDelayMs(20, policy, () => 1), 36_000);
  assert.equal(retryDelayMs(1, policy, () => 0), 400);
});
