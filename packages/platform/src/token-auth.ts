import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export type Role = 'viewer' | 'operator';

export interface ApiUser {
  name: string;
  role: Role;
}

const ROLE_RANK: Record<Role, number> = { viewer: 0, operator: 1 };

/**
 * Control-room API tokens, configured as name:role:sha256hex so the secret
 * itself never sits in configuration. Operators may acknowledge; viewers read.
 */
export class TokenAuth {
  private readonly users: { user: ApiUser; hash: Buffer }[];

  constructor(spec: string) {
    this.users = spec
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => {
        const [name, role, hash] = entry.split(':');
        if (!name || (role !== 'viewer' && role !== 'operator') || !/^[0-9a-f]{64}$/i.test(hash ?? ''))
          throw new Error(`API_TOKENS entry "${name ?? entry}" must be name:viewer|operator:sha256hex`);
        return { user: { name, role }, hash: Buffer.from(hash!, 'hex') };
      });
  }

  static hash(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }

  authenticate(token: string | undefined): ApiUser | undefined {
    if (!token) return undefined;
    const digest = createHash('sha256').update(token).digest();
    return this.users.find((u) => timingSafeEqual(u.hash, digest))?.user;
  }

  static allows(user: ApiUser, needed: Role): boolean {
    return ROLE_RANK[user.role] >= ROLE_RANK[needed];
  }
}

/** The bearer token of a request's Authorization header. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

/** A fastify pre-handler: 401 without a known token, 403 below the role. */
export function requireRole(auth: TokenAuth, role: Role, tokenOf: (request: FastifyRequest) => string | undefined = bearerToken) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = tokenOf(request);
    if (!token) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', reason: 'missing bearer token' });
    const user = auth.authenticate(token);
    if (!user) return reply.code(401).header('www-authenticate', 'Bearer error="invalid_token"').send({ error: 'unauthorized', reason: 'unknown or revoked token' });
    if (!TokenAuth.allows(user, role)) return reply.code(403).send({ error: 'forbidden', reason: `role ${user.role} may not do this; ${role} required` });
    return undefined;
  };
}
