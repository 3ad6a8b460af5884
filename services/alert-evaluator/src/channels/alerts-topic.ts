import type { Publisher } from '@mine/platform';
import type { Channel, Delivery } from '../outbox.js';

/** The `alerts` topic: a batch per delivery call; each message settles on its own. */
export function alertsTopicChannel(publisher: Publisher, options: { concurrency: number }): Channel {
  return {
    name: 'alerts-topic',
    concurrency: options.concurrency,
    batchSize: 100,
    async deliver(deliveries: Delivery[]) {
      const results = await Promise.allSettled(
        deliveries.map(({ transition: t }) =>
          publisher.publish({ data: t, attributes: { ruleId: t.ruleId, level: t.level, state: t.state, site: t.site, transitionId: t.transitionId } }),
        ),
      );
      const failures = new Map<number, string>();
      results.forEach((result, i) => {
        if (result.status === 'rejected') failures.set(deliveries[i]!.seq, (result.reason as Error).message);
      });
      return failures;
    },
  };
}
