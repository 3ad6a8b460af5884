import type { BigQuery } from '@google-cloud/bigquery';
import type { LineageEmitter, Logger, QualityAssertion } from '@mine/platform';
import type { QualityGateSpec } from '@mine/topology';
import { runCheck, type CheckOutcome } from './checks/index.js';
import type { GateMetrics } from './metrics.js';

export interface GateDeps {
  bigquery: BigQuery;
  lineage: LineageEmitter;
  logger: Logger;
  metrics?: GateMetrics;
  /** dataset.table failing rows are copied to */
  quarantineTable: string;
  /** failing rows kept per check and run at most */
  quarantineLimit: number;
}

export interface GateResult {
  table: string;
  runId: string;
  published: boolean;
  publishedRows?: number;
  outcomes: (CheckOutcome & { severity: 'block' | 'warn'; failingRowCount?: number })[];
}

const split = (id: string) => id.split('.') as [string, string];

/**
 * Write-audit-publish of one table: snapshot the loaded table, run its checks
 * on the snapshot, keep failing rows in the quarantine table, and only if no
 * blocking check failed replace the curated copy with the snapshot (a copy
 * job: readers see the old table or the new one). The result is one
 * OpenLineage run of `quality-gate.<table>` with the data-quality assertions,
 * COMPLETE when published and FAIL when blocked.
 */
export async function runGate(gate: QualityGateSpec, trigger: { runId: string; job: string; expectedRows?: { min: number; max: number } }, deps: GateDeps): Promise<GateResult> {
  const { bigquery, logger } = deps;
  const project = bigquery.projectId;
  const [dataset, table] = split(gate.table);
  const [curatedDataset, curatedTable] = split(gate.publishAs);
  const run = await deps.lineage.startRun(`quality-gate.${gate.table}`, [{ namespace: 'bigquery', name: `${project}.${gate.table}` }]);
  // The audit snapshot sits beside the curated copy, so publishing it is a copy within one dataset.
  const snapshot = `_audit_${curatedTable}_${run.runId.replace(/-/g, '')}`;
  const snapshotRef = bigquery.dataset(curatedDataset).table(snapshot);
  try {
    await copyTable(bigquery, { dataset, table }, { dataset: curatedDataset, table: snapshot });
    const ctx = {
      bigquery,
      table: `\`${project}.${curatedDataset}.${snapshot}\``,
      dataset: curatedDataset,
      tableName: snapshot,
      ...(trigger.expectedRows ? { expectedRows: trigger.expectedRows } : {}),
    };
    const outcomes: GateResult['outcomes'] = [];
    for (const spec of gate.checks) {
      const outcome = await runCheck(spec, ctx);
      if (!outcome) continue;
      const severity = spec.severity ?? 'block';
      const failingRowCount = !outcome.success && outcome.failingRows ? await quarantine(outcome, gate.table, run.runId, deps) : undefined;
      outcomes.push({ ...outcome, severity, ...(failingRowCount !== undefined ? { failingRowCount } : {}) });
      deps.metrics?.checks.inc({ table: gate.table, assertion: outcome.assertion, outcome: outcome.success ? 'passed' : severity === 'block' ? 'failed' : 'warned' });
    }
    const assertions: QualityAssertion[] = outcomes.map((o) => ({ assertion: o.assertion, success: o.success, ...(o.column ? { column: o.column } : {}) }));
    const blocking = outcomes.filter((o) => !o.success && o.severity === 'block');
    const warnings = outcomes.filter((o) => !o.success && o.severity === 'warn');
    if (warnings.length) logger.warn({ table: gate.table, warnings: warnings.map((o) => `${o.assertion}: ${o.detail}`) }, 'quality warnings');
    if (blocking.length) {
      const reason = blocking.map((o) => `${o.assertion}: ${o.detail}`).join('; ');
      deps.metrics?.blocked.set({ table: gate.table }, 1);
      logger.error({ table: gate.table, trigger, blocking: reason, quarantine: deps.quarantineTable, checkRunId: run.runId }, 'quality checks failed: publication blocked');
      await run.fail(new Error(`publication of ${gate.publishAs} blocked: ${reason}`), [], assertions);
      return { table: gate.table, runId: run.runId, published: false, outcomes };
    }
    await copyTable(bigquery, { dataset: curatedDataset, table: snapshot }, { dataset: curatedDataset, table: curatedTable });
    const [metadata] = await bigquery.dataset(curatedDataset).table(curatedTable).getMetadata();
    const publishedRows = Number(metadata.numRows ?? 0);
    deps.metrics?.blocked.set({ table: gate.table }, 0);
    deps.metrics?.published.set({ table: gate.table }, Date.now() / 1000);
    await run.complete([{ namespace: 'bigquery', name: `${project}.${gate.publishAs}`, rowCount: publishedRows }], assertions);
    logger.info({ table: gate.table, publishedAs: gate.publishAs, rows: publishedRows, trigger: trigger.job, checks: outcomes.length }, 'checks passed: published');
    return { table: gate.table, runId: run.runId, published: true, publishedRows, outcomes };
  } catch (error) {
    await run.fail(error as Error);
    throw error;
  } finally {
    await snapshotRef.delete().catch(() => undefined);
  }
}

async function copyTable(bigquery: BigQuery, from: { dataset: string; table: string }, to: { dataset: string; table: string }): Promise<void> {
  const [job] = await bigquery.createJob({
    configuration: {
      copy: {
        sourceTable: { projectId: bigquery.projectId, datasetId: from.dataset, tableId: from.table },
        destinationTable: { projectId: bigquery.projectId, datasetId: to.dataset, tableId: to.table },
        writeDisposition: 'WRITE_TRUNCATE',
        createDisposition: 'CREATE_IF_NEEDED',
      },
    },
  });
  await job.promise();
}

/** Copies up to the limit of a failed check's rows into the quarantine table; returns how many rows failed in all. */
async function quarantine(outcome: CheckOutcome, table: string, checkRunId: string, deps: GateDeps): Promise<number> {
  const { bigquery } = deps;
  const [[{ n }]] = await bigquery.query({ query: `SELECT COUNT(*) AS n FROM (${outcome.failingRows})` });
  await bigquery.query({
    query: `INSERT INTO \`${bigquery.projectId}.${deps.quarantineTable}\` (checkRunId, tableId, assertion, \`row\`, quarantinedAt)
            SELECT @checkRunId, @table, @assertion, TO_JSON_STRING(failing), CURRENT_TIMESTAMP() FROM (${outcome.failingRows} LIMIT ${deps.quarantineLimit}) AS failing`,
    params: { checkRunId, table, assertion: outcome.assertion },
  });
  return Number(n);
}
