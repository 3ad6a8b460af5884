import { createHash, timingSafeEqual } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { SensorId } from '@mine/contracts';

export const Device = Type.Object(
  {
    sensorId: SensorId,
    site: Type.String({ minLength: 1 }),
    zone: Type.String({ minLength: 1 }),
    tokenSha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'sha256 of the device token, hex' }),
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
 */
export class DeviceRegistry {
  private readonly byHash = new Map<string, Device>();

  constructor(devices: Device[]) {
    const problems: string[] = [];
    devices.forEach((device, i) => {
      for (const error of Value.Errors(Device, device)) problems.push(`device ${i}${error.path}: ${error.message}`);
    });
    const ids = devices.map((d) => d.sensorId);
    for (const id of new Set(ids.filter((id, i) => ids.indexOf(id) !== i))) problems.push(`device ${id} is listed twice`);
    if (problems.length) throw new Error(`invalid device registry:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    for (const device of devices) this.byHash.set(device.tokenSha256, device);
  }

  static fromJson(json: string): DeviceRegistry {
    const parsed = JSON.parse(json) as unknown;
    if (!Array.isArray(parsed)) throw new Error('DEVICES_JSON must be a JSON array');
    return new DeviceRegistry(parsed as Device[]);
  }

  get size(): number {
    return this.byHash.size;
  }

  authenticate(token: string | undefined): { device: Device } | { error: string } {
    if (!token) return { error: 'missing bearer token' };
    const digest = hashToken(token);
    const device = this.byHash.get(digest);
    // The map lookup already matched; the constant-time compare keeps timing from telling how close a guess was.
    if (!device || !timingSafeEqual(Buffer.from(device.tokenSha256, 'hex'), Buffer.from(digest, 'hex'))) return { error: 'unknown device token' };
    if (device.revoked) return { error: `device ${device.sensorId} is revoked` };
    return { device };
  }
}
