import type { ChaosProject } from './project.js';

/** What the alert-evaluator decided, independent of ids and wall-clock times: what R1 compares between replica counts. */
export interface AlarmState {
  seismicEvents: string[];
  alarms: string[];
  processed: number;
}

export async function alarmState(project: ChaosProject): Promise<AlarmState> {
  const s = project.schema('alert-evaluator');
  const events = await project.pg.query<{ k: string }>(`SELECT sensor_id || ' ' || to_char(on_time AT TIME ZONE 'UTC', 'HH24:MI:SS.MS') AS k FROM ${s}.seismic_events ORDER BY 1`);
  // Not the observation count: packets of different sensors are evaluated concurrently even in one replica,
  // so how often a zone alarm is re-observed varies from run to run (measured: 84–88 on the same input).
  const alarms = await project.pg.query<{ k: string }>(`SELECT rule_id || ' ' || subject || ' ' || level || ' ' || state AS k FROM ${s}.alarms ORDER BY 1`);
  const processed = await project.pg.query<{ n: string }>(`SELECT count(*) AS n FROM ${s}.processed_messages`);
  return { seismicEvents: events.rows.map((r) => r.k), alarms: alarms.rows.map((r) => r.k), processed: Number(processed.rows[0]!.n) };
}

/** Entries in one list and not the other, both ways, for a one-line report. */
export function difference(a: string[], b: string[]): { onlyA: string[]; onlyB: string[] } {
  const count = (list: string[]) => list.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());
  const ca = count(a);
  const cb = count(b);
  const onlyA = [...ca].flatMap(([k, n]) => Array.from({ length: Math.max(0, n - (cb.get(k) ?? 0)) }, () => k));
  const onlyB = [...cb].flatMap(([k, n]) => Array.from({ length: Math.max(0, n - (ca.get(k) ?? 0)) }, () => k));
  return { onlyA, onlyB };
}

/** Packets and issue events the alert-evaluator has committed. */
export async function processedCount(project: ChaosProject): Promise<number> {
  const { rows } = await project.pg.query<{ n: string }>(`SELECT count(*) AS n FROM ${project.schema('alert-evaluator')}.processed_messages`);
  return Number(rows[0]!.n);
}
