import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { Ledger } from './ledger.js';

export const MOBILE = 'mobile app';
const ISSUER = 'https://login.mine.example';
const AUDIENCE = 'mobile-issues-api';

/** The identity provider's side for the app: a key pair, the JWKS the API is given, operator tokens. */
export async function mobileIdentity(): Promise<{ jwks: string; token: () => Promise<string> }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'chaos', alg: 'ES256' };
  const token = () =>
    new SignJWT({ sub: 'chaos-operator', roles: ['operator'] }).setProtectedHeader({ alg: 'ES256', kid: 'chaos' }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('2h').sign(privateKey);
  return { jwks: JSON.stringify({ keys: [jwk] }), token };
}

export interface IssueEventDraft {
  eventId: string;
  issueId: string;
  type: 'created' | 'updated' | 'resolved';
  occurredAt: string;
  machineId: string;
  siteId: string;
  severity?: 'low' | 'medium' | 'high' | 'critical';
  title?: string;
}

/**
 * Crews' phones: each event is kept until the API answers 2xx (accepted, or a
 * duplicate of one accepted before), resent with the same eventId on 5xx, a
 * timeout or a lost connection; refusals (4xx) are recorded with their reason.
 */
export class MobileApp {
  private next = 0;
  answers: Record<string, number> = {};

  constructor(
    private readonly targets: () => string[],
    private readonly ledger: Ledger,
    private readonly token: () => Promise<string>,
    private readonly retryForMs = 120_000,
  ) {}

  async send(event: IssueEventDraft): Promise<boolean> {
    const deadline = Date.now() + this.retryForMs;
    const authorization = `Bearer ${await this.token()}`;
    let last: { outcome: 'refused' | 'indeterminate'; reason: string } = { outcome: 'indeterminate', reason: 'never sent' };
    while (Date.now() < deadline) {
      const urls = this.targets();
      const url = urls[this.next++ % Math.max(1, urls.length)];
      if (!url) {
        await sleep(200);
        continue;
      }
      this.ledger.attempt(MOBILE, event.eventId);
      let response: Response;
      try {
        response = await fetch(new URL('/v1/issues/events', url), { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(event), signal: AbortSignal.timeout(5_000) });
      } catch (error) {
        last = { outcome: 'indeterminate', reason: (error as Error).name === 'TimeoutError' ? 'timeout' : 'connection' };
        this.answers[last.reason] = (this.answers[last.reason] ?? 0) + 1;
        await sleep(250);
        continue;
      }
      const body = (await response.json().catch(() => ({}))) as { code?: string; status?: string };
      this.answers[String(response.status)] = (this.answers[String(response.status)] ?? 0) + 1;
      if (response.ok) {
        this.ledger.settle(MOBILE, event.eventId, 'acknowledged');
        return true;
      }
      if (response.status >= 500) {
        last = { outcome: 'refused', reason: `http ${response.status}` };
        await sleep(500);
        continue;
      }
      this.ledger.settle(MOBILE, event.eventId, 'refused', `http ${response.status} ${body.code ?? ''}`.trim());
      return false;
    }
    this.ledger.settle(MOBILE, event.eventId, last.outcome, last.reason);
    return false;
  }

  /** `issues` issues, each created, updated and resolved, one event at a time per issue, issues concurrently. */
  async run({ issues, paceMs = 300, stop }: { issues: number; paceMs?: number; stop?: () => boolean }): Promise<IssueEventDraft[]> {
    const sent: IssueEventDraft[] = [];
    await Promise.all(
      Array.from({ length: issues }, async (_, i) => {
        const issueId = `I-${randomUUID().slice(0, 8)}`;
        const base = { issueId, machineId: `HT-${100 + (i % 20)}`, siteId: i % 2 ? 'north-pit' : 'south-decline' };
        const types = ['created', 'updated', 'resolved'] as const;
        for (const type of types) {
          if (stop?.()) return;
          const event: IssueEventDraft = { ...base, eventId: randomUUID(), type, occurredAt: new Date().toISOString(), ...(type === 'created' ? { severity: i % 4 === 0 ? 'critical' : 'medium', title: `chaos issue ${i}` } : {}) };
          sent.push(event);
          await this.send(event);
          await sleep(paceMs);
        }
      }),
    );
    return sent;
  }
}
