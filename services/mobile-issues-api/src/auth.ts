import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';

export type Role = 'operator' | 'supervisor';

export interface AppUser {
  sub: string;
  roles: Role[];
}

export type AuthResult = { user: AppUser } | { status: 401 | 403 | 503; reason: string; cause?: unknown };

export interface JwtAuthOptions {
  jwksUrl?: string | undefined;
  jwksJson?: string | undefined;
  issuer: string;
  audience: string;
  /** Signature algorithms accepted; anything else (`none`, HS256 with a public key as secret) is refused. */
  algorithms?: string[];
  /** Leeway for `exp` and `nbf` between the identity provider's clock and ours. */
  clockToleranceSeconds?: number;
}

export const DEFAULT_JWT_ALGORITHMS = ['RS256', 'ES256'];

/**
 * Verifies the mobile app's bearer JWTs against the identity provider's keys:
 * algorithms pinned, `exp` and `sub` required, a set clock tolerance. When the
 * keys cannot be fetched the answer is 503 (retry), not 401 (log in again).
 * Reasons are this service's words; the library's error goes to the log only.
 */
export class JwtAuth {
  private readonly keys: JWTVerifyGetKey;
  private readonly options: JwtAuthOptions;

  constructor(options: JwtAuthOptions) {
    let keys: JWTVerifyGetKey;
    if (options.jwksUrl) keys = createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: 3000, cooldownDuration: 30_000 });
    else if (options.jwksJson) keys = createLocalJWKSet(JSON.parse(options.jwksJson));
    else throw new Error('one of JWKS_URL or JWKS_JSON is required');
    // A key set that cannot be fetched or read is an outage, whatever error the fetch raised.
    this.keys = async (header, token) => {
      try {
        return await keys(header, token);
      } catch (error) {
        if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
        throw new KeysUnavailable(error);
      }
    };
    this.options = options;
  }

  async authenticate(header: string | undefined): Promise<AuthResult> {
    if (!header?.startsWith('Bearer ')) return { status: 401, reason: 'missing bearer token' };
    try {
      const { payload } = await jwtVerify(header.slice(7).trim(), this.keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: this.options.algorithms ?? DEFAULT_JWT_ALGORITHMS,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
      });
      const roles = (Array.isArray(payload.roles) ? payload.roles : []).filter((r): r is Role => r === 'operator' || r === 'supervisor');
      if (!payload.sub) return { status: 401, reason: 'token has no subject' };
      if (roles.length === 0) return { status: 403, reason: 'token grants neither the operator nor the supervisor role' };
      return { user: { sub: payload.sub, roles } };
    } catch (error) {
      return refusal(error);
    }
  }
}

class KeysUnavailable extends Error {
  constructor(cause: unknown) {
    super('identity provider keys unavailable', { cause });
  }
}

function refusal(error: unknown): AuthResult {
  if (error instanceof KeysUnavailable) return { status: 503, reason: 'the identity provider’s keys are unavailable; retry later', cause: error.cause };
  if (error instanceof errors.JWTExpired) return { status: 401, reason: 'token expired' };
  if (error instanceof errors.JWTClaimValidationFailed) return { status: 401, reason: error.reason === 'missing' ? `token has no "${error.claim}" claim` : `token claim "${error.claim}" is not accepted` };
  if (error instanceof errors.JOSEAlgNotAllowed) return { status: 401, reason: 'token signature algorithm is not accepted' };
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) return { status: 401, reason: 'token signature not valid' };
  return { status: 401, reason: 'token is malformed' };
}
