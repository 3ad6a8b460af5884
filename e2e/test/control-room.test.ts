import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createPubSub } from '@mine/platform';
import { SensorStream, blastSource, devicesJson, mineLayout, postPackets } from '@mine/simulator';
import { startService, uniqueName, waitFor } from '@mine/testkit';

const pubsub = createPubSub('mine-local');
const OPERATOR = 'control-room-e2e-token';
const artifacts = new URL('../../test-artifacts', import.meta.url).pathname;

test('the control-room screen shows a blast posted to the gateway as an alarm, and acknowledging it there changes it in the API', async (t) => {
  const name = uniqueName('room').replace(/_/g, '-');
  const topics = await Promise.all(['readings', 'issues', 'alerts', 'readings-dlq', 'issues-dlq'].map(async (s) => (await pubsub.createTopic(`${name}-${s}`))[0]));
  await topics[0]!.createSubscription(`${name}-eval`);
  await topics[1]!.createSubscription(`${name}-eval-issues`);
  t.after(async () => {
    for (const s of [`${name}-eval`, `${name}-eval-issues`]) await pubsub.subscription(s).delete().catch(() => undefined);
    for (const topic of topics) await topic!.delete().catch(() => undefined);
  });
  const sensors = mineLayout(6);
  const gateway = await startService('sensor-gateway', { SENSOR_TOPIC: `${name}-readings`, DEVICES_JSON: await devicesJson(sensors) });
  const evaluator = await startService('alert-evaluator', {
    PG_SCHEMA: name.replace(/-/g, '_'),
    SENSOR_SUBSCRIPTION: `${name}-eval`,
    SENSOR_DEAD_LETTER_TOPIC: `${name}-readings-dlq`,
    ISSUE_SUBSCRIPTION: `${name}-eval-issues`,
    ISSUE_DEAD_LETTER_TOPIC: `${name}-issues-dlq`,
    ALERTS_TOPIC: `${name}-alerts`,
    API_TOKENS: `room:operator:${createHash('sha256').update(OPERATOR).digest('hex')}`,
  });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.after(async () => {
    await browser.close();
    await gateway.stop();
    await evaluator.stop();
  });

  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  // The screen asks for the token once and keeps only an HttpOnly session cookie: no token in the URL.
  page.on('dialog', (dialog) => void dialog.accept(OPERATOR));
  await page.goto(`${evaluator.url}/`);
  await page.waitForSelector('#status.live');

  // Quiet packets from every sensor, and a 40 mm/s, 12 Hz blast on the first.
  const now = Math.floor(Date.now() / 1000) - 3;
  const streams = sensors.map((sensor, i) => new SensorStream(sensor, { sampleRateHz: 500, packetSeconds: 1, noiseMmS: 0.05, seed: i + 1 }));
  streams[0]!.add(blastSource(now + 1.2, 40, 12, 0.6));
  for (let second = 0; second < 2; second++) for (const stream of streams) assert.equal((await postPackets(gateway.url, stream.sensor, [stream.packet(now + second)])).status, 202);

  const card = page.locator(`.alarm.red[data-state="ACTIVE_UNACK"]`).filter({ hasText: sensors[0]!.sensorId });
  await card.waitFor({ timeout: 20_000 });
  assert.match(await card.innerText(), /% of the USBM limit/);
  await page.waitForSelector(`[data-sensor="${sensors[5]!.sensorId}"]`, { timeout: 10_000 });
  await page.waitForSelector(`[data-zone="${sensors[0]!.site}/${sensors[0]!.zone}"]`, { timeout: 15_000 });
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, 'control-room.png'), fullPage: true });

  // Read the id first: once acknowledged, the card no longer matches the locator.
  const alarmId = await card.getAttribute('data-alarm-id');
  await card.getByRole('button', { name: 'Acknowledge' }).click();
  const state = await waitFor(async () => {
    const response = await fetch(`${evaluator.url}/alarms/${alarmId}`, { headers: { authorization: `Bearer ${OPERATOR}` } });
    const alarm = (await response.json()) as { state: string };
    return alarm.state === 'ACTIVE_ACK' ? alarm.state : undefined;
  }, { what: 'the acknowledgement in the API' });
  assert.equal(state, 'ACTIVE_ACK');
  await page.locator(`[data-alarm-id="${alarmId}"][data-state="ACTIVE_ACK"]`).waitFor({ timeout: 10_000 });
  assert.equal(await page.locator(`[data-alarm-id="${alarmId}"] button`).count(), 0, 'no acknowledge button once acknowledged');
  assert.deepEqual(await page.evaluate('[document.cookie, localStorage.length, location.search]'), ['', 0, ''], 'the token is in no script-readable cookie, no storage and no URL');
});
