import { randomUUID } from 'node:crypto';
import type { RunCompleted } from '@mine/contracts';
import { ManifestStore, manifestObject } from './manifest.js';
import { syncOnce, type SyncOptions, type SyncReport } from './sync.js';

/**
 * One run of the job: the sync, recorded as one OpenLineage run of
 * `s3-avro-sync` (FAIL when a file failed: with rows loaded, run history
 * shows it as PARTIAL; the failed files are retried next run), then announced
 * on `pipeline-runs` with the rows the table must hold — the sum of the
 * manifest's loaded files — so the quality gate can check the count.
 */
export async function syncRun(options: SyncOptions & { announce?: (message: RunCompleted) => Promise<void> }): Promise<SyncReport> {
  const run = await options.lineage?.startRun('s3-avro-sync', [{ namespace: `s3://${options.s3Bucket}`, name: options.s3Prefix || '/' }]);
  let report: SyncReport;
  try {
    report = await syncOnce(options);
  } catch (error) {
    await run?.fail(error as Error);
    throw error;
  }
  const table = `${options.dataset}.${options.table}`;
  const rowsWritten = report.loaded.reduce((sum, file) => sum + file.rows, 0);
  const output = { namespace: 'bigquery', name: `${options.bigquery.projectId}.${table}`, rowCount: rowsWritten };
  const quality = [{ assertion: 'no_file_quarantined', success: report.quarantined.length === 0 }];
  if (report.failed.length) {
    await run?.fail(new Error(`${report.failed.length} of ${report.failed.length + report.loaded.length + report.quarantined.length} files failed (retried next run): ${report.failed.map((f) => `${f.key}: ${f.error}`).join('; ')}`), [output], quality);
  } else {
    await run?.complete([output], quality);
  }
  const manifest = await new ManifestStore(options.landing, manifestObject(options.landingPrefix)).load();
  const expected = Object.values(manifest.files).reduce((sum, file) => sum + (file.status === 'loaded' ? (file.rows ?? 0) : 0), 0);
  await options.announce?.({
    runId: run?.runId ?? randomUUID(),
    job: 's3-avro-sync',
    status: report.failed.length ? 'PARTIAL' : 'COMPLETE',
    completedAt: new Date().toISOString(),
    outputs: [{ table, rowsWritten, expectedRows: { min: expected, max: expected } }],
  });
  return report;
}
