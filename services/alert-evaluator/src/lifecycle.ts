import type { AlarmLevel, AlarmState } from '@mine/contracts';
import { LEVEL_RANK } from './rules/limits.js';

export type RaisedLevel = Exclude<AlarmLevel, 'green'>;

/** What the lifecycle needs of an open alarm (one that is not CLEARED_ACK). */
export interface OpenAlarm {
  state: Exclude<AlarmState, 'CLEARED_ACK'>;
  level: RaisedLevel;
  lastSeenAtMs: number;
}

export type LifecycleInput =
  /** the rule saw the condition at `atMs` */
  | { kind: 'observed'; level: RaisedLevel; atMs: number }
  /** the rule saw normal conditions at `atMs`; clears after `holdMs` of normal, or at once */
  | { kind: 'normal'; atMs: number; holdMs: number; immediate?: boolean }
  /** an operator acknowledged */
  | { kind: 'acknowledged' };

export type LifecycleOutcome =
  /** nothing changes (no alarm to act on, or the hold time has not passed) */
  | { change: 'none' }
  /** a new alarm, ACTIVE_UNACK */
  | { change: 'raised'; state: 'ACTIVE_UNACK'; level: RaisedLevel }
  /** the open alarm counts one more observation; `announce` when that is a transition (escalated or returned) */
  | { change: 'observed'; state: AlarmState; level: RaisedLevel; announce: boolean; lastSeenAtMs: number }
  /** state changed (cleared or acknowledged): always a transition */
  | { change: 'state'; state: AlarmState };

/**
 * The alarm lifecycle, as one pure function: one open alarm per (rule, subject).
 * ACTIVE_UNACK → (ack) ACTIVE_ACK → (normal for the hold time) CLEARED_ACK, or
 * ACTIVE_UNACK → (normal) CLEARED_UNACK → (ack) CLEARED_ACK. A higher level escalates and asks
 * for a new acknowledgement; a cleared-unacknowledged alarm whose condition returns is active
 * again. A lower level than the open one only counts.
 */
export function nextAlarm(current: OpenAlarm | undefined, input: LifecycleInput): LifecycleOutcome {
  switch (input.kind) {
    case 'observed': {
      if (!current) return { change: 'raised', state: 'ACTIVE_UNACK', level: input.level };
      const escalated = LEVEL_RANK[input.level] > LEVEL_RANK[current.level];
      const returned = current.state === 'CLEARED_UNACK';
      return {
        change: 'observed',
        state: escalated || returned ? 'ACTIVE_UNACK' : current.state,
        level: escalated ? input.level : current.level,
        announce: escalated || returned,
        lastSeenAtMs: Math.max(current.lastSeenAtMs, input.atMs),
      };
    }
    case 'normal': {
      if (!current || current.state === 'CLEARED_UNACK') return { change: 'none' };
      if (!input.immediate && input.atMs - current.lastSeenAtMs < input.holdMs) return { change: 'none' };
      return { change: 'state', state: current.state === 'ACTIVE_ACK' ? 'CLEARED_ACK' : 'CLEARED_UNACK' };
    }
    case 'acknowledged': {
      if (current?.state === 'ACTIVE_UNACK') return { change: 'state', state: 'ACTIVE_ACK' };
      if (current?.state === 'CLEARED_UNACK') return { change: 'state', state: 'CLEARED_ACK' };
      return { change: 'none' };
    }
  }
}
