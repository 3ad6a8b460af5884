import type { LedgerEntry } from './ledger.js';
import type { Observation } from './sinks.js';

/** What one sink holds against what the ledger says was promised. */
export interface StageCount {
  stage: string;
  acknowledged: number;
  /** acknowledged but absent */
  lost: number;
  /** copies beyond the first, by natural key */
  duplicated: number;
  /** present but never sent */
  phantoms: number;
  /** whether this sink promises one copy per key (a Pub/Sub topic does not: it is at least once) */
  duplicatesCount: boolean;
  p50Ms?: number;
  p99Ms?: number;
  examples: { lost: string[]; duplicated: string[]; phantoms: string[] };
}

export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Counts one stage: lost (acknowledged, not there), duplicated (more than one
 * copy of a key), phantoms (keys nobody sent) and the delay from the
 * acknowledgement to the first copy becoming visible.
 */
export function countStage(
  stage: string,
  acknowledged: Map<string, LedgerEntry>,
  sent: Set<string>,
  observed: Observation[],
  { duplicatesCount = true, expectedKeys }: { duplicatesCount?: boolean; expectedKeys?: Set<string> } = {},
): StageCount {
  const copies = new Map<string, number>();
  const firstSeen = new Map<string, number>();
  for (const o of observed) {
    copies.set(o.key, (copies.get(o.key) ?? 0) + 1);
    if (o.at !== undefined && (firstSeen.get(o.key) ?? Infinity) > o.at) firstSeen.set(o.key, o.at);
  }
  const wanted = expectedKeys ?? new Set(acknowledged.keys());
  const lost = [...wanted].filter((k) => !copies.has(k));
  const duplicated = [...copies].filter(([, n]) => n > 1);
  const phantoms = [...copies.keys()].filter((k) => !sent.has(k));
  const delays = [...wanted].flatMap((k) => {
    const seen = firstSeen.get(k);
    const acked = acknowledged.get(k)?.acknowledgedAt;
    return seen !== undefined && acked !== undefined ? [Math.max(0, seen - acked)] : [];
  });
  return {
    stage,
    acknowledged: wanted.size,
    lost: lost.length,
    duplicated: duplicated.reduce((n, [, c]) => n + c - 1, 0),
    phantoms: phantoms.length,
    duplicatesCount,
    ...(delays.length ? { p50Ms: percentile(delays, 50)!, p99Ms: percentile(delays, 99)! } : {}),
    examples: { lost: lost.slice(0, 5), duplicated: duplicated.slice(0, 5).map(([k, n]) => `${k}×${n}`), phantoms: phantoms.slice(0, 5) },
  };
}

/** A stage keeps its promise when nothing acknowledged is missing, nothing unsent appears, and (where promised) nothing is doubled. */
export function stageHolds(s: StageCount): boolean {
  return s.lost === 0 && s.phantoms === 0 && (!s.duplicatesCount || s.duplicated === 0);
}
