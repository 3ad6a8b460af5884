import { randomUUID } from 'node:crypto';
import type { Bucket } from '@google-cloud/storage';
import type { Logger } from '@mine/platform';
import { compactHour, type CompactionOptions, type CompactionResult } from './compact.js';
import { hourPrefix } from './spool.js';
import { LeaseHeldError, acquireLease, digestOf, hourStartOf, hourStates, nextHour, previousHour, readCarry, writeCarry, writeRecord, writeRunRecord, type HourState } from './state.js';

export interface RunOptions extends CompactionOptions {
  bucket: Bucket;
  /** an hour is compacted only once it ended this long ago (packets still arrive for the current one) */
  settleMs: number;
  /** how long a run may hold an hour before another run may take it over */
  leaseMs: number;
  /** hours (`2026-11-24T05`) to compact whether pending or not: a backfill or a forced rerun */
  force?: string[];
  now?: () => number;
  runId?: string;
  /** called around each hour, for lineage */
  onHour?: { start(hour: string): Promise<{ complete(result: CompactionResult): Promise<void>; fail(error: Error): Promise<void> }> };
}

export interface RunResult {
  runId: string;
  compacted: { hour: string; packets: number; sites: string[]; result: CompactionResult }[];
  failed: { hour: string; error: string }[];
  skipped: { hour: string; reason: string }[];
  /** where the run's record is (state/runs/…) */
  record: string;
}

/**
 * One run of the hourly job: finds every hour whose spool holds objects its
 * last compaction did not cover (or the hours forced), oldest first, and
 * compacts each under its lease, recording what it covered. A failed hour
 * stays pending for the next run; the others go on.
 */
export async function runCompaction(options: RunOptions): Promise<RunResult> {
  const { bucket, logger } = options;
  const now = options.now ?? Date.now;
  const runId = options.runId ?? randomUUID();
  const startedAt = new Date(now()).toISOString();
  const force = new Set(options.force ?? []);
  const states = await hourStates(bucket);
  const settled = (hour: string) => hourStartOf(hour).getTime() + 3_600_000 + options.settleMs <= now();
  const pending = (s: HourState) => s.uncovered.length > 0 || s.carryStale;
  const targets = states.filter((s) => force.has(s.hour) || (pending(s) && settled(s.hour))).map((s) => s.hour);
  const result: RunResult = { runId, compacted: [], failed: [], skipped: [], record: '' };
  for (const hour of force) if (!states.some((s) => s.hour === hour)) result.skipped.push({ hour, reason: 'no spool objects' });
  for (const open of states.filter((s) => pending(s) && !settled(s.hour) && !force.has(s.hour))) {
    result.skipped.push({ hour: open.hour, reason: 'hour not settled yet' });
  }
  logger.info({ runId, pending: targets, hoursWithSpool: states.length }, 'compaction run started');

  for (let i = 0; i < targets.length; i++) {
    const hour = targets[i]!;
    let lease;
    try {
      lease = await acquireLease(bucket, hour, runId, options.leaseMs, now());
    } catch (error) {
      if (!(error instanceof LeaseHeldError)) throw error;
      result.skipped.push({ hour, reason: error.message });
      continue;
    }
    const lineage = await options.onHour?.start(hour);
    try {
      // Read again under the lease: a run that held it a moment ago may have covered the hour already.
      const [state] = (await hourStates(bucket, hourPrefix('spool', hourStartOf(hour).toISOString()))) as [HourState?];
      if (!state || (!pending(state) && !force.has(hour))) {
        result.skipped.push({ hour, reason: 'compacted by another run' });
        continue;
      }
      // The seismic counts continue from where the previous hour's detectors stopped (see README).
      const carryIn = await readCarry(bucket, previousHour(hour));
      const compaction = await compactHour(hourStartOf(hour), state.spool, { ...options, ...(carryIn ? { carryIn } : {}) });
      const sites = compaction.sites.map((s) => s.site);
      const packets = compaction.spoolPackets - compaction.duplicates;
      const carryDigest = digestOf(compaction.carryOut);
      await writeCarry(bucket, hour, compaction.carryOut);
      await writeRecord(
        bucket,
        {
          hour,
          runId,
          compactedAt: new Date(now()).toISOString(),
          objects: Object.fromEntries(state.spool.map((o) => [o.name, o.generation])),
          packets,
          sites,
          carryDigest,
          ...(carryIn ? { carriedFrom: digestOf(carryIn) } : {}),
        },
        state.recordGeneration,
      );
      // The next hour counted its events from this hour's old end state: it is recompacted in this run.
      const next = nextHour(hour);
      if (state.record?.carryDigest !== carryDigest && !targets.includes(next) && (await hourStates(bucket, hourPrefix('spool', hourStartOf(next).toISOString())))[0]?.record) targets.push(next);
      result.compacted.push({ hour, packets, sites, result: compaction });
      await lineage?.complete(compaction);
      logger.info({ runId, hour, progress: `${i + 1}/${targets.length}`, packets, spoolObjects: state.spool.length, newObjects: state.uncovered.length }, 'hour compacted');
    } catch (error) {
      result.failed.push({ hour, error: (error as Error).message });
      await lineage?.fail(error as Error);
      logger.error({ err: error, runId, hour }, 'hour failed; it stays pending for the next run');
    } finally {
      await lease.release();
    }
  }
  result.record = await writeRunRecord(bucket, {
    runId,
    startedAt,
    finishedAt: new Date(now()).toISOString(),
    compacted: result.compacted.map(({ hour, packets, sites }) => ({ hour, packets, sites })),
    failed: result.failed,
    skipped: result.skipped,
  });
  return result;
}
