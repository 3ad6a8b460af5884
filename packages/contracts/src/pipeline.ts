import { Type, type Static } from '@sinclair/typebox';

const TableId = Type.String({ pattern: '^[A-Za-z0-9_]+\\.[A-Za-z0-9_]+$', description: 'dataset.table in BigQuery' });

/**
 * What a batch run changed, published to `pipeline-runs` once its output is
 * durable: the trigger of the stages that depend on it (quality gate, then
 * publication to the marts), instead of a clock offset between schedules.
 */
export const RunCompleted = Type.Object(
  {
    runId: Type.String({ minLength: 1, description: 'the OpenLineage run id of the run' }),
    job: Type.String({ minLength: 1, description: 'OpenLineage job name, e.g. db-extractor.production.extraction_records' }),
    status: Type.Union([Type.Literal('COMPLETE'), Type.Literal('PARTIAL')], { description: 'PARTIAL: some of the run’s work failed and is retried by the next run' }),
    completedAt: Type.String({ format: 'date-time' }),
    outputs: Type.Array(
      Type.Object(
        {
          table: TableId,
          rowsWritten: Type.Integer({ minimum: 0, description: 'rows this run wrote' }),
          expectedRows: Type.Optional(
            Type.Object(
              { min: Type.Integer({ minimum: 0 }), max: Type.Integer({ minimum: 0 }) },
              { additionalProperties: false, description: 'rows the whole table must hold, as the source counted them (before and after the run)' },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, $id: 'RunCompleted' },
);
export type RunCompleted = Static<typeof RunCompleted>;

/** A row that failed a quality check, kept in ops.quality_quarantine for inspection. */
export const QuarantinedRow = Type.Object(
  {
    checkRunId: Type.String({ description: 'run id of the quality-gate run that found it' }),
    tableId: Type.String({ description: 'dataset.table checked' }),
    assertion: Type.String({ description: 'the failed check, e.g. range:tonnes' }),
    row: Type.String({ description: 'the row as JSON' }),
    quarantinedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false, $id: 'QuarantinedRow' },
);
export type QuarantinedRow = Static<typeof QuarantinedRow>;
