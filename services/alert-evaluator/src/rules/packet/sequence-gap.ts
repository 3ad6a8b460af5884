import type { PacketRule } from './rule.js';

/** Packets lost between two of the same boot; a restarted count is a fresh stream, not a gap. */
export const sequenceGap: PacketRule = {
  id: 'sensor-sequence-gap',
  evaluate({ reading, continuity, previousSequence, base }) {
    if (continuity === 'gap' && previousSequence !== undefined)
      return {
        observations: [
          {
            ruleId: this.id,
            ...base,
            level: 'yellow',
            message: `sensor ${reading.sensorId} skipped ${reading.sequence - previousSequence - 1} packet(s) after ${previousSequence}`,
            details: { from: previousSequence, to: reading.sequence },
          },
        ],
      };
    if (continuity === 'next' || continuity === 'reset') return { normals: [{ ruleId: this.id, ...base }] };
    return {};
  },
};
