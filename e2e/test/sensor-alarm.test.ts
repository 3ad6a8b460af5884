import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AlarmTransition } from '@mine/contracts';
import { createPubSub } from '@mine/platform';
import { SensorStream, blastSource, devicesJson, mineLayout, postPackets } from '@mine/simulator';
import { pullMessages, stackEnv, startService, uniqueName, waitFor } from '@mine/testkit';

const env = stackEnv();
const pubsub = createPubSub(env.projectId);
const OPERATOR = 'e2e-operator-token';

test('a blast posted to the gateway becomes a red alarm on the alerts topic and in the API; both services drain on SIGTERM', async (t) => {
  const name = uniqueName('e2e').replace(/_/g, '-');
  const [readings] = await pubsub.createTopic(`${name}-readings`);
  const [issues] = await pubsub.createTopic(`${name}-issues`);
  const [alerts] = await pubsub.createTopic(`${name}-alerts`);
  const dlq = await Promise.all([`${name}-readings-dlq`, `${name}-issues-dlq`].map(async (n) => (await pubsub.createTopic(n))[0]));
  await readings.createSubscription(`${name}-evaluator`);
  await issues.createSubscription(`${name}-evaluator-issues`);
  const [alertsSub] = await alerts.createSubscription(`${name}-alerts.watch`);
  t.after(async () => {
    for (const s of [`${name}-evaluator`, `${name}-evaluator-issues`, `${name}-alerts.watch`]) await pubsub.subscription(s).delete().catch(() => undefined);
    for (const topic of [readings, issues, alerts, ...dlq]) await topic.delete().catch(() => undefined);
  });

  const sensors = mineLayout(4);
  const gateway = await startService('sensor-gateway', { SENSOR_TOPIC: `${name}-readings`, DEVICES_JSON: await devicesJson(sensors) });
  const evaluator = await startService('alert-evaluator', {
    PG_SCHEMA: name.replace(/-/g, '_'),
    SENSOR_SUBSCRIPTION: `${name}-evaluator`,
    SENSOR_DEAD_LETTER_TOPIC: `${name}-readings-dlq`,
    ISSUE_SUBSCRIPTION: `${name}-evaluator-issues`,
    ISSUE_DEAD_LETTER_TOPIC: `${name}-issues-dlq`,
    ALERTS_TOPIC: `${name}-alerts`,
    ALARM_HISTORY_TABLE: 'ops.alarm_transitions',
    API_TOKENS: `e2e:operator:${createHash('sha256').update(OPERATOR).digest('hex')}`,
  });
  t.after(async () => {
    await gateway.stop();
    await evaluator.stop();
  });

  // Two seconds of quiet ground from every sensor, then a 40 mm/s blast at 12 Hz on the first (USBM limit there: 15.2 mm/s).
  const now = Math.floor(Date.now() / 1000) - 5;
  const streams = sensors.map((sensor, i) => new SensorStream(sensor, { sampleRateHz: 500, packetSeconds: 1, noiseMmS: 0.05, seed: i + 1 }));
  streams[0]!.add(blastSource(now + 2.1, 40, 12, 0.8));
  for (let second = 0; second < 3; second++) {
    for (const stream of streams) {
      const result = await postPackets(gateway.url, stream.sensor, [stream.packet(now + second)]);
      assert.equal(result.status, 202, JSON.stringify(result.body));
    }
  }

  const headers = { authorization: `Bearer ${OPERATOR}` };
  const alarm = await waitFor(
    async () => {
      const response = await fetch(`${evaluator.url}/alarms?rule=vibration-limit`, { headers });
      const { alarms } = (await response.json()) as { alarms: { alarmId: string; subject: string; level: string; state: string }[] };
      return alarms[0];
    },
    { timeoutMs: 20_000, what: 'the vibration alarm' },
  );
  assert.equal(alarm.subject, sensors[0]!.sensorId);
  assert.equal(alarm.level, 'red');
  assert.equal(alarm.state, 'ACTIVE_UNACK');

  const [message] = await pullMessages(alertsSub, { atLeast: 1, timeoutMs: 15_000 });
  const transition = JSON.parse(message!.data.toString()) as AlarmTransition;
  assert.equal(transition.alarmId, alarm.alarmId);
  assert.equal(message!.attributes.level, 'red');

  const ack = await fetch(`${evaluator.url}/alarms/${alarm.alarmId}/ack`, { method: 'POST', headers });
  assert.equal(ack.status, 200);

  assert.equal(await gateway.stop(), 0, 'the gateway drains and exits cleanly on SIGTERM');
  assert.equal(await evaluator.stop(), 0, 'the evaluator drains and exits cleanly on SIGTERM');
  assert.ok(evaluator.logs.some((line) => line.includes('"drained"')), 'the drain is logged');
});
