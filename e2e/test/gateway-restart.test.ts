import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSensorReadings, type SensorPacket, type SensorReading } from '@mine/contracts';
import { createPubSub } from '@mine/platform';
import { SensorStream, devicesJson, mineLayout, postPackets } from '@mine/simulator';
import { pullMessages, stackEnv, startService, uniqueName } from '@mine/testkit';

const env = stackEnv();
const pubsub = createPubSub(env.projectId);
const key = (sensorId: string, sequence: number) => `${sensorId}#${sequence}`;

test('a gateway restarted under load loses no acknowledged packet, and packets resent with their sequence numbers arrive', async (t) => {
  const name = uniqueName('restart').replace(/_/g, '-');
  const [topic] = await pubsub.createTopic(`${name}-readings`);
  const [subscription] = await topic.createSubscription(`${name}-watch`);
  t.after(async () => {
    await subscription.delete().catch(() => undefined);
    await topic.delete().catch(() => undefined);
  });

  const sensors = mineLayout(6);
  const gatewayEnv = { SENSOR_TOPIC: `${name}-readings`, DEVICES_JSON: await devicesJson(sensors) };
  const start = Math.floor(Date.now() / 1000) - 30;
  const streams = sensors.map((sensor, i) => new SensorStream(sensor, { sampleRateHz: 250, packetSeconds: 1, noiseMmS: 0.05, seed: i + 40 }));
  const packets = streams.map((stream) => Array.from({ length: 20 }, (_, second) => stream.packet(start + second)));

  const accepted = new Set<string>();
  const unanswered: { sensor: number; packet: SensorPacket }[] = [];
  const first = await startService('sensor-gateway', gatewayEnv);
  // Every sensor posts its packets one after another while the gateway is told to stop once it has taken
  // the first twenty (a busy machine may see some shed with 503 before that; those are resent below too).
  let posted = 0;
  const refusals: string[] = [];
  const stopped = (async () => {
    while (accepted.size < 20 && posted < sensors.length * 10) await new Promise((resolve) => setTimeout(resolve, 5));
    return first.stop();
  })();
  await Promise.all(
    sensors.map(async (sensor, i) => {
      for (const packet of packets[i]!) {
        const result = await postPackets(first.url, sensor, [packet], { maxRetries: 0 }).catch(() => undefined);
        posted += 1;
        if (result?.status === 202) accepted.add(key(packet.sensorId, packet.sequence));
        else {
          refusals.push(result ? `${result.status} ${JSON.stringify(result.body).slice(0, 120)}` : 'no answer');
          unanswered.push({ sensor: i, packet });
        }
      }
    }),
  );
  assert.equal(await stopped, 0, 'the first gateway drains and exits cleanly');
  assert.ok(accepted.size >= 20, `the first gateway accepted packets before it stopped (${accepted.size}; refusals: ${refusals.slice(0, 5).join(' | ')})`);
  assert.ok(unanswered.length > 0, 'some packets found the gateway gone and must be resent');

  // The device resends what got no 202 to the new gateway, with the same sequence numbers.
  const second = await startService('sensor-gateway', gatewayEnv);
  t.after(() => second.stop());
  for (const { sensor, packet } of unanswered) {
    const result = await postPackets(second.url, sensors[sensor]!, [packet]);
    assert.equal(result.status, 202, JSON.stringify(result.body));
  }

  const total = sensors.length * 20;
  const messages = await pullMessages(subscription, { max: 500, atLeast: total, timeoutMs: 30_000 });
  const delivered = new Set(
    messages.flatMap((m) =>
      (decodeSensorReadings(m.data, m.attributes).readings as SensorReading[]).map((reading) => {
        assert.equal(m.attributes.sensorId, reading.sensorId);
        return key(reading.sensorId, reading.sequence);
      }),
    ),
  );
  for (const acknowledged of accepted) assert.ok(delivered.has(acknowledged), `acknowledged ${acknowledged} reached Pub/Sub`);
  const expected = new Set(packets.flat().map((p) => key(p.sensorId, p.sequence)));
  assert.deepEqual([...delivered].sort(), [...expected].sort(), 'after dedupe by sensor and sequence, exactly the packets sent');
});
