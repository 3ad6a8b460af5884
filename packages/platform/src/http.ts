import fp from 'fastify-plugin';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.js';

/** A named readiness check; it throws or returns false when the dependency is not usable. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<boolean | void>;
}

export interface ObservabilityOptions {
  registry: Registry;
  readiness?: ReadinessCheck[];
  /** Draining services report not-ready so the load balancer stops sending work. */
  isDraining?: () => boolean;
}

/**
 * /healthz (the process answers), /readyz (dependencies usable, not draining)
 * and /metrics (Prometheus text) on a fastify app.
 */
export const observability = fp<ObservabilityOptions>(
  async (app: FastifyInstance, options) => {
    const hidden = { schema: { hide: true } as object, logLevel: 'warn' as const };
    app.get('/healthz', hidden, async () => ({ status: 'ok' }));
    app.get('/readyz', hidden, async (_request, reply) => {
      if (options.isDraining?.()) return reply.code(503).send({ status: 'draining' });
      const results = await Promise.all(
        (options.readiness ?? []).map(async ({ name, check }) => {
          try {
            const ok = (await check()) !== false;
            return { name, ok, error: ok ? undefined : 'check returned false' };
          } catch (error) {
            return { name, ok: false, error: (error as Error).message };
          }
        }),
      );
      const ready = results.every((r) => r.ok);
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: results });
    });
    app.get('/metrics', hidden, async (_request, reply) => {
      reply.header('content-type', options.registry.contentType);
      return options.registry.metrics();
    });
  },
  { name: 'mine-observability', fastify: '5.x' },
);

/**
 * /healthz and /metrics for a batch job (a CronJob's pod is scraped while it
 * runs); port 0 serves nothing. Returns the function that closes it.
 */
export async function serveJobMetrics(registry: Registry, port: number, logger: Logger): Promise<() => Promise<void>> {
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  await app.register(observability, { registry });
  if (port) await app.listen({ port, host: '0.0.0.0' });
  return () => app.close();
}
