import { Counter, Gauge, type Registry } from '@mine/platform';

/** What alerting rules read: a blocked table, and how long since each was last published. */
export function gateMetrics(registry: Registry, prefix: string) {
  return {
    checks: new Counter({ name: `${prefix}checks_total`, help: 'quality checks run, by table, assertion and outcome (passed, failed, warned)', labelNames: ['table', 'assertion', 'outcome'] as const, registers: [registry] }),
    blocked: new Gauge({ name: `${prefix}blocked`, help: '1 while the last checks of a table failed and its publication is blocked', labelNames: ['table'] as const, registers: [registry] }),
    published: new Gauge({ name: `${prefix}last_published_timestamp_seconds`, help: 'when a table was last published to curated', labelNames: ['table'] as const, registers: [registry] }),
  };
}
export type GateMetrics = ReturnType<typeof gateMetrics>;
