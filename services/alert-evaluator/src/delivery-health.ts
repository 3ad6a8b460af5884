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
  constructor(
    private readonly store: AlarmStore,
    private readonly alarmAfterAttempts: number,
  ) {}

  async failing(channel: string, attempts: number, error: string): Promise<void> {
    if (attempts < this.alarmAfterAttempts) return;
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

  /**
   * Checked on every success, in every replica: another replica may have raised the alarm, or
   * an attempt that started before the recovery may have re-raised it. Successes are per
   * transition batch (alarms are rare), so the lookup costs little.
   */
  async recovered(channel: string): Promise<void> {
    await this.store.transaction((tx) => tx.normal({ ruleId: RULES.deliveryFailing, subject: channel, atMs: Date.now(), immediate: true }, 0));
  }
}
