import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { createLogger } from './logger.js';

function capture() {
  const lines: Record<string, any>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      callback();
    },
  });
  return { lines, destination };
}

test('writes JSON with the severity Cloud Logging reads', async () => {
  const { lines, destination } = capture();
  const logger = createLogger({ service: 'unit', destination });
  logger.warn({ n: 1 }, 'careful');
  logger.error('broken');
  await new Promise((r) => setImmediate(r));
  assert.equal(lines[0]?.severity, 'WARNING');
  assert.equal(lines[0]?.message, 'careful');
  assert.equal(lines[0]?.service, 'unit');
  assert.equal(lines[1]?.severity, 'ERROR');
});

test('redacts secrets by default and on request', async () => {
  const { lines, destination } = capture();
  const logger = createLogger({ service: 'unit', destination, redact: ['device.key'] });
  logger.info({ req: { headers: { authorization: 'Bearer abc' } }, db: { password: 'p4ss' }, device: { key: 'k', id: 'geo-1' } }, 'request');
  await new Promise((r) => setImmediate(r));
  const text = JSON.stringify(lines[0]);
  assert.doesNotMatch(text, /Bearer abc|p4ss|"k"/);
  assert.equal(lines[0]?.device.id, 'geo-1');
  assert.equal(lines[0]?.req.headers.authorization, '[redacted]');
});

test('request logs carry no query string, so a token in a URL is never written', async () => {
  const { lines, destination } = capture();
  const logger = createLogger({ service: 'unit', destination });
  const app = Fastify({ loggerInstance: logger as never });
  app.get('/alarms/stream', async () => 'ok');
  await app.inject({ method: 'GET', url: '/alarms/stream?access_token=SECRET-1&x=1' });
  await app.inject({ method: 'GET', url: '/nowhere?token=SECRET-2' });
  logger.info({ webhook: { url: 'https://hooks.example/notify?key=SECRET-3' } }, 'delivered');
  await app.close();
  await new Promise((r) => setImmediate(r));
  const text = lines.map((l) => JSON.stringify(l)).join('\n');
  assert.doesNotMatch(text, /SECRET/);
  assert.ok(lines.some((l) => l.req?.url === '/alarms/stream'), 'the path is still logged');
  assert.ok(lines.some((l) => l.webhook?.url === 'https://hooks.example/notify'));
  assert.ok(lines.some((l) => l.message === 'Route GET:/nowhere not found'));
});
