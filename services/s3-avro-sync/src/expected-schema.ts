/**
 * The Avro schema the supplier agreed to deliver: the source of truth for the
 * raw_rock_quality table. Files may add optional fields (applied to the table);
 * anything else that differs is incompatible and quarantined.
 */
export const ROCK_QUALITY_SCHEMA = {
  type: 'record',
  name: 'RockQualityAnalysis',
  namespace: 'com.supplier.rockquality',
  fields: [
    { name: 'sampleId', type: 'string' },
    { name: 'siteId', type: 'string' },
    { name: 'pitId', type: 'string' },
    { name: 'bench', type: 'string' },
    { name: 'sampledAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'analysedAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'lab', type: 'string' },
    { name: 'rockType', type: 'string' },
    { name: 'ucsMpa', type: 'double', doc: 'uniaxial compressive strength' },
    { name: 'rqdPercent', type: 'double', doc: 'rock quality designation' },
    { name: 'densityTPerM3', type: 'double' },
    { name: 'gradeCuPercent', type: 'double' },
    { name: 'moisturePercent', type: ['null', 'double'], default: null },
  ],
} as const;
