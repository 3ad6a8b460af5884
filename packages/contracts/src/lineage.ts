import { Type, type Static } from '@sinclair/typebox';

/** The OpenLineage spec version the platform emits (RunEvent of spec 2-0-2). */
export const OPENLINEAGE_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';

const Uri = Type.String({ format: 'uri' });

/** Every OpenLineage facet names who produced it and the schema it follows. */
const Facet = <P extends Record<string, import('@sinclair/typebox').TSchema>>(properties: P) =>
  Type.Object({ _producer: Uri, _schemaURL: Uri, ...properties }, { additionalProperties: true });

const AnyFacet = Facet({});
const Facets = Type.Record(Type.String(), AnyFacet);

export const LineageDataset = Type.Object(
  {
    namespace: Type.String({ minLength: 1, description: 'e.g. bigquery, gs://bucket, s3://bucket, postgres://host:5432' }),
    name: Type.String({ minLength: 1 }),
    facets: Type.Optional(Facets),
  },
  { additionalProperties: true },
);

/** An OpenLineage RunEvent, as the spec's JSON schema defines it. */
export const LineageRunEvent = Type.Object(
  {
    eventType: Type.Union(['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER'].map((t) => Type.Literal(t))),
    eventTime: Type.String({ format: 'date-time' }),
    producer: Uri,
    schemaURL: Uri,
    run: Type.Object({ runId: Type.String({ format: 'uuid' }), facets: Type.Optional(Facets) }, { additionalProperties: true }),
    job: Type.Object(
      { namespace: Type.String({ minLength: 1 }), name: Type.String({ minLength: 1 }), facets: Type.Optional(Facets) },
      { additionalProperties: true },
    ),
    inputs: Type.Optional(
      Type.Array(Type.Composite([LineageDataset, Type.Object({ inputFacets: Type.Optional(Facets) })], { additionalProperties: true })),
    ),
    outputs: Type.Optional(
      Type.Array(Type.Composite([LineageDataset, Type.Object({ outputFacets: Type.Optional(Facets) })], { additionalProperties: true })),
    ),
  },
  { additionalProperties: true, $id: 'LineageRunEvent' },
);
export type LineageRunEvent = Static<typeof LineageRunEvent>;

/**
 * A flattened lineage event, the row ops.pipeline_runs keeps so pipeline
 * health and data quality are queryable in SQL.
 */
export const PipelineRunRow = Type.Object(
  {
    runId: Type.String(),
    eventType: Type.String(),
    eventTime: Type.String({ format: 'date-time' }),
    jobNamespace: Type.String(),
    jobName: Type.String({ description: 'stage name, e.g. db-extractor.production.orders' }),
    inputs: Type.Array(Type.String(), { description: 'namespace/name of each input dataset' }),
    outputs: Type.Array(Type.String(), { description: 'namespace/name of each output dataset' }),
    rowCount: Type.Optional(Type.Integer({ description: 'rows written, summed over outputs' })),
    qualityPassed: Type.Optional(Type.Boolean({ description: 'every data-quality assertion passed' })),
    errorMessage: Type.Optional(Type.String()),
    event: Type.Unknown({ description: 'the whole OpenLineage event' }),
  },
  { additionalProperties: false, $id: 'PipelineRunRow' },
);
export type PipelineRunRow = Static<typeof PipelineRunRow>;
