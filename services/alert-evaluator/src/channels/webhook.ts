import { createHmac } from 'node:crypto';
import type { Channel, Delivery } from '../outbox.js';

export const SIGNATURE_HEADER = 'x-mine-signature';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver recomputes it with the
 * shared secret and refuses a mismatch or an old timestamp (replay), as with Stripe's scheme.
 */
export function signature(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
}

/** The lane's name: scheme, host and path, never the query (where receivers put tokens). */
export function webhookChannelName(url: string): string {
  const u = new URL(url);
  return `webhook:${u.host}${u.pathname}`;
}

export interface WebhookOptions {
  url: string;
  secret: string;
  timeoutMs: number;
  concurrency: number;
  fetchImpl?: typeof fetch;
}

/** One webhook receiver: each transition POSTed on its own, signed, with an idempotency key. */
export function webhookChannel(options: WebhookOptions): Channel {
  const fetchImpl = options.fetchImpl ?? fetch;
  return {
    name: webhookChannelName(options.url),
    concurrency: options.concurrency,
    batchSize: 1,
    async deliver(deliveries: Delivery[]) {
      const failures = new Map<number, string>();
      for (const { seq, transition } of deliveries) {
        const body = JSON.stringify(transition);
        try {
          const response = await fetchImpl(options.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'idempotency-key': transition.transitionId,
              ...(options.secret ? { [SIGNATURE_HEADER]: signature(options.secret, body, Math.floor(Date.now() / 1000)) } : {}),
            },
            body,
            signal: AbortSignal.timeout(options.timeoutMs),
          });
          await response.body?.cancel();
          if (!response.ok) failures.set(seq, `webhook answered ${response.status}`);
        } catch (error) {
          failures.set(seq, (error as Error).message);
        }
      }
      return failures;
    },
  };
}
