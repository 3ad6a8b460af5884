import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { SensorId } from '@mine/contracts';

export const Device = Type.Object(
  {
    sensorId: SensorId,
    site: Type.String({ minLength: 1 }),
    zone: Type.String({ minLength: 1 }),
    tokenSha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'sha256 of the device token, hex' }),
    nextTokenSha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$', description: 'during a rotation, the new token: both are valid until tokenSha256 is replaced by it' })),
    revoked: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type Device = Static<typeof Device>;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Per-device credentials. Tokens are stored hashed; a device is found by the
 * hash of the token it presents, and a revoked device is refused like an unknown one.
 * During a rotation a device has two valid tokens (`tokenSha256` and
 * `nextTokenSha256`). The registry can be replaced while the gateway runs
 * (a mounted file, reloaded): a replacement that does not validate is refused
 * as a whole and the current one kept.
 */
export class DeviceRegistry {
  private byHash = new Map<string, Device>();

  constructor(devices: unknown[]) {
    this.replace(devices);
  }

  /** Validates a whole registry, then swaps it in; throws (keeping the current one) when any entry is wrong. */
  replace(devices: readonly unknown[]): void {
    const problems: string[] = [];
    devices.forEach((device, i) => {
      for (const error of Value.Errors(Device, device)) if (problems.length < 20) problems.push(`device ${i}${error.path}: ${error.message}`);
    });
    const valid = devices as Device[];
    const ids = new Set<string>();
    const hashes = new Map<string, string>();
    if (problems.length === 0) {
      for (const device of valid) {
        if (ids.has(device.sensorId)) problems.push(`device ${device.sensorId} is listed twice`);
        ids.add(device.sensorId);
        for (const hash of [device.tokenSha256, device.nextTokenSha256]) {
          if (hash === undefined) continue;
          const owner = hashes.get(hash);
          if (owner !== undefined && owner !== device.sensorId) problems.push(`devices ${owner} and ${device.sensorId} share a token`);
          hashes.set(hash, device.sensorId);
        }
      }
    }
    if (problems.length) throw new Error(`invalid device registry:\n${problems.slice(0, 20).map((p) => `  - ${p}`).join('\n')}`);
    const byHash = new Map<string, Device>();
    for (const device of valid) {
      byHash.set(device.tokenSha256, device);
      if (device.nextTokenSha256) byHash.set(device.nextTokenSha256, device);
    }
    this.byHash = byHash;
  }

  static fromJson(json: string): DeviceRegistry {
    return new DeviceRegistry(parseRegistry(json));
  }

  get size(): number {
    return new Set([...this.byHash.values()].map((d) => d.sensorId)).size;
  }

  sensorIds(): Set<string> {
    return new Set([...this.byHash.values()].map((d) => d.sensorId));
  }

  authenticate(token: string | undefined): { device: Device } | { error: string } {
    if (!token) return { error: 'missing bearer token' };
    const digest = hashToken(token);
    const device = this.byHash.get(digest);
    // The map lookup already matched; the constant-time compare keeps timing from telling how close a guess was.
    const known = device && [device.tokenSha256, device.nextTokenSha256].some((h) => h !== undefined && timingSafeEqual(Buffer.from(h, 'hex'), Buffer.from(digest, 'hex')));
    if (!device || !known) return { error: 'unknown device token' };
    if (device.revoked) return { error: `device ${device.sensorId} is revoked` };
    return { device };
  }
}

export function parseRegistry(json: string): unknown[] {
  const parsed = JSON.parse(json) as unknown;
  if (!Array.isArray(parsed)) throw new Error('the device registry must be a JSON array');
  return parsed;
}

/**
 * Keeps a registry in step with a file (a Kubernetes Secret mounted as a
 * volume: the kubelet swaps the file's content in place, no restart). The file
 * is read every `intervalMs`; a content change is validated and swapped in, a
 * bad one logged and counted, and the current registry kept.
 */
export function watchRegistryFile(registry: DeviceRegistry, path: string, intervalMs: number, events: { reloaded(devices: number): void; refused(error: Error): void }): () => void {
  let last = readFileSync(path, 'utf8');
  const timer = setInterval(() => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      return events.refused(error as Error);
    }
    if (text === last) return;
    last = text;
    try {
      registry.replace(parseRegistry(text));
      events.reloaded(registry.size);
    } catch (error) {
      events.refused(error as Error);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
