import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fc, fuzzSurface } from '@mine/testkit';
import { DeviceRegistry, hashToken, parseRegistry, watchRegistryFile } from './devices.js';

const device = (i: number, extra: object = {}) => ({ sensorId: `geo-${String(i).padStart(5, '0')}`, site: 'north-pit', zone: `z${i % 40}`, tokenSha256: hashToken(`token-${i}`), ...extra });

test('two valid tokens per device during a rotation; a token shared by two devices is refused', () => {
  const registry = new DeviceRegistry([device(1, { nextTokenSha256: hashToken('token-1-new') })]);
  assert.equal((registry.authenticate('token-1') as { device: { sensorId: string } }).device.sensorId, 'geo-00001');
  assert.equal((registry.authenticate('token-1-new') as { device: { sensorId: string } }).device.sensorId, 'geo-00001');
  registry.replace([device(1, { tokenSha256: hashToken('token-1-new') })]);
  assert.deepEqual(registry.authenticate('token-1'), { error: 'unknown device token' });
  assert.throws(() => registry.replace([device(1), device(2, { nextTokenSha256: hashToken('token-1') })]), /devices geo-00001 and geo-00002 share a token/);
  assert.ok('device' in registry.authenticate('token-1-new'), 'a refused replacement keeps the registry as it was');
});

test('a registry file of 10,000 devices (over the 128 KiB an environment string may hold) loads and reloads without a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'devices-'));
  const path = join(dir, 'devices.json');
  const devices = Array.from({ length: 10_000 }, (_, i) => device(i));
  writeFileSync(path, JSON.stringify(devices));
  const registry = DeviceRegistry.fromJson(JSON.stringify(devices));
  assert.ok(JSON.stringify(devices).length > 128 * 1024);
  assert.equal(registry.size, 10_000);
  assert.ok('device' in registry.authenticate('token-9999'));
  const events: string[] = [];
  const stop = watchRegistryFile(registry, path, 20, { reloaded: (n) => events.push(`reloaded ${n}`), refused: (e) => events.push(`refused ${e.message.split('\n')[0]}`) });
  try {
    writeFileSync(path, JSON.stringify(devices.map((d, i) => (i === 9999 ? { ...d, nextTokenSha256: hashToken('token-9999-new') } : d))));
    for (let i = 0; i < 500 && !events.length; i++) await sleep(20);
    assert.deepEqual(events, ['reloaded 10000']);
    assert.ok('device' in registry.authenticate('token-9999-new'));
    assert.ok('device' in registry.authenticate('token-9999'));
    writeFileSync(path, '[{"sensorId": "geo-1"}');
    for (let i = 0; i < 500 && events.length < 2; i++) await sleep(20);
    assert.match(events[1]!, /^refused .*JSON/);
    assert.ok('device' in registry.authenticate('token-9999-new'), 'a broken file keeps the registry');
  } finally {
    stop();
  }
});

test('configuration: any registry text is a registry or one clear error, never a crash', async () => {
  const text = fc.oneof(fc.string(), fc.json(), fc.array(fc.record({ sensorId: fc.oneof(fc.string(), fc.constant('geo-001')), site: fc.string(), zone: fc.string(), tokenSha256: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string()) }, { requiredKeys: [] }), { maxLength: 5 }).map((a) => JSON.stringify(a)));
  await fuzzSurface('configuration: device registry', text, (json) => {
    try {
      DeviceRegistry.fromJson(json);
    } catch (error) {
      assert.ok(error instanceof Error);
      assert.ok(error instanceof SyntaxError || /^(invalid device registry|the device registry must be a JSON array)/.test(error.message), error.message);
      assert.ok(error.message.length < 4000, 'bounded');
    }
    void parseRegistry;
  }, 1000);
});
