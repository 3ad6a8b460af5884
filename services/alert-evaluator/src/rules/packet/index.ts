import type { PacketRule } from './rule.js';
import { clipping, flatLine, notSilent } from './signal-health.js';
import { sequenceGap } from './sequence-gap.js';
import { vibrationLimit } from './vibration-limit.js';

export type { PacketContext, PacketRule } from './rule.js';

/** Every per-packet rule, in the order their alarms are applied. A new rule: a file, its test, a line here. */
export const PACKET_RULES: readonly PacketRule[] = [vibrationLimit, notSilent, flatLine, clipping, sequenceGap];
