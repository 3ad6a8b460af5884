import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { stackEnv, uniqueName } from '@mine/testkit';
import { createS3, createStorage } from '../src/index.js';

const env = stackEnv();

test('Cloud Storage: write, list by prefix, read back', async (t) => {
  const storage = createStorage({ projectId: env.projectId, storageApiEndpoint: env.storageApiEndpoint });
  const [bucket] = await storage.createBucket(uniqueName('it-gcs').replace(/_/g, '-'));
  t.after(() => bucket.deleteFiles({ force: true }).then(() => bucket.delete()).catch(() => undefined));
  for (const hour of ['00', '01', '02']) {
    await bucket.file(`raw/site=north/date=2026-11-01/hour=${hour}/part-000.parquet`).save(Buffer.from(`hour ${hour}`), { resumable: false });
  }
  await bucket.file('spool/x.parquet').save('spool', { resumable: false });
  const [files] = await bucket.getFiles({ prefix: 'raw/site=north/' });
  assert.deepEqual(files.map((f) => f.name).sort(), [0, 1, 2].map((h) => `raw/site=north/date=2026-11-01/hour=0${h}/part-000.parquet`));
  const [content] = await bucket.file('raw/site=north/date=2026-11-01/hour=01/part-000.parquet').download();
  assert.equal(content.toString(), 'hour 01');
  // A streamed upload, the way services write large objects.
  const large = Buffer.alloc(3 * 1024 * 1024, 7);
  await pipeline(Readable.from([large]), bucket.file('big.bin').createWriteStream({ resumable: false }));
  const [metadata] = await bucket.file('big.bin').getMetadata();
  assert.equal(Number(metadata.size), large.length);
  assert.equal(metadata.md5Hash, createHash('md5').update(large).digest('base64'));
});

test('S3: paged listing, ETags, multipart upload and streaming reads', async (t) => {
  const s3 = createS3({ region: env.s3Region, endpoint: env.s3Endpoint, accessKeyId: env.s3AccessKeyId, secretAccessKey: env.s3SecretAccessKey });
  const Bucket = uniqueName('it-s3').replace(/_/g, '-');
  await s3.send(new CreateBucketCommand({ Bucket }));
  t.after(async () => {
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket })) {
      const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length) await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys } }));
    }
    await s3.send(new DeleteBucketCommand({ Bucket }));
  });
  for (let i = 0; i < 25; i++) {
    await s3.send(new PutObjectCommand({ Bucket, Key: `supplier/2026/11/analysis-${String(i).padStart(3, '0')}.avro`, Body: `analysis ${i}` }));
  }
  const keys: string[] = [];
  let pages = 0;
  for await (const page of paginateListObjectsV2({ client: s3, pageSize: 10 }, { Bucket, Prefix: 'supplier/' })) {
    pages += 1;
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
  }
  assert.equal(pages, 3);
  assert.equal(keys.length, 25);
  assert.equal(new Set(keys).size, 25);

  const single = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'supplier/2026/11/analysis-000' }));
  assert.equal(single.Contents?.[0]?.ETag, `"${createHash('md5').update('analysis 0').digest('hex')}"`);

  // Multipart: S3's ETag is md5 of the part md5s, suffixed with the part count.
  const partSize = 5 * 1024 * 1024;
  const body = Buffer.concat([Buffer.alloc(partSize, 1), Buffer.alloc(1024, 2)]);
  await new Upload({ client: s3, params: { Bucket, Key: 'multipart.bin', Body: body }, partSize }).done();
  const parts = [body.subarray(0, partSize), body.subarray(partSize)].map((p) => createHash('md5').update(p).digest());
  const expected = `"${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-2"`;
  const object = await s3.send(new GetObjectCommand({ Bucket, Key: 'multipart.bin' }));
  assert.equal(object.ETag, expected);
  const hash = createHash('md5');
  let bytes = 0;
  for await (const chunk of object.Body as Readable) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  assert.equal(bytes, body.length);
  assert.equal(hash.digest('hex'), createHash('md5').update(body).digest('hex'));
});
