import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import { freePort, stackEnv, startService, uniqueName, waitFor } from '@mine/testkit';
// The same start-up as `./dev up`'s; Prometheus comes from tools/prometheus.sh (installed by ./dev test).
import { startLocalPrometheus } from '../../cdk8s/src/local-prometheus.js';

interface Alert {
  labels: Record<string, string>;
  state: string;
}

test('a poison message dead-lettered by the real sink makes the real Prometheus fire MessagesDeadLettered, with the chart’s rule', async (t) => {
  const pubsub = new PubSub({ projectId: stackEnv().projectId });
  const name = uniqueName('prom').replace(/_/g, '-');
  const [topic] = await pubsub.createTopic(name);
  const [dlq] = await pubsub.createTopic(`${name}-dead-letter`);
  const [hold] = await dlq.createSubscription(`${name}-dead-letter.hold`);
  await topic.createSubscription(`${name}.sink`, { ackDeadlineSeconds: 20 });
  t.after(async () => {
    await Promise.all([pubsub.subscription(`${name}.sink`).delete(), hold.delete()]).catch(() => undefined);
    await Promise.all([topic.delete(), dlq.delete()]).catch(() => undefined);
    await pubsub.close();
  });

  const sink = await startService('mobile-issues-api', { SUBSCRIPTION: `${name}.sink`, DEAD_LETTER_TOPIC: `${name}-dead-letter` }, { entry: 'src/sink-main.ts' });
  t.after(() => sink.stop());

  // The same rules the chart ships, evaluated every second instead of every 30 s.
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  const port = await freePort();
  const prometheus = startLocalPrometheus(dir, [{ job: 'mobile-issues-sink', address: new URL(sink.url).host }], port, { scrapeSeconds: 1, evaluationSeconds: 1 });
  prometheus.stdout!.resume();
  const stderr: string[] = [];
  prometheus.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise((resolve) => prometheus.on('exit', resolve));
  t.after(async () => {
    prometheus.kill('SIGTERM');
    await exited;
  });
  const api = `http://127.0.0.1:${port}/api/v1`;
  await waitFor(async () => ((await fetch(`${api}/targets`).catch(() => undefined))?.ok ? true : undefined), { what: 'Prometheus up', timeoutMs: 60_000 });
  const firing = async () => ((await (await fetch(`${api}/alerts`)).json()) as { data: { alerts: Alert[] } }).data.alerts.filter((a) => a.labels.alertname === 'MessagesDeadLettered' && a.state === 'firing');

  // Healthy: the sink is scraped and nothing fires.
  await waitFor(async () => {
    const body = (await (await fetch(`${api}/query?query=${encodeURIComponent('up{job="mobile-issues-sink"}')}`)).json()) as { data: { result: { value: [number, string] }[] } };
    return body.data.result[0]?.value[1] === '1' ? true : undefined;
  }, { what: 'the sink scraped', timeoutMs: 30_000 });
  assert.deepEqual(await firing(), [], `nothing fires before the poison message\n${stderr.join('')}`);

  await topic.publishMessage({ data: Buffer.from('{"eventId": "e-1", not json') });
  const [alert] = await waitFor(async () => {
    const alerts = await firing();
    return alerts.length ? alerts : undefined;
  }, { what: 'MessagesDeadLettered firing', timeoutMs: 60_000 });
  assert.deepEqual({ ...alert!.labels }, { alertname: 'MessagesDeadLettered', severity: 'warning', service: 'mobile-issues-sink', subscription: `${name}.sink`, reason: 'invalid_json' });
});
