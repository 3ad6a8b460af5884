import { signalHealth } from '../health.js';
import type { PacketRule } from './rule.js';

/** A flat line on every axis: a dead or disconnected sensor. */
export const flatLine: PacketRule = {
  id: 'sensor-flatline',
  evaluate({ reading, settings, base }) {
    if (!signalHealth(reading.samples, settings.health).flatLined) return { normals: [{ ruleId: this.id, ...base }] };
    return { observations: [{ ruleId: this.id, ...base, level: 'yellow', message: `sensor ${reading.sensorId} reports a flat line`, details: { sequence: reading.sequence } }] };
  },
};

/** A share of samples at the clip level: the sensor saturates and understates the motion. */
export const clipping: PacketRule = {
  id: 'sensor-clipping',
  evaluate({ reading, settings, base }) {
    const health = signalHealth(reading.samples, settings.health);
    if (!health.clipped) return { normals: [{ ruleId: this.id, ...base }] };
    return {
      observations: [
        {
          ruleId: this.id,
          ...base,
          level: 'yellow',
          message: `sensor ${reading.sensorId} is clipping (${(health.clippedShare * 100).toFixed(1)} % of samples at ±${settings.health.clipLevelMmS} mm/s)`,
          details: { clippedShare: health.clippedShare, sequence: reading.sequence },
        },
      ],
    };
  },
};

/** A packet arrived: the sensor is not silent (the silent alarm itself is raised by the sweep). */
export const notSilent: PacketRule = {
  id: 'sensor-silent',
  evaluate: ({ base }) => ({ normals: [{ ruleId: 'sensor-silent', ...base }] }),
};
