import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import avro from 'avsc';
import { createBigQuery, createLogger, createS3, createStorage } from '@mine/platform';
import { startFaultProxy, stackEnv, uniqueName } from '@mine/testkit';
import { ENCODE_CODECS } from '../src/avro.js';
import { ROCK_QUALITY_SCHEMA } from '../src/expected-schema.js';
import { syncMetrics } from '../src/metrics.js';
import { syncOnce, type SyncOptions } from '../src/sync.js';
import { AVRO_CODECS, fastavroFile } from './fastavro.js';

const env = stackEnv();
const logger = createLogger({ service: 's3-avro-sync-test', level: 'silent' });
const s3 = createS3({ region: env.s3Region, endpoint: env.s3Endpoint, accessKeyId: env.s3AccessKeyId, secretAccessKey: env.s3SecretAccessKey });
const storage = createStorage({ projectId: env.projectId, storageApiEndpoint: env.storageApiEndpoint });
const bigquery = createBigQuery({ projectId: env.projectId, bigqueryApiEndpoint: env.bigqueryApiEndpoint });

/** timestamp-millis as avsc's docs implement logical types, so the written schema keeps the annotation. */
class TimestampMillis extends avro.types.LogicalType {
  override _fromValue(value: number) {
    return new Date(value);
  }
  override _toValue(value: Date | number) {
    return value instanceof Date ? value.getTime() : value;
  }
  override _resolve(type: avro.Type) {
    if (avro.Type.isType(type, 'long', 'logical:timestamp-millis')) return this._fromValue.bind(this);
    return undefined;
  }
}

/** An Avro container file written by avsc itself. */
async function avroFile(schema: object, records: object[], codec: 'deflate' | 'snappy'): Promise<Buffer> {
  const type = avro.Type.forSchema(schema as never, { logicalTypes: { 'timestamp-millis': TimestampMillis } as never });
  const chunks: Buffer[] = [];
  const encoder = new avro.streams.BlockEncoder(type, { codec, codecs: ENCODE_CODECS as never, blockSize: 256 });
  const done = new Promise<void>((resolve, reject) => {
    encoder.pipe(new Writable({ write: (chunk, _e, cb) => (chunks.push(chunk), cb()) })).on('finish', resolve).on('error', reject);
  });
  for (const record of records) encoder.write(record);
  encoder.end();
  await done;
  return Buffer.concat(chunks);
}

const T0 = Date.UTC(2026, 10, 1, 8);
const analysis = (file: number, i: number, extra: object = {}) => ({
  sampleId: `S-${file}-${i}`,
  siteId: 'north-pit',
  pitId: 'P2',
  bench: `B${(i % 4) + 1}`,
  sampledAt: T0 + file * 3_600_000 + i * 60_000,
  analysedAt: T0 + file * 3_600_000 + 86_400_000,
  lab: 'GeoLab',
  rockType: i % 2 ? 'andesite' : 'diorite',
  ucsMpa: 80 + i,
  rqdPercent: 60 + file,
  densityTPerM3: 2.7,
  gradeCuPercent: 0.45 + i / 100,
  moisturePercent: i % 3 ? null : 2.5,
  ...extra,
});

test('syncs new and changed Avro files from S3 to GCS and BigQuery, quarantines bad ones, and a rerun does nothing', async (t) => {
  const name = uniqueName('rock').replace(/_/g, '-');
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  const [landing] = await storage.createBucket(`${name}-landing`);
  const [dataset] = await bigquery.createDataset(uniqueName('rock'));
  t.after(async () => {
    await landing.deleteFiles({ force: true }).then(() => landing.delete()).catch(() => undefined);
    await dataset.delete({ force: true }).catch(() => undefined);
  });
  const put = async (key: string, body: Buffer) => s3.send(new PutObjectCommand({ Bucket: name, Key: key, Body: body }));

  for (let f = 0; f < 12; f++) {
    await put(`deliveries/2026/11/analysis-${String(f).padStart(2, '0')}.avro`, await avroFile(ROCK_QUALITY_SCHEMA, Array.from({ length: 10 }, (_, i) => analysis(f, i)), f % 2 ? 'snappy' : 'deflate'));
  }
  const good = await avroFile(ROCK_QUALITY_SCHEMA, Array.from({ length: 40 }, (_, i) => analysis(99, i)), 'deflate');
  const corrupt = Buffer.from(good);
  for (let i = Math.floor(corrupt.length / 2); i < Math.floor(corrupt.length / 2) + 64; i++) corrupt[i] = 0xff - corrupt[i]!;
  await put('deliveries/2026/11/analysis-corrupt.avro', corrupt);
  const incompatible = { ...ROCK_QUALITY_SCHEMA, fields: ROCK_QUALITY_SCHEMA.fields.map((f) => (f.name === 'ucsMpa' ? { name: 'ucsMpa', type: 'string' } : f)) };
  await put('deliveries/2026/11/analysis-typechange.avro', await avroFile(incompatible, [{ ...analysis(50, 0), ucsMpa: 'high' }], 'deflate'));
  const evolved = { ...ROCK_QUALITY_SCHEMA, fields: [...ROCK_QUALITY_SCHEMA.fields, { name: 'labNotes', type: ['null', 'string'], default: null }] };
  await put('deliveries/2026/11/analysis-evolved.avro', await avroFile(evolved, Array.from({ length: 5 }, (_, i) => ({ ...analysis(60, i), labNotes: `batch ${i}` })), 'snappy'));

  const options: SyncOptions = {
    s3,
    s3Bucket: name,
    s3Prefix: 'deliveries/',
    pageSize: 4,
    landing,
    landingPrefix: 'rock-quality/',
    quarantinePrefix: 'quarantine/rock-quality/',
    bigquery,
    dataset: dataset.id!,
    table: 'analyses',
    expectedSchema: ROCK_QUALITY_SCHEMA as unknown as Record<string, unknown>,
    concurrency: 3,
    logger,
    metrics: syncMetrics(),
  };
  const first = await syncOnce(options);
  assert.equal(first.listed, 15, 'all files across four pages');
  assert.deepEqual(first.failed, []);
  assert.equal(first.loaded.length, 13);
  assert.deepEqual(first.quarantined.map((q) => `${q.key}:${q.reason}`).sort(), [
    'deliveries/2026/11/analysis-corrupt.avro:corrupt',
    'deliveries/2026/11/analysis-typechange.avro:incompatible_schema',
  ]);
  const metrics = await options.metrics!.registry.metrics();
  assert.match(metrics, /s3_avro_sync_files_total\{outcome="loaded",service="s3-avro-sync"\} 13/);
  assert.match(metrics, /s3_avro_sync_files_total\{outcome="quarantined",service="s3-avro-sync"\} 2/);
  assert.match(metrics, /s3_avro_sync_records_loaded_total\{service="s3-avro-sync"\} 125/);
  assert.match(metrics, /s3_avro_sync_files_remaining\{service="s3-avro-sync"\} 0/);
  const table = `\`${env.projectId}.${dataset.id}.analyses\``;
  const [[counts]] = await bigquery.query({ query: `SELECT COUNT(*) AS n, COUNT(DISTINCT sampleId) AS samples, COUNTIF(labNotes IS NOT NULL) AS notes FROM ${table}` });
  assert.deepEqual({ ...counts }, { n: 125, samples: 125, notes: 5 });
  const [[sample]] = await bigquery.query({ query: `SELECT sampledAt, moisturePercent, _source_object FROM ${table} WHERE sampleId = 'S-3-0'` });
  assert.equal(new Date(sample.sampledAt.value).getTime(), T0 + 3 * 3_600_000, 'timestamp-millis arrives as a TIMESTAMP');
  assert.equal(sample.moisturePercent, 2.5);
  assert.equal(sample._source_object, 'deliveries/2026/11/analysis-03.avro');

  // Copies keep the S3 path; quarantined files move with a report.
  assert.ok((await landing.file(`rock-quality/${name}/deliveries/2026/11/analysis-07.avro`).exists())[0]);
  const [report] = await landing.file(`quarantine/rock-quality/${name}/deliveries/2026/11/analysis-typechange.avro.report.json`).download();
  assert.match(JSON.parse(report.toString()).problems.join(), /ucsMpa is "string", expected "double"/);
  assert.equal((await landing.file(`rock-quality/${name}/deliveries/2026/11/analysis-corrupt.avro`).exists())[0], false);

  // A rerun copies and loads nothing.
  const second = await syncOnce(options);
  assert.deepEqual([second.listed, second.skipped, second.loaded.length, second.quarantined.length], [15, 15, 0, 0]);

  // A changed file (new ETag) replaces its own rows, and nothing else.
  await put('deliveries/2026/11/analysis-00.avro', await avroFile(ROCK_QUALITY_SCHEMA, Array.from({ length: 7 }, (_, i) => analysis(0, i, { ucsMpa: 200 })), 'deflate'));
  const third = await syncOnce(options);
  assert.deepEqual(third.loaded.map((l) => [l.key, l.rows]), [['deliveries/2026/11/analysis-00.avro', 7]]);
  const [[after]] = await bigquery.query({ query: `SELECT COUNT(*) AS n, COUNTIF(ucsMpa = 200) AS corrected FROM ${table}` });
  assert.deepEqual({ ...after }, { n: 122, corrected: 7 });
});

test('files fastavro writes in every Avro codec load; cut, non-record and unknown-codec files are quarantined with stable reasons; a Cloud Storage fault is retried within the run', async (t) => {
  const name = uniqueName('rockc').replace(/_/g, '-');
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  // Cloud Storage through a proxy that resets chosen requests once, as a network fault would.
  const proxy = await startFaultProxy(env.storageApiEndpoint);
  const faultyStorage = createStorage({ projectId: env.projectId, storageApiEndpoint: proxy.url });
  const [landing] = await storage.createBucket(`${name}-landing`);
  const [dataset] = await bigquery.createDataset(uniqueName('rockc'));
  t.after(async () => {
    await proxy.close();
    await landing.deleteFiles({ force: true }).then(() => landing.delete()).catch(() => undefined);
    await dataset.delete({ force: true }).catch(() => undefined);
  });
  const put = async (key: string, body: Buffer) => s3.send(new PutObjectCommand({ Bucket: name, Key: key, Body: body }));
  for (const [f, codec] of AVRO_CODECS.entries()) {
    await put(`in/${codec}.avro`, fastavroFile(ROCK_QUALITY_SCHEMA, Array.from({ length: 50 }, (_, i) => analysis(f, i)), codec, 1500));
  }
  const whole = fastavroFile(ROCK_QUALITY_SCHEMA, Array.from({ length: 50 }, (_, i) => analysis(40, i)), 'deflate', 1500);
  await put('in/bad-cut.avro', whole.subarray(0, whole.length - 100));
  await put('in/bad-strings.avro', fastavroFile({ type: 'array', items: 'string' }, [['a', 'b']], 'null'));
  const lz4 = Buffer.from(fastavroFile(ROCK_QUALITY_SCHEMA, [analysis(41, 0)], 'null'));
  lz4.write('lz4\0', lz4.indexOf('null'), 'latin1'); // same length as "null": the header stays well-formed
  await put('in/bad-lz4.avro', lz4);

  proxy.resetOnce(/manifest\.json/);
  proxy.resetOnce(/^POST \/upload\/storage\/v1\/b\/[^/]+\/o\?.*name=rock-quality%2F[^&]*zstandard\.avro/);
  const report = await syncOnce({
    s3, s3Bucket: name, s3Prefix: 'in/', pageSize: 100, landing: faultyStorage.bucket(landing.name), landingPrefix: 'rock-quality/', quarantinePrefix: 'quarantine/',
    bigquery, dataset: dataset.id!, table: 'analyses', expectedSchema: ROCK_QUALITY_SCHEMA as unknown as Record<string, unknown>, concurrency: 3, logger, retryDelayMs: 200,
  });
  assert.equal(proxy.resets, 2, 'both faults happened');
  assert.deepEqual(report.failed, [], 'retried within the run');
  assert.deepEqual(report.loaded.map((l) => [l.key, l.rows]).sort(), AVRO_CODECS.map((c) => [`in/${c}.avro`, 50]).sort());
  assert.deepEqual(report.quarantined.map((q) => `${q.key}:${q.reason}`).sort(), ['in/bad-cut.avro:truncated', 'in/bad-lz4.avro:unsupported_codec', 'in/bad-strings.avro:incompatible_schema']);
  const [[counts]] = await bigquery.query({ query: `SELECT COUNT(*) AS n, COUNT(DISTINCT sampleId) AS samples FROM \`${env.projectId}.${dataset.id}.analyses\`` });
  assert.deepEqual({ ...counts }, { n: 300, samples: 300 });
  // bzip2, xz and zstandard are loaded from a deflate copy beside the original.
  for (const codec of ['bzip2', 'xz', 'zstandard']) assert.ok((await landing.file(`rock-quality/${name}/in/${codec}.avro.deflate.avro`).exists())[0], codec);
  const reportOf = async (key: string) => JSON.parse((await landing.file(`quarantine/${name}/${key}.report.json`).download())[0].toString());
  assert.match((await reportOf('in/bad-strings.avro')).detail, /^the top-level schema is "array", not a record$/);
  assert.match((await reportOf('in/bad-cut.avro')).detail, /^the file ends inside the block at byte \d+/);
  assert.equal((await reportOf('in/bad-lz4.avro')).reason, 'unsupported_codec');
});
