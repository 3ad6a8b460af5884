/** Samples of one axis: a plain array (as JSON delivers it) or a typed array. */
export type Signal = ArrayLike<number>;

/** Particle velocity of one triaxial geophone, mm/s; the three axes have equal length. */
export interface TriaxialSamples {
  readonly x: Signal;
  readonly y: Signal;
  readonly z: Signal;
}

/** The part of a sensor packet the signal processing needs (structurally a `SensorPacket`). */
export interface TriaxialPacket {
  readonly sampleRateHz: number;
  readonly samples: TriaxialSamples;
}
