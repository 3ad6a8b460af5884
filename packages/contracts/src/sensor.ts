import { Type, type Static } from '@sinclair/typebox';

/** Bounds shared by the gateway's validation and the contract. */
export const SENSOR_LIMITS = {
  minSampleRateHz: 50,
  maxSampleRateHz: 4000,
  maxSamplesPerAxis: 8192,
  /** Geophones saturate well below this; larger values are corrupt, not ground motion. */
  maxAbsVelocityMmS: 5000,
} as const;

const Velocity = Type.Number({
  minimum: -SENSOR_LIMITS.maxAbsVelocityMmS,
  maximum: SENSOR_LIMITS.maxAbsVelocityMmS,
});
const Axis = (axis: string) =>
  Type.Array(Velocity, {
    minItems: 1,
    maxItems: SENSOR_LIMITS.maxSamplesPerAxis,
    description: `particle velocity along ${axis}, mm/s`,
  });

export const SensorId = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$',
  description: 'device identifier, as registered in the gateway',
});

/** One waveform packet as a triaxial geophone sends it. */
export const SensorPacket = Type.Object(
  {
    sensorId: SensorId,
    sequence: Type.Integer({ minimum: 0, description: 'monotonically increasing per sensor and boot; with sensorId and bootId the dedupe key' }),
    bootId: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_.:-]{1,64}$',
        description: 'identifies the device boot (epoch) its sequence counts from; a new value means the sequence restarted',
      }),
    ),
    startTime: Type.String({ format: 'date-time', description: 'time of the first sample' }),
    sampleRateHz: Type.Number({
      minimum: SENSOR_LIMITS.minSampleRateHz,
      maximum: SENSOR_LIMITS.maxSampleRateHz,
      description: 'samples per second per axis',
    }),
    samples: Type.Object(
      { x: Axis('x'), y: Axis('y'), z: Axis('z') },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, $id: 'SensorPacket' },
);
export type SensorPacket = Static<typeof SensorPacket>;

/** What sensor-gateway publishes to `sensor-readings`: the packet plus what the gateway knows. */
export const SensorReading = Type.Composite(
  [
    Type.Omit(SensorPacket, []),
    Type.Object({
      site: Type.String({ description: 'mine site the device is registered to' }),
      zone: Type.String({ description: 'zone (stope, drive, pit wall) the device monitors' }),
      receivedAt: Type.String({ format: 'date-time', description: 'when the gateway accepted the packet' }),
    }),
  ],
  { additionalProperties: false, $id: 'SensorReading' },
);
export type SensorReading = Static<typeof SensorReading>;

/** Message attributes on `sensor-readings`, so subscribers can filter without parsing. */
export interface SensorReadingAttributes {
  sensorId: string;
  site: string;
  zone: string;
  /** the wire format (see sensor-wire.ts) */
  encoding: string;
  /** sequence numbers of the first and last packet in the message */
  firstSequence: string;
  lastSequence: string;
  packets: string;
  [key: string]: string;
}

/** Per-packet vibration features, the row the lake's feature table and BigQuery share. */
export const PacketFeatures = Type.Object(
  {
    sensorId: SensorId,
    sequence: Type.Integer({ minimum: 0 }),
    site: Type.String(),
    zone: Type.String(),
    startTime: Type.String({ format: 'date-time' }),
    sampleRateHz: Type.Number(),
    sampleCount: Type.Integer({ description: 'samples per axis' }),
    ppvX: Type.Number({ description: 'peak particle velocity on x, mm/s' }),
    ppvY: Type.Number({ description: 'peak particle velocity on y, mm/s' }),
    ppvZ: Type.Number({ description: 'peak particle velocity on z, mm/s' }),
    pvs: Type.Number({ description: 'peak vector sum, mm/s' }),
    rms: Type.Number({ description: 'RMS of the vector magnitude, mm/s' }),
    dominantFrequencyHz: Type.Number({ description: 'frequency of the largest spectral peak' }),
  },
  { additionalProperties: false, $id: 'PacketFeatures' },
);
export type PacketFeatures = Static<typeof PacketFeatures>;

/** One sensor's vibration over one hour, the lake's hourly feature row (also loaded into BigQuery). */
export const HourlyVibrationFeatures = Type.Object(
  {
    site: Type.String(),
    zone: Type.String(),
    sensorId: SensorId,
    hourStart: Type.String({ format: 'date-time', description: 'start of the hour (UTC)' }),
    packets: Type.Integer({ description: 'distinct packets in the hour' }),
    gaps: Type.Integer({ description: 'sequence numbers missing between the first and last packet of the hour' }),
    ppvMaxMmS: Type.Number({ description: 'largest component PPV of the hour, mm/s' }),
    pvsMaxMmS: Type.Number({ description: 'largest peak vector sum of the hour, mm/s' }),
    rmsMmS: Type.Number({ description: 'RMS of the vector magnitude over the hour (energy mean of packet RMS), mm/s' }),
    dominantFrequencyHz: Type.Number({ description: 'dominant frequency of the packet with the largest PVS' }),
    seismicEvents: Type.Integer({
      minimum: 0,
      description: 'STA/LTA triggers that turned on in the hour (the detector continues from the previous hour; it warms up again after a gap)',
    }),
    firstPacketAt: Type.String({ format: 'date-time' }),
    lastPacketAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false, $id: 'HourlyVibrationFeatures' },
);
export type HourlyVibrationFeatures = Static<typeof HourlyVibrationFeatures>;
