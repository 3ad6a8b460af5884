import { limitMmS, tarpLevel } from '../limits.js';
import type { PacketRule } from './rule.js';

/** Largest component PPV against the limit curve at the packet's dominant frequency, in TARP levels. */
export const vibrationLimit: PacketRule = {
  id: 'vibration-limit',
  evaluate({ reading, features, settings, base }) {
    const peak = Math.max(features.ppvX, features.ppvY, features.ppvZ);
    const limit = limitMmS(features.dominantFrequencyHz, settings.vibration);
    const level = tarpLevel(peak / limit, settings.vibration.tarp);
    if (level === 'green') return { normals: [{ ruleId: this.id, ...base }] };
    return {
      observations: [
        {
          ruleId: this.id,
          ...base,
          level,
          message: `PPV ${peak.toFixed(2)} mm/s at ${features.dominantFrequencyHz.toFixed(1)} Hz is ${Math.round((100 * peak) / limit)} % of the ${settings.vibration.standard.toUpperCase()} limit (${limit.toFixed(1)} mm/s)`,
          details: { ppvMmS: peak, pvsMmS: features.pvs, dominantFrequencyHz: features.dominantFrequencyHz, limitMmS: limit, standard: settings.vibration.standard, sequence: reading.sequence },
        },
      ],
    };
  },
};
