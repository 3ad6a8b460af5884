import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { PubSub } from '@google-cloud/pubsub';
import type { BigQuery } from '@google-cloud/bigquery';
import { RunCompleted, compileValidator } from '@mine/contracts';
import { Subscriber, createLineage, createMetrics, type LineageEmitter, observability, pubsubMetrics, type Logger } from '@mine/platform';
import { qualityGateOf, type QualityGateSpec } from '@mine/topology';
import type { QualityGateConfig } from './config.js';
import { runGate, type GateResult } from './gate.js';
import { gateMetrics } from './metrics.js';

export const SERVICE = 'quality-gate';

/**
 * The quality gate: each run-completed message on `pipeline-runs` names the
 * tables a batch run changed; each table with a declared gate is audited and,
 * if its checks pass, published to curated. The message is acked once the
 * result is recorded (published or blocked); an error returns it for retry.
 */
export async function buildQualityGate(deps: { config: QualityGateConfig; logger: Logger; pubsub: PubSub; bigquery: BigQuery; gates?: (table: string) => QualityGateSpec | undefined; lineage?: LineageEmitter }) {
  const { config, logger, bigquery } = deps;
  const { registry, prefix } = createMetrics(SERVICE);
  const metrics = gateMetrics(registry, prefix);
  const lineage = deps.lineage ?? createLineage(config, { logger, bigquery });
  const gateOf = deps.gates ?? qualityGateOf;
  // One audit per table at a time: two overlapping publications of one table would race.
  const perTable = new Map<string, Promise<unknown>>();
  const serialised = <T>(table: string, work: () => Promise<T>): Promise<T> => {
    const next = (perTable.get(table) ?? Promise.resolve()).catch(() => undefined).then(work);
    perTable.set(table, next);
    return next.finally(() => perTable.get(table) === next && perTable.delete(table));
  };
  const results: GateResult[] = [];
  const subscriber = new Subscriber(deps.pubsub, {
    subscription: config.SUBSCRIPTION,
    maxDeliveryAttempts: config.MAX_DELIVERY_ATTEMPTS,
    validator: compileValidator(RunCompleted),
    deadLetterTopic: config.DEAD_LETTER_TOPIC,
    maxInFlight: config.MAX_IN_FLIGHT,
    logger,
    metrics: pubsubMetrics(registry, prefix),
    handle: async ({ body }) => {
      for (const output of body.outputs) {
        const gate = gateOf(output.table);
        if (!gate) continue;
        const result = await serialised(gate.table, () =>
          runGate(gate, { runId: body.runId, job: body.job, ...(output.expectedRows ? { expectedRows: output.expectedRows } : {}) }, {
            bigquery,
            lineage,
            logger,
            metrics,
            quarantineTable: config.QUARANTINE_TABLE,
            quarantineLimit: config.QUARANTINE_LIMIT,
          }),
        );
        results.push(result);
        if (results.length > 100) results.shift();
      }
    },
  });
  let draining = false;
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  await app.register(observability, { registry, isDraining: () => draining });
  return {
    app,
    /** the latest gate results, newest last (for tests and /debug) */
    results,
    start: () => subscriber.start(),
    async close() {
      draining = true;
      await subscriber.close();
      await app.close();
    },
  };
}
