import { ppv, pvs, vectorRms } from './amplitude.js';
import { assertSampleRate, triaxialLength } from './checks.js';
import { vectorDominantFrequencyFft } from './frequency.js';
import type { TriaxialPacket } from './types.js';

/** The per-packet features of the `PacketFeatures` contract, all velocities in mm/s. */
export interface VibrationFeatures {
  /** samples per axis */
  sampleCount: number;
  ppvX: number;
  ppvY: number;
  ppvZ: number;
  /** peak vector sum */
  pvs: number;
  /** RMS of the vector magnitude */
  rms: number;
  /** largest peak of the summed three-axis power spectrum, Hz; 0 when the packet is flat */
  dominantFrequencyHz: number;
}

/** Computes the packet's features; throws a RangeError if the axes differ in length or are empty. */
export function packetFeatures(packet: TriaxialPacket): VibrationFeatures {
  const { sampleRateHz, samples } = packet;
  assertSampleRate(sampleRateHz);
  const sampleCount = triaxialLength(samples);
  return {
    sampleCount,
    ppvX: ppv(samples.x),
    ppvY: ppv(samples.y),
    ppvZ: ppv(samples.z),
    pvs: pvs(samples),
    rms: vectorRms(samples),
    dominantFrequencyHz: vectorDominantFrequencyFft(samples, sampleRateHz),
  };
}
