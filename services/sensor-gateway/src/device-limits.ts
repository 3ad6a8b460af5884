/**
 * Per-device admission: a token bucket of requests and a cap on requests in
 * flight, keyed by the authenticated device. It runs after authentication and
 * before the body is read, so one noisy device is answered 429 cheaply and
 * never fills the publish backlog or the event loop that make the gateway shed
 * load (503) for every device. Entries exist only for authenticated devices,
 * so memory is bounded by the registry.
 */
export interface DeviceLimitSettings {
  /** sustained requests per second per device */
  ratePerSecond: number;
  /** requests a device may send at once above the rate (a reconnect after an outage) */
  burst: number;
  /** requests of one device being handled at the same time */
  maxInFlight: number;
}

export type Admission = { release: () => void } | { cause: 'device_rate' | 'device_in_flight'; reason: string; retryAfterSeconds: number };

interface DeviceState {
  tokens: number;
  refilledAt: number;
  inFlight: number;
}

export class DeviceLimits {
  private readonly devices = new Map<string, DeviceState>();

  constructor(
    private readonly settings: DeviceLimitSettings,
    private readonly now: () => number = () => performance.now(),
  ) {}

  admit(deviceId: string): Admission {
    const { ratePerSecond, burst, maxInFlight } = this.settings;
    const now = this.now();
    let state = this.devices.get(deviceId);
    if (!state) this.devices.set(deviceId, (state = { tokens: burst, refilledAt: now, inFlight: 0 }));
    state.tokens = Math.min(burst, state.tokens + ((now - state.refilledAt) / 1000) * ratePerSecond);
    state.refilledAt = now;
    if (state.inFlight >= maxInFlight) return { cause: 'device_in_flight', reason: `${maxInFlight} requests of this device are still being handled; wait for their answers`, retryAfterSeconds: 1 };
    if (state.tokens < 1) return { cause: 'device_rate', reason: `more than ${ratePerSecond} requests per second (burst ${burst}) from this device`, retryAfterSeconds: Math.max(1, Math.ceil((1 - state.tokens) / ratePerSecond)) };
    state.tokens -= 1;
    state.inFlight += 1;
    let released = false;
    const held = state;
    return {
      release: () => {
        if (released) return;
        released = true;
        held.inFlight -= 1;
      },
    };
  }

  /** Devices no longer in the registry are forgotten. */
  retain(deviceIds: Set<string>): void {
    for (const id of this.devices.keys()) if (!deviceIds.has(id)) this.devices.delete(id);
  }
}
