import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import fp from 'fastify-plugin';
import type { ApiUser, TokenAuth } from './auth.js';

/**
 * The control-room screen's session: the token is typed once and exchanged
 * for an HttpOnly, SameSite=Strict cookie, so it never sits in a URL (where
 * request logs, proxies and browser history keep it) nor in localStorage
 * (where any script on the page reads it). EventSource sends the cookie.
 *
 * Stateless across replicas: the cookie is signed with a key derived from
 * API_TOKENS, which every replica has; changing API_TOKENS (revoking a token)
 * ends every session. Wall screens get viewer tokens, so a wall screen's
 * session can read but never acknowledge.
 */
export const SESSION_COOKIE = 'control_room_session';
/** How long a session lasts: a wall screen runs for days, an operator's desk a shift. */
export const SESSION_HOURS: Record<ApiUser['role'], number> = { viewer: 7 * 24, operator: 12 };
/** Unsafe methods authenticated by the cookie must carry this header, which a cross-site form cannot send. */
export const CSRF_HEADER = 'x-control-room';

interface SessionPayload {
  name: string;
  role: ApiUser['role'];
  expiresAt: number;
}

async function sessions(app: FastifyInstance, { auth, tokensSpec }: { auth: TokenAuth; tokensSpec: string }) {
  const secret = createHmac('sha256', 'control-room-session').update(tokensSpec).digest();
  await app.register(cookie, { secret });

  /** The user of a valid session cookie, if any. */
  app.decorateRequest('sessionUser', null);
  app.addHook('onRequest', async (request) => {
    const raw = request.cookies[SESSION_COOKIE];
    if (!raw) return;
    const unsigned = request.unsignCookie(raw);
    if (!unsigned.valid || !unsigned.value) return;
    try {
      const session = JSON.parse(unsigned.value) as SessionPayload;
      if (session.expiresAt > Date.now() && (session.role === 'viewer' || session.role === 'operator')) request.sessionUser = { name: session.name, role: session.role };
    } catch {
      // a cookie that does not parse is no session
    }
  });

  const secure = (request: FastifyRequest) => !['127.0.0.1', 'localhost', '[::1]'].includes(request.hostname.replace(/:\d+$/, ''));

  app.post('/session', { schema: { hide: true } as object }, async (request, reply) => {
    const header = request.headers.authorization;
    const user = header?.startsWith('Bearer ') ? auth.authenticate(header.slice(7).trim()) : undefined;
    if (!user) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', reason: 'send the control-room token as a bearer token' });
    const hours = SESSION_HOURS[user.role];
    const expiresAt = Date.now() + hours * 3600_000;
    const payload: SessionPayload = { name: user.name, role: user.role, expiresAt };
    reply.setCookie(SESSION_COOKIE, JSON.stringify(payload), { signed: true, httpOnly: true, sameSite: 'strict', secure: secure(request), path: '/', maxAge: hours * 3600 });
    return { name: user.name, role: user.role, expiresAt: new Date(expiresAt).toISOString() };
  });

  app.get('/session', { schema: { hide: true } as object }, async (request, reply) => {
    if (!request.sessionUser) return reply.code(401).send({ error: 'unauthorized', reason: 'no control-room session' });
    return request.sessionUser;
  });

  app.delete('/session', { schema: { hide: true } as object }, async (_request, reply: FastifyReply) => {
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ended: true };
  });
}

/** Not encapsulated: the alarm routes beside it read `request.sessionUser`. */
export const controlRoomSessions = fp(sessions, { name: 'control-room-sessions' });

declare module 'fastify' {
  interface FastifyRequest {
    sessionUser: ApiUser | null;
  }
}
