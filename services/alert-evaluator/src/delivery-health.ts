import { RULES } from './rules/engine.js';
import type { LaneHealth } from './outbox.js';
import type { AlarmStore } from './store.js';

/** The site name of alarms about the platform itself rather than the mine. */
export const PLATFORM_SITE = 'platform';

/**
 * Turns a notification channel that keeps failing into an alarm of its own (rule
 * `notification-failing`, subject = the channel), delivered like any other through the lanes
 * that still work, and clears it at the channel's next success. Nothing is given up: the
 * failing deliveries stay queued and keep being retried.
 */
export class DeliveryHealth implements LaneHealth {
  /** Channels that may have an open alarm; all of them until this replica has seen each succeed once. */
  private readonly maybeAlarmed: Set<string>;

  constructor(
    private readonly store: AlarmStore,
    private readonly alarmAfterAttempts: number,
    channels: string[],
  ) {
    this.maybeAlarmed = new Set(channels);
  }

  async failing(channel: string, attempts: number, error: string): Promise<void> {
    if (attempts < this.alarmAfterAttempts) return;
    this.maybeAlarmed.add(channel);
    await this.store.transaction((tx) =>
      tx.observe({
        ruleId: RULES.deliveryFailing,
        subject: channel,
        site: PLATFORM_SITE,
        level: 'orange',
        message: `notifications to ${channel} keep failing (${attempts} attempts so far: ${error}); they are kept and retried`,
        details: { channel, attempts, lastError: error },
        atMs: Date.now(),
      }),
    );
  }

  async recovered(channel: string): Promise<void> {
    if (!this.maybeAlarmed.delete(channel)) return;
    try {
      await this.store.transaction((tx) => tx.normal({ ruleId: RULES.deliveryFailing, subject: channel, atMs: Date.now(), immediate: true }, 0));
    } catch (error) {
      this.maybeAlarmed.add(channel);
      throw error;
    }
  }
}
