import Fastify, { type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import pg from 'pg';
import { Type } from '@sinclair/typebox';
import type { PubSub } from '@google-cloud/pubsub';
import { IssueEventInput, compileValidator, describeIssues, type MachineryIssueEvent } from '@mine/contracts';
import { Counter, Publisher, createMetrics, observability, pubsubDataset, pubsubMetrics, startStreamLineage, type Logger } from '@mine/platform';
import { JwtAuth, type AppUser } from './auth.js';
import type { MobileIssuesConfig } from './config.js';
import { maskPii, pseudonymise } from './pii.js';
import { IssueStore, type IssueState } from './store.js';

export const SERVICE = 'mobile-issues-api';

export type Outcome =
  | { eventId?: string; status: 'accepted' | 'duplicate' }
  | { eventId?: string; status: 'rejected'; reason: string; code: 'schema' | 'forbidden' | 'unknown_issue' | 'issue_exists' | 'too_many_events' }
  | { eventId?: string; status: 'failed'; reason: string };

const inputValidator = compileValidator(IssueEventInput);

const OutcomeSchema = Type.Object({
  eventId: Type.Optional(Type.String()),
  status: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate'), Type.Literal('rejected'), Type.Literal('failed')]),
  reason: Type.Optional(Type.String()),
  code: Type.Optional(Type.String()),
});

const ErrorSchema = Type.Object({ error: Type.String(), reason: Type.String() });

declare module 'fastify' {
  interface FastifyRequest {
    appUser?: AppUser;
  }
}

/**
 * The mobile app's API: issue events in (one, or an offline batch answered
 * item by item), published to `machinery-issues` with free text PII-masked and
 * people pseudonymised; and reads of open issues and an issue's history.
 */
export async function buildMobileIssuesApi(deps: { config: MobileIssuesConfig; logger: Logger; pubsub: PubSub; auth?: JwtAuth }) {
  const { config, logger } = deps;
  const auth = deps.auth ?? new JwtAuth({
      jwksUrl: config.JWKS_URL,
      jwksJson: config.JWKS_JSON,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      algorithms: config.JWT_ALGORITHMS.split(','),
      clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS,
    });
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 10 });
  pool.on('error', (error) => logger.error({ err: error }, 'idle PostgreSQL client failed'));
  const store = new IssueStore(pool, config.PG_SCHEMA);
  await store.migrate();
  const { registry, prefix } = createMetrics(SERVICE);
  const outcomes = new Counter({ name: `${prefix}events_total`, help: 'issue events by outcome', labelNames: ['status', 'code'] as const, registers: [registry] });
  const piiMasked = new Counter({ name: `${prefix}pii_masked_total`, help: 'PII occurrences masked in free text', registers: [registry] });
  const output = pubsubDataset(config.GCP_PROJECT_ID, config.ISSUES_TOPIC);
  const lineage = await startStreamLineage(config, { logger: deps.logger }, SERVICE, { inputs: [{ namespace: 'https', name: 'mobile-issues-api/v1/issues' }], outputs: [output] });
  const publisher = new Publisher(deps.pubsub, config.ISSUES_TOPIC, { maxMilliseconds: 5, metrics: pubsubMetrics(registry, prefix), lineage: { stream: lineage, dataset: output.name } });
  const pseudonym = (id: string) => pseudonymise(id, config.PSEUDONYM_KEY);
  const mask = (text: string | undefined) => {
    if (text === undefined) return undefined;
    const result = maskPii(text);
    piiMasked.inc(result.masked);
    return result.text;
  };

  async function process(raw: unknown, user: AppUser): Promise<Outcome> {
    const eventId = typeof (raw as { eventId?: unknown })?.eventId === 'string' ? (raw as { eventId: string }).eventId : undefined;
    const checked = inputValidator.validate(raw);
    if (!checked.ok) return { ...(eventId ? { eventId } : {}), status: 'rejected', code: 'schema', reason: describeIssues(checked.issues) };
    const input = checked.value;
    const client = await store.connect();
    try {
      await client.query('BEGIN');
      const seen = await client.query(`SELECT 1 FROM ${store.s}.events WHERE event_id = $1`, [input.eventId]);
      if (seen.rowCount) {
        await client.query('ROLLBACK');
        return { eventId: input.eventId, status: 'duplicate' };
      }
      const existing = await store.issue(client, input.issueId, true);
      const refusal = authorise(input, existing, user);
      if (refusal) {
        await client.query('ROLLBACK');
        return { eventId: input.eventId, status: 'rejected', ...refusal };
      }
      const assigneeRaw = input.assignee ?? existing?.assignee ?? null;
      const reporterSub = existing?.reporterSub ?? user.sub;
      const status: MachineryIssueEvent['status'] =
        input.type === 'created' || input.type === 'reopened' ? 'open' : input.type === 'resolved' ? 'resolved' : (input.status ?? existing!.status);
      const title = mask(input.title);
      const description = mask(input.description);
      const notes = mask(input.notes);
      const event: MachineryIssueEvent = {
        eventId: input.eventId,
        issueId: input.issueId,
        type: input.type,
        occurredAt: new Date(input.occurredAt).toISOString(),
        receivedAt: new Date().toISOString(),
        machineId: input.machineId,
        siteId: input.siteId,
        severity: input.severity ?? existing!.severity,
        status,
        ...(title !== undefined ? { title } : {}),
        ...(description !== undefined ? { description } : {}),
        ...(notes !== undefined ? { notes } : {}),
        ...(assigneeRaw ? { assignee: pseudonym(assigneeRaw) } : {}),
        reporter: pseudonym(reporterSub),
      };
      await store.recordEvent(client, event);
      await store.applyEvent(client, event, reporterSub, assigneeRaw);
      try {
        // Published before the commit: if Pub/Sub refuses, nothing is recorded and the app's retry is not a duplicate.
        await publisher.publish({ data: event, attributes: { eventId: event.eventId, issueId: event.issueId, siteId: event.siteId, severity: event.severity, type: event.type } });
      } catch (error) {
        await client.query('ROLLBACK');
        logger.warn({ err: error, eventId: event.eventId }, 'publish failed');
        return { eventId: input.eventId, status: 'failed', reason: 'could not store the event; retry it' };
      }
      await client.query('COMMIT');
      return { eventId: input.eventId, status: 'accepted' };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  await app.register(swagger, {
    openapi: {
      info: { title: 'mobile-issues-api', version: '1', description: 'Machinery issue events from the crews’ mobile app.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  let draining = false;
  await app.register(observability, {
    registry,
    isDraining: () => draining,
    readiness: [
      { name: 'postgres', check: async () => void (await pool.query('SELECT 1')) },
      { name: 'pubsub-topic', check: async () => (await publisher.topic.exists())[0] },
    ],
  });

  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    const result = await auth.authenticate(request.headers.authorization);
    if ('status' in result) {
      if (result.status === 503) {
        request.log.error({ err: result.cause }, 'identity provider keys unavailable');
        return reply.code(503).header('retry-after', 5).send({ error: 'unavailable', reason: result.reason });
      }
      const header = result.status === 401 ? { 'www-authenticate': 'Bearer' } : {};
      return reply.code(result.status).headers(header).send({ error: result.status === 401 ? 'unauthorized' : 'forbidden', reason: result.reason });
    }
    request.appUser = result.user;
  };
  const { $id: _eventInputId, ...EventBody } = IssueEventInput;

  app.post(
    '/v1/issues/events',
    {
      onRequest: authenticate,
      // Items are validated one by one in the handler, so a bad one never fails the good ones.
      validatorCompiler: () => () => true,
      schema: {
        description: 'One issue event, or an array of them (an offline batch, processed in order).',
        security: [{ bearer: [] }],
        body: Type.Union([EventBody, Type.Array(EventBody)]),
        response: { 200: Type.Union([Type.Object({ results: Type.Array(OutcomeSchema) }), OutcomeSchema]), 202: OutcomeSchema, 400: OutcomeSchema, 401: ErrorSchema, 403: Type.Union([OutcomeSchema, ErrorSchema]), 404: OutcomeSchema, 409: OutcomeSchema, 503: Type.Union([Type.Object({ results: Type.Array(OutcomeSchema) }), OutcomeSchema]) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const batch = Array.isArray(body);
      const items = batch ? body : [body];
      const results: Outcome[] = [];
      for (const [index, item] of items.entries()) {
        const outcome: Outcome =
          index >= config.MAX_BATCH ? { status: 'rejected', code: 'too_many_events', reason: `at most ${config.MAX_BATCH} events per request` } : await process(item, request.appUser!);
        outcomes.inc({ status: outcome.status, code: 'code' in outcome ? outcome.code : '' });
        results.push(outcome);
      }
      const failed = results.some((r) => r.status === 'failed');
      if (batch) return reply.code(failed ? 503 : 200).send({ results });
      const [only] = results as [Outcome];
      return reply.code(httpStatus(only)).send(only);
    },
  );

  app.get(
    '/v1/issues',
    { onRequest: authenticate, schema: { querystring: Type.Object({ siteId: Type.Optional(Type.String()), machineId: Type.Optional(Type.String()), limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }) }) } },
    async (request) => {
      const query = request.query as { siteId?: string; machineId?: string; limit: number };
      const issues = await store.openIssues(query);
      return { issues: issues.map(({ reporterSub, assignee, ...issue }) => ({ ...issue, reporter: pseudonym(reporterSub), assignee: assignee ? pseudonym(assignee) : null, mine: reporterSub === request.appUser!.sub })) };
    },
  );

  app.get('/v1/issues/:issueId/history', { onRequest: authenticate, schema: { params: Type.Object({ issueId: Type.String() }) } }, async (request, reply) => {
    const { issueId } = request.params as { issueId: string };
    const events = await store.history(issueId);
    if (events.length === 0) return reply.code(404).send({ error: 'not_found', reason: `no issue ${issueId}` });
    return { issueId, events };
  });

  return {
    app,
    store,
    async close() {
      draining = true;
      await app.close();
      await publisher.flush();
      await lineage.close();
      await pool.end();
    },
  };
}

function httpStatus(outcome: Outcome): 200 | 202 | 400 | 403 | 404 | 409 | 503 {
  switch (outcome.status) {
    case 'accepted':
      return 202;
    case 'duplicate':
      return 200;
    case 'failed':
      return 503;
    case 'rejected':
      return outcome.code === 'forbidden' ? 403 : outcome.code === 'unknown_issue' ? 404 : outcome.code === 'issue_exists' ? 409 : 400;
  }
}

/** Role rules: operators report and update their own issues; supervisors also resolve, reopen and reassign. */
export function authorise(input: IssueEventInput, existing: IssueState | undefined, user: AppUser): { code: 'forbidden' | 'unknown_issue' | 'issue_exists'; reason: string } | undefined {
  const supervisor = user.roles.includes('supervisor');
  if (input.type === 'created') {
    if (existing) return { code: 'issue_exists', reason: `issue ${input.issueId} already exists` };
    if (!input.severity) return { code: 'forbidden', reason: 'a new issue needs a severity' };
    return undefined;
  }
  if (!existing) return { code: 'unknown_issue', reason: `issue ${input.issueId} was never created` };
  if (supervisor) return undefined;
  const own = existing.reporterSub === user.sub;
  if (input.type === 'resolved') return { code: 'forbidden', reason: 'only a supervisor may resolve an issue' };
  if (input.type === 'reopened' && !own) return { code: 'forbidden', reason: 'only a supervisor or the reporter may reopen an issue' };
  if (!own) return { code: 'forbidden', reason: 'operators may update only issues they reported' };
  if (input.assignee !== undefined && input.assignee !== existing.assignee) return { code: 'forbidden', reason: 'only a supervisor may reassign an issue' };
  if (input.status === 'resolved') return { code: 'forbidden', reason: 'only a supervisor may resolve an issue' };
  return undefined;
}
