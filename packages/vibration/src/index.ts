export type { Signal, TriaxialPacket, TriaxialSamples } from './types.js';
export { ppv, pvs, rms, vectorRms } from './amplitude.js';
export { isPowerOfTwo, nextPowerOfTwo, realFft, type RealSpectrum } from './fft.js';
export {
  dominantFrequencyFft,
  dominantFrequencyZeroCrossing,
  vectorDominantFrequencyFft,
  type ZeroCrossingOptions,
} from './frequency.js';
export { packetFeatures, type VibrationFeatures } from './features.js';
export {
  StaLtaDetector,
  staLtaRatios,
  type StaLtaCharacteristic,
  type StaLtaEvent,
  type StaLtaOptions,
  type StaLtaSnapshot,
  type StaLtaTriggerOff,
  type StaLtaTriggerOn,
} from './sta-lta.js';
