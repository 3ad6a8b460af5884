export { assertVelocityModel, distance, travelTimeS, velocityOf, type Phase, type Pick, type Position, type Station, type VelocityModel } from './types.js';
export { aicFunction, pickOnsets, type OnsetPicks, type PickerOptions, type Triaxial } from './picker.js';
export { locate, type ArrivalResidual, type ErrorEllipse, type Location, type LocateOptions } from './locate.js';
export { associate, maxCompatibleGapMs, type AssociatedEvent, type Association, type AssociatorOptions, type StationPick } from './associate.js';
export {
  DEFAULT_MAGNITUDE_COEFFICIENTS,
  median,
  networkEnergy,
  networkMagnitude,
  peakVelocityAt,
  quantile,
  stationEnergy,
  stationMagnitude,
  type EnergyParameters,
  type MagnitudeCoefficients,
} from './magnitude.js';
export { completenessMagnitude, fitOmori, gutenbergRichter, hoursUntilRate, omoriRate, type GutenbergRichter, type OmoriFit } from './statistics.js';
export { NETWORK_STA_LTA, SeismicNetwork, sizeEvent, type EventStation, type NetworkOptions, type SeismicSolution, type SizingOptions } from './network.js';
