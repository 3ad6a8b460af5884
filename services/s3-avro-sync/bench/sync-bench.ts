// Copy throughput of s3-avro-sync (streamed, hashed, verified) as a ratio of a plain stream pipe
// S3 → GCS of the same bytes, and Avro validation records/s; same machine, same run.
//   eval "$(tools/stack/stack.sh env)" && npx tsx --conditions=source services/s3-avro-sync/bench/sync-bench.ts [files] [records-per-file]
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import avro from 'avsc';
import { createLogger, createS3, createStorage, createBigQuery } from '@mine/platform';
import { stackEnv, uniqueName } from '@mine/testkit';
import { ENCODE_CODECS } from '../src/avro.js';
import { readAvroContainer } from '../src/container.js';
import { ROCK_QUALITY_SCHEMA } from '../src/expected-schema.js';
import { copyVerified, type SyncOptions } from '../src/sync.js';

const files = Number(process.argv[2] ?? 6);
const recordsPerFile = Number(process.argv[3] ?? 40_000);
const env = stackEnv();
const s3 = createS3({ region: env.s3Region, endpoint: env.s3Endpoint, accessKeyId: env.s3AccessKeyId, secretAccessKey: env.s3SecretAccessKey });
const storage = createStorage({ projectId: env.projectId, storageApiEndpoint: env.storageApiEndpoint });
const name = uniqueName('bench-rock').replace(/_/g, '-');
await s3.send(new CreateBucketCommand({ Bucket: name }));
const [landing] = await storage.createBucket(`${name}-landing`);

const type = avro.Type.forSchema(ROCK_QUALITY_SCHEMA as never);
async function avroFile(seed: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const encoder = new avro.streams.BlockEncoder(type, { codec: seed % 2 ? 'snappy' : 'deflate', codecs: ENCODE_CODECS as never });
  const done = pipeline(encoder, new Writable({ write: (c, _e, cb) => (chunks.push(c), cb()) }));
  for (let i = 0; i < recordsPerFile; i++) {
    encoder.write({ sampleId: `S-${seed}-${i}`, siteId: 'north-pit', pitId: 'P2', bench: `B${i % 9}`, sampledAt: 1_790_000_000_000 + i, analysedAt: 1_790_100_000_000 + i, lab: 'GeoLab', rockType: 'andesite', ucsMpa: Math.random() * 200, rqdPercent: Math.random() * 100, densityTPerM3: 2.7, gradeCuPercent: Math.random(), moisturePercent: i % 3 ? null : Math.random() * 5 });
  }
  encoder.end();
  await done;
  return Buffer.concat(chunks);
}
const objects: { key: string; etag: string; size: number }[] = [];
for (let f = 0; f < files; f++) {
  const body = await avroFile(f);
  const key = `deliveries/bench-${f}.avro`;
  const put = await s3.send(new PutObjectCommand({ Bucket: name, Key: key, Body: body }));
  objects.push({ key, etag: (put.ETag ?? '').replace(/"/g, ''), size: body.length });
}
const totalBytes = objects.reduce((n, o) => n + o.size, 0);

async function timed(work: () => Promise<void>) {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const plain = await timed(async () => {
  for (const o of objects) {
    const response = await s3.send(new GetObjectCommand({ Bucket: name, Key: o.key }));
    await pipeline(response.Body as NodeJS.ReadableStream, landing.file(`plain/${o.key}`).createWriteStream({ resumable: false, validation: false }));
  }
});
const options = { s3, s3Bucket: name, landing, logger: createLogger({ service: 'bench', level: 'silent' }), bigquery: createBigQuery({ projectId: env.projectId, bigqueryApiEndpoint: env.bigqueryApiEndpoint }) } as unknown as SyncOptions;
const verified = await timed(async () => {
  for (const o of objects) await copyVerified(o, `verified/${o.key}`, options);
});
let records = 0;
const validation = await timed(async () => {
  for (const o of objects) records += (await readAvroContainer(landing.file(`verified/${o.key}`).createReadStream())).records;
});
await landing.deleteFiles({ force: true });
await landing.delete();

const mb = totalBytes / 1e6;
console.log(`${files} Avro files, ${recordsPerFile} records each (deflate and snappy), ${mb.toFixed(1)} MB in all`);
console.log(`plain pipe S3 → GCS        ${plain.toFixed(2)} s  ${(mb / plain).toFixed(1)} MB/s`);
console.log(`verified copy (md5, size)  ${verified.toFixed(2)} s  ${(mb / verified).toFixed(1)} MB/s`);
console.log(`ratio verified / plain: ${((100 * plain) / verified).toFixed(0)} %`);
console.log(`validation (every block decoded, records counted): ${records} records in ${validation.toFixed(2)} s = ${(records / validation / 1000).toFixed(0)} k records/s (read back from GCS)`);
