import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SensorReading } from '@mine/contracts';
import { createLogger, createStorage } from '@mine/platform';
import { SensorStream, blastSource, mineLayout } from '@mine/simulator';
import { stackEnv, uniqueName } from '@mine/testkit';
import { StaLtaDetector } from '@mine/vibration';
import { openDuckDb, sqlString } from '../src/parquet.js';
import { runCompaction } from '../src/run.js';
import { SpoolWriter } from '../src/spool.js';

const env = stackEnv();
const storage = createStorage({ projectId: env.projectId, storageApiEndpoint: env.storageApiEndpoint });
const logger = createLogger({ service: 'lake-compactor-test', level: 'silent' });
const H06 = Date.UTC(2026, 10, 20, 6);
const staLta = { ltaSeconds: 5 };

test('hourly seismic event counts equal a continuous detector’s across the hour boundary, whichever hour is compacted first', async (t) => {
  const name = uniqueName('lake-carry').replace(/_/g, '-');
  const [bucket] = await storage.createBucket(name);
  t.after(() => bucket.deleteFiles({ force: true }).then(() => bucket.delete()).catch(() => undefined));
  const workDir = await mkdtemp(join(tmpdir(), 'lake-carry-'));
  const duckdb = await openDuckDb({ WORK_DIR: workDir });

  // One sensor streams 05:59:30 … 06:00:30; blasts at 05:59:50 and 06:00:02, the second inside the first
  // LTA window of hour 06, where a detector starting afresh at the hour is still warming up.
  const [sensor] = mineLayout(1, ['north-pit'], 1);
  const stream = new SensorStream(sensor!, { sampleRateHz: 500, packetSeconds: 1, noiseMmS: 0.05, seed: 5 });
  stream.add(blastSource(H06 / 1000 - 10, 20, 14));
  stream.add(blastSource(H06 / 1000 + 2, 20, 14));
  const readings: SensorReading[] = [];
  for (let s = -30; s < 30; s++) readings.push({ ...stream.packet(H06 / 1000 + s), site: sensor!.site, zone: sensor!.zone, receivedAt: new Date(H06 + s * 1000).toISOString() });

  // What the alert-evaluator sees: one detector over the whole stream.
  const continuous = new StaLtaDetector(staLta);
  const expected = { '05': 0, '06': 0 };
  for (const r of readings) {
    for (const e of continuous.processPacket(r, Date.parse(r.startTime))) if (e.type === 'on') expected[new Date(e.timeMs).toISOString().slice(11, 13) as '05' | '06'] += 1;
  }
  assert.deepEqual(expected, { '05': 1, '06': 1 }, 'both blasts are detected by a detector that runs through the hour');

  const spool = new SpoolWriter({ bucket, duckdb, workDir, maxPackets: 1000, maxAgeMs: 60_000, logger });
  const store = async (batch: SensorReading[]) => {
    const stored = Promise.all(batch.map((r) => spool.add(r)));
    await spool.flush();
    await stored;
  };
  const counts = async () => {
    const out: Record<string, number> = {};
    for (const hour of ['05', '06']) {
      const local = join(workDir, `hourly-${hour}.parquet`);
      const file = bucket.file(`features/hourly/site=north-pit/date=2026-11-20/hour=${hour}/part-00000.parquet`);
      if (!(await file.exists())[0]) continue;
      await file.download({ destination: local });
      out[hour] = Number((await duckdb.runAndReadAll(`SELECT sum(seismicEvents) FROM read_parquet(${sqlString(local)})`)).getRows()[0]![0]);
    }
    return out;
  };
  const options = { bucket, duckdb, workDir, logger, staLta, settleMs: 0, leaseMs: 60_000 };

  // Hour 06 arrives and is compacted first, with nothing to continue from: its blast falls in the warm-up.
  await store(readings.filter((r) => r.startTime >= '2026-11-20T06'));
  await runCompaction(options);
  assert.deepEqual(await counts(), { '06': 0 });
  // Hour 05 arrives late: compacting it changes where 06's detector starts, so 06 is recompacted in the same run.
  await store(readings.filter((r) => r.startTime < '2026-11-20T06'));
  const run = await runCompaction(options);
  assert.deepEqual(run.compacted.map((c) => c.hour), ['2026-11-20T05', '2026-11-20T06']);
  assert.deepEqual(await counts(), expected);
  // Settled: nothing pending.
  assert.deepEqual((await runCompaction(options)).compacted, []);
});
