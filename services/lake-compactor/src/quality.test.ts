import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compactionQuality, emptyHourError } from './quality.js';

const site = (packets: number, rawRows = packets * 500, sensors = 3) => ({ site: 'north-pit', packets, rawRows, sensors, objects: { raw: [], packets: '', hourly: '' } });
const hour = { hourStart: '2026-11-24T05:00:00.000Z', spoolFiles: 4 };

test('compaction checks fail when packets go missing or a site lacks samples or features', () => {
  const passed = (result: Parameters<typeof compactionQuality>[0]) => Object.fromEntries(compactionQuality(result).map((a) => [a.assertion, a.success]));
  assert.deepEqual(passed({ ...hour, spoolPackets: 110, duplicates: 10, sites: [site(60), site(40)] }), { spool_packets_accounted: true, raw_samples_per_site: true, hourly_features_per_site: true });
  // 5 packets neither in a site's output nor counted as duplicates (e.g. a NULL site).
  assert.equal(passed({ ...hour, spoolPackets: 115, duplicates: 10, sites: [site(60), site(40)] }).spool_packets_accounted, false);
  assert.equal(passed({ ...hour, spoolPackets: 60, duplicates: 0, sites: [site(60, 0)] }).raw_samples_per_site, false);
  assert.equal(passed({ ...hour, spoolPackets: 60, duplicates: 0, sites: [site(60, 30_000, 0)] }).hourly_features_per_site, false);
});

test('an hour without spool is an error, not a COMPLETE', () => {
  assert.match(emptyHourError({ ...hour, spoolFiles: 0, spoolPackets: 0, duplicates: 0, sites: [] })!.message, /no spool files for 2026-11-24T05/);
  assert.equal(emptyHourError({ ...hour, spoolPackets: 1, duplicates: 0, sites: [site(1)] }), undefined);
});
