import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { AlarmLevel, AlarmState, type AlarmTransition } from '@mine/contracts';
import { TokenAuth, type ApiUser, type Role } from './auth.js';
import type { TransitionFeed } from './live.js';
import type { AlarmStore } from './store.js';
import { CONTROL_ROOM_PAGE } from './control-room.js';
import { CSRF_HEADER } from './session.js';

declare module 'fastify' {
  interface FastifyRequest {
    user?: ApiUser;
  }
}

const OPEN_STATES = ['ACTIVE_UNACK', 'ACTIVE_ACK', 'CLEARED_UNACK'];

/** How often a live stream says whether the feed is connected; the screen calls itself stale after three missed. */
export const HEARTBEAT_MS = 5_000;

export interface ApiDependencies {
  store: AlarmStore;
  feed: TransitionFeed;
  auth: TokenAuth;
  /** open live streams; ended when the service drains, so shutdown never waits on a wall screen */
  streams: Set<import('node:http').ServerResponse>;
}

/**
 * A bearer token in the Authorization header (API clients), or the control
 * room's session cookie (the screen, its EventSource). Never a token in the
 * URL. A cookie-authenticated unsafe request must carry the CSRF header.
 */
function requireRole(auth: TokenAuth, role: Role) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    let user: ApiUser | undefined;
    if (header?.startsWith('Bearer ')) {
      user = auth.authenticate(header.slice(7).trim());
      if (!user) return reply.code(401).header('www-authenticate', 'Bearer error="invalid_token"').send({ error: 'unauthorized', reason: 'unknown or revoked token' });
    } else if (request.sessionUser) {
      if (request.method !== 'GET' && request.headers[CSRF_HEADER] !== '1') return reply.code(403).send({ error: 'forbidden', reason: `a session request that changes something needs the ${CSRF_HEADER} header` });
      user = request.sessionUser;
    }
    if (!user) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', reason: 'missing bearer token or session' });
    if (!TokenAuth.allows(user, role)) return reply.code(403).send({ error: 'forbidden', reason: `role ${user.role} may not do this; ${role} required` });
    request.user = user;
  };
}

/** The control room's alarm API: list, inspect, acknowledge, and a live stream. */
export async function alarmRoutes(app: FastifyInstance, { store, feed, auth, streams }: ApiDependencies): Promise<void> {
  const viewer = requireRole(auth, 'viewer');
  const operator = requireRole(auth, 'operator');

  app.get(
    '/alarms',
    {
      onRequest: viewer,
      schema: {
        querystring: Type.Object({
          state: Type.Optional(Type.String({ description: 'comma-separated states; default: all but CLEARED_ACK' })),
          site: Type.Optional(Type.String()),
          level: Type.Optional(AlarmLevel),
          rule: Type.Optional(Type.String()),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }),
        }),
      },
    },
    async (request, reply) => {
      const query = request.query as { state?: string; site?: string; level?: string; rule?: string; limit: number };
      const states = query.state ? query.state.split(',').map((s) => s.trim()) : OPEN_STATES;
      const invalid = states.filter((s) => !AlarmState.anyOf.some((literal) => literal.const === s));
      if (invalid.length) return reply.code(400).send({ error: 'bad_request', reason: `unknown state ${invalid.join(', ')}` });
      return {
        alarms: await store.listAlarms({
          state: states,
          limit: query.limit,
          ...(query.site ? { site: query.site } : {}),
          ...(query.level ? { level: query.level } : {}),
          ...(query.rule ? { ruleId: query.rule } : {}),
        }),
      };
    },
  );

  app.get('/alarms/stream', { onRequest: viewer }, async (request, reply) => {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const send = (event: string, data: unknown, id?: number) => raw.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const onTransition = (transition: AlarmTransition, seq: number) => send('transition', transition, seq);
    // The screen shows "live" only while these keep coming and say the feed is connected.
    const onState = (connected: boolean) => send('feed', { connected });
    // After the feed reconnected, what the screen holds may be stale: a fresh snapshot.
    const onResync = () => void store.listAlarms({ state: OPEN_STATES, limit: 1000 }).then((alarms) => send('snapshot', { alarms }), () => undefined);
    feed.on('transition', onTransition);
    feed.on('state', onState);
    feed.on('resync', onResync);
    send('snapshot', { alarms: await store.listAlarms({ state: OPEN_STATES, limit: 1000 }) });
    onState(feed.connected);
    const heartbeat = setInterval(() => onState(feed.connected), HEARTBEAT_MS);
    streams.add(raw);
    request.raw.on('close', () => {
      clearInterval(heartbeat);
      feed.off('transition', onTransition);
      feed.off('state', onState);
      feed.off('resync', onResync);
      streams.delete(raw);
    });
  });

  app.get('/alarms/:alarmId', { onRequest: viewer, schema: { params: Type.Object({ alarmId: Type.String({ format: 'uuid' }) }) } }, async (request, reply) => {
    const { alarmId } = request.params as { alarmId: string };
    const alarm = await store.getAlarm(alarmId);
    if (!alarm) return reply.code(404).send({ error: 'not_found', reason: `no alarm ${alarmId}` });
    return { ...alarm, notifications: await store.notifications(alarm.history.map((h) => h.transitionId)) };
  });

  app.post('/alarms/:alarmId/ack', { onRequest: operator, schema: { params: Type.Object({ alarmId: Type.String({ format: 'uuid' }) }) } }, async (request, reply) => {
    const { alarmId } = request.params as { alarmId: string };
    const state = await store.transaction((tx) => tx.acknowledge(alarmId, request.user!.name));
    if (state) return { alarmId, state };
    const alarm = await store.getAlarm(alarmId);
    if (!alarm) return reply.code(404).send({ error: 'not_found', reason: `no alarm ${alarmId}` });
    return reply.code(409).send({ error: 'conflict', reason: `alarm is ${alarm.state}; nothing to acknowledge` });
  });

  app.get('/sensors', { onRequest: viewer }, async () => ({ sensors: await store.telemetry.sensors() }));

  app.get(
    '/zones/ppv',
    { onRequest: viewer, schema: { querystring: Type.Object({ minutes: Type.Integer({ minimum: 1, maximum: 1440, default: 60 }) }) } },
    async (request) => ({ series: await store.telemetry.zonePpv(new Date(Date.now() - (request.query as { minutes: number }).minutes * 60_000)) }),
  );

  // The control-room screen: one static page, no build step; it reads this API and its live stream.
  app.get('/', { schema: { hide: true } as object }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(CONTROL_ROOM_PAGE));
}
