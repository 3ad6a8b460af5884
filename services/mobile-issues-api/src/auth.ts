import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';

export type Role = 'operator' | 'supervisor';

export interface AppUser {
  sub: string;
  roles: Role[];
}

export type AuthResult = { user: AppUser } | { status: 401 | 403; reason: string };

/** Verifies the mobile app's bearer JWTs against the identity provider's keys. */
export class JwtAuth {
  private readonly keys: JWTVerifyGetKey;

  constructor(options: { jwksUrl?: string | undefined; jwksJson?: string | undefined; issuer: string; audience: string }) {
    if (options.jwksUrl) this.keys = createRemoteJWKSet(new URL(options.jwksUrl));
    else if (options.jwksJson) this.keys = createLocalJWKSet(JSON.parse(options.jwksJson));
    else throw new Error('one of JWKS_URL or JWKS_JSON is required');
    this.issuer = options.issuer;
    this.audience = options.audience;
  }

  private readonly issuer: string;
  private readonly audience: string;

  async authenticate(header: string | undefined): Promise<AuthResult> {
    if (!header?.startsWith('Bearer ')) return { status: 401, reason: 'missing bearer token' };
    try {
      const { payload } = await jwtVerify(header.slice(7).trim(), this.keys, { issuer: this.issuer, audience: this.audience });
      const roles = (Array.isArray(payload.roles) ? payload.roles : []).filter((r): r is Role => r === 'operator' || r === 'supervisor');
      if (!payload.sub) return { status: 401, reason: 'token has no subject' };
      if (roles.length === 0) return { status: 403, reason: 'token grants neither the operator nor the supervisor role' };
      return { user: { sub: payload.sub, roles } };
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { status: 401, reason: 'token expired' };
      if (error instanceof errors.JWTClaimValidationFailed) return { status: 401, reason: `token claim "${error.claim}" is not accepted` };
      if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) return { status: 401, reason: 'token signature not valid' };
      return { status: 401, reason: `token not valid: ${(error as Error).message}` };
    }
  }
}
