/** What the client learnt of one request: a 2xx promise, a refusal with its reason, or nothing (timed out, connection lost). */
export type Outcome = 'acknowledged' | 'refused' | 'indeterminate';

export interface LedgerEntry {
  /** the producer: devices, mobile app, a batch source */
  source: string;
  /** the natural key of the record (sensorId#sequence, eventId, table:primary key) */
  key: string;
  outcome: Outcome;
  reason?: string;
  firstSentAt: number;
  /** when it was first acknowledged */
  acknowledgedAt?: number;
  attempts: number;
}

/**
 * Every record the workload sent, with what it was told. A record acknowledged
 * once stays acknowledged (a later resend refused as a duplicate does not undo
 * the promise); one never answered stays indeterminate, which the checker
 * neither counts as lost nor as a phantom.
 */
export class Ledger {
  private readonly entries = new Map<string, LedgerEntry>();

  private id(source: string, key: string) {
    return `${source}\u0000${key}`;
  }

  attempt(source: string, key: string, at = Date.now()): void {
    const entry = this.entries.get(this.id(source, key));
    if (entry) entry.attempts += 1;
    else this.entries.set(this.id(source, key), { source, key, outcome: 'indeterminate', firstSentAt: at, attempts: 1 });
  }

  settle(source: string, key: string, outcome: Outcome, reason?: string, at = Date.now()): void {
    const entry = this.entries.get(this.id(source, key));
    if (!entry) throw new Error(`ledger: ${source} ${key} settled before it was sent`);
    if (entry.outcome === 'acknowledged') return;
    entry.outcome = outcome;
    if (outcome === 'acknowledged') {
      entry.acknowledgedAt = at;
      delete entry.reason;
    } else if (reason !== undefined) entry.reason = reason;
  }

  all(source?: string): LedgerEntry[] {
    return [...this.entries.values()].filter((e) => source === undefined || e.source === source);
  }

  acknowledged(source: string): Map<string, LedgerEntry> {
    return new Map(this.all(source).filter((e) => e.outcome === 'acknowledged').map((e) => [e.key, e]));
  }

  /** Every key sent, whatever its answer: anything in a sink outside this set is a phantom. */
  sentKeys(source: string): Set<string> {
    return new Set(this.all(source).map((e) => e.key));
  }

  summary(source?: string): { sent: number; acknowledged: number; indeterminate: number; refused: Record<string, number> } {
    const refused: Record<string, number> = {};
    let acknowledged = 0;
    let indeterminate = 0;
    const entries = this.all(source);
    for (const e of entries) {
      if (e.outcome === 'acknowledged') acknowledged += 1;
      else if (e.outcome === 'indeterminate') indeterminate += 1;
      else refused[e.reason ?? 'unknown'] = (refused[e.reason ?? 'unknown'] ?? 0) + 1;
    }
    return { sent: entries.length, acknowledged, indeterminate, refused };
  }
}
