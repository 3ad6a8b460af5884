import { createHash } from 'node:crypto';
import type { Bucket } from '@google-cloud/storage';
import type { StaLtaSnapshot } from '@mine/vibration';

/**
 * What the hourly job knows from durable state alone: which spool objects
 * each hour holds (its manifest: object names and generations), which of them
 * the last compaction of that hour covered, and who is compacting it now.
 * An hour is pending when its spool holds an object (or a generation) its
 * last compaction did not cover: a late packet, a backlog flushed after the
 * run, a missed or failed run all leave such an object behind, so the next
 * run finds them whatever the clock says. Spool objects that expired
 * (lifecycle) do not make an hour pending: the lake keeps what was compacted.
 */

/** One spool object as the manifest records it. */
export interface SpoolObject {
  name: string;
  generation: string;
  /** creation time of the object (when its packets became durable) */
  created: string;
  size: number;
}

/** What one compaction of an hour covered, stored at `state/compacted/<hour>.json`. */
export interface CompactionRecord {
  hour: string;
  runId: string;
  compactedAt: string;
  /** spool object name → generation, every object the compaction read */
  objects: Record<string, string>;
  packets: number;
  sites: string[];
  /** digest of the detector state this compaction started from (the previous hour's carry), if any */
  carriedFrom?: string;
  /** digest of the detector state it ended with (state/detector/<hour>.json) */
  carryDigest?: string;
}

export interface HourState {
  /** `2026-11-24T05` */
  hour: string;
  spool: SpoolObject[];
  record?: CompactionRecord;
  /** generation of the record object, the precondition for replacing it */
  recordGeneration?: string;
  /** spool objects the last compaction did not cover */
  uncovered: SpoolObject[];
  /** the previous hour was recompacted since and ended in another detector state: the event counts need redoing */
  carryStale: boolean;
}

export const hourKey = (date: Date) => date.toISOString().slice(0, 13);
export const hourStartOf = (hour: string) => new Date(`${hour}:00:00.000Z`);
const recordName = (hour: string) => `state/compacted/${hour}.json`;
const carryName = (hour: string) => `state/detector/${hour}.json`;
export const previousHour = (hour: string) => hourKey(new Date(hourStartOf(hour).getTime() - 3_600_000));
export const nextHour = (hour: string) => hourKey(new Date(hourStartOf(hour).getTime() + 3_600_000));
export const digestOf = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
const leaseName = (hour: string) => `state/leases/${hour}.json`;
const SPOOL_PATH = /^spool\/date=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\//;

/** Every hour that has spool objects (under `prefix`: all, or one hour's), with its manifest and its last compaction, oldest first. */
export async function hourStates(bucket: Bucket, prefix = 'spool/'): Promise<HourState[]> {
  const [spoolFiles] = await bucket.getFiles({ prefix });
  const byHour = new Map<string, SpoolObject[]>();
  for (const file of spoolFiles) {
    const m = SPOOL_PATH.exec(file.name);
    if (!m) continue;
    const hour = `${m[1]}T${m[2]}`;
    const object = { name: file.name, generation: String(file.metadata.generation), created: String(file.metadata.timeCreated), size: Number(file.metadata.size) };
    byHour.set(hour, [...(byHour.get(hour) ?? []), object]);
  }
  const states: HourState[] = [];
  for (const hour of [...byHour.keys()].sort()) {
    const spool = byHour.get(hour)!;
    const { record, generation } = await readRecord(bucket, hour);
    const uncovered = spool.filter((o) => record?.objects[o.name] !== o.generation);
    const previous = record ? (await readRecord(bucket, previousHour(hour))).record : undefined;
    const carryStale = Boolean(record && previous && previous.carryDigest !== record.carriedFrom);
    states.push({ hour, spool, uncovered, carryStale, ...(record ? { record, recordGeneration: generation } : {}) });
  }
  return states;
}

async function readRecord(bucket: Bucket, hour: string): Promise<{ record?: CompactionRecord; generation?: string }> {
  const file = bucket.file(recordName(hour));
  try {
    const [contents] = await file.download();
    const [metadata] = await file.getMetadata();
    return { record: JSON.parse(contents.toString('utf8')) as CompactionRecord, generation: String(metadata.generation) };
  } catch (error) {
    if ((error as { code?: number }).code === 404) return {};
    throw error;
  }
}

/**
 * Stores what a compaction covered. The precondition is the record's
 * generation when the run read it (0: there was none), so a run that read a
 * stale record cannot overwrite a newer one: it fails, and the next run
 * recompacts from the spool.
 */
export async function writeRecord(bucket: Bucket, record: CompactionRecord, expectedGeneration: string | undefined): Promise<void> {
  await bucket.file(recordName(record.hour)).save(JSON.stringify(record), {
    resumable: false,
    contentType: 'application/json',
    preconditionOpts: { ifGenerationMatch: expectedGeneration ?? 0 },
  });
}

export class LeaseHeldError extends Error {
  constructor(readonly hour: string, readonly holder: string, readonly until: string) {
    super(`hour ${hour} is being compacted by run ${holder} (lease until ${until})`);
    this.name = 'LeaseHeldError';
  }
}

export interface Lease {
  hour: string;
  release(): Promise<void>;
}

const isPreconditionFailure = (error: unknown) => (error as { code?: number }).code === 412;

/**
 * Takes the hour's lease: an object created only if absent (generation
 * precondition 0), or replaced only if it expired and is still the generation
 * read. Two runs racing for one hour: exactly one gets it. A run that dies
 * holding it blocks the hour for `ttlMs` at most.
 */
export async function acquireLease(bucket: Bucket, hour: string, runId: string, ttlMs: number, now = Date.now()): Promise<Lease> {
  const file = bucket.file(leaseName(hour));
  const body = JSON.stringify({ runId, hour, acquiredAt: new Date(now).toISOString(), until: new Date(now + ttlMs).toISOString() });
  const save = (ifGenerationMatch: string | number) =>
    file.save(body, { resumable: false, contentType: 'application/json', preconditionOpts: { ifGenerationMatch } }).then(async () => String((await file.getMetadata())[0].generation));
  let generation: string;
  try {
    generation = await save(0);
  } catch (error) {
    if (!isPreconditionFailure(error)) throw error;
    const [[contents], [metadata]] = await Promise.all([file.download(), file.getMetadata()]);
    const held = JSON.parse(contents.toString('utf8')) as { runId: string; until: string };
    if (Date.parse(held.until) > now) throw new LeaseHeldError(hour, held.runId, held.until);
    try {
      generation = await save(String(metadata.generation));
    } catch (takeover) {
      if (isPreconditionFailure(takeover)) throw new LeaseHeldError(hour, 'another run', 'unknown');
      throw takeover;
    }
  }
  return {
    hour,
    // Released by marking it expired, and only if it is still our generation: a lease taken over after
    // ours expired is not ours to free. (An overwrite, not a delete: the emulator ignores delete preconditions.)
    release: async () => {
      const released = JSON.stringify({ runId, hour, releasedAt: new Date().toISOString(), until: new Date(0).toISOString() });
      await file.save(released, { resumable: false, contentType: 'application/json', preconditionOpts: { ifGenerationMatch: generation } }).catch((error) => {
        if (!isPreconditionFailure(error)) throw error;
      });
    },
  };
}

/** A record of one run of the hourly job, for whatever runs downstream of it (`state/runs/`). */
export async function writeRunRecord(bucket: Bucket, run: { runId: string; startedAt: string; finishedAt: string; compacted: { hour: string; packets: number; sites: string[] }[]; failed: { hour: string; error: string }[]; skipped: { hour: string; reason: string }[] }): Promise<string> {
  const name = `state/runs/${run.finishedAt.replace(/[:.]/g, '')}-${run.runId}.json`;
  await bucket.file(name).save(JSON.stringify(run), { resumable: false, contentType: 'application/json', preconditionOpts: { ifGenerationMatch: 0 } });
  return name;
}

/** How far behind the lake is, per pending hour: seconds since the oldest spool object the lake does not hold yet was stored. */
export function lakeLag(states: HourState[], now = Date.now()): { hour: string; seconds: number; objects: number }[] {
  return states
    .filter((s) => s.uncovered.length > 0)
    .map((s) => ({ hour: s.hour, objects: s.uncovered.length, seconds: Math.max(0, (now - Math.min(...s.uncovered.map((o) => Date.parse(o.created)))) / 1000) }));
}

/** Each sensor's detector state at the end of `hour`, as its last compaction left it. */
export async function readCarry(bucket: Bucket, hour: string): Promise<Record<string, StaLtaSnapshot> | undefined> {
  try {
    const [contents] = await bucket.file(carryName(hour)).download();
    return JSON.parse(contents.toString('utf8')) as Record<string, StaLtaSnapshot>;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

export async function writeCarry(bucket: Bucket, hour: string, carry: Record<string, StaLtaSnapshot>): Promise<void> {
  await bucket.file(carryName(hour)).save(JSON.stringify(carry), { resumable: false, contentType: 'application/json' });
}
