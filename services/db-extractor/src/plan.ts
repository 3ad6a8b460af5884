import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Identifier = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_$#]*(\\.[A-Za-z_][A-Za-z0-9_$#]*)?$' });
const Column = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_$#]*$' });

export const TablePlan = Type.Object(
  {
    table: Identifier,
    target: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'BigQuery table in the source dataset' }),
    mode: Type.Union([Type.Literal('full'), Type.Literal('incremental')]),
    primaryKey: Type.Array(Column, { minItems: 1 }),
    cursor: Type.Optional(Type.Array(Column, { minItems: 1, description: 'columns that only grow on insert/update, in order' })),
    lookbackSeconds: Type.Integer({ minimum: 0, default: 300, description: 'rows this far behind the watermark are read again (late commits)' }),
    chunkSize: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 50_000 }),
    partitionBy: Type.Optional(Column),
    clusterBy: Type.Optional(Type.Array(Column, { maxItems: 4 })),
    /** SAP column semantics (Oracle sources) */
    sap: Type.Optional(
      Type.Object({ dats: Type.Optional(Type.Array(Column)), tims: Type.Optional(Type.Array(Column)), numc: Type.Optional(Type.Array(Column)) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);
export type TablePlan = Static<typeof TablePlan>;

export const SourcePlan = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9_-]*$' }),
    kind: Type.Union([Type.Literal('postgres'), Type.Literal('oracle')]),
    /** the environment variable (from a Kubernetes Secret) holding the connection string: never the secret itself */
    connectionEnv: Type.String({ pattern: '^[A-Z][A-Z0-9_]*$' }),
    dataset: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
    sapClient: Type.Optional(Type.String({ pattern: '^\\d{3}$', description: 'MANDT to extract; other clients are filtered out' })),
    tables: Type.Array(TablePlan, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type SourcePlan = Static<typeof SourcePlan>;

export const ExtractionPlan = Type.Object({ sources: Type.Array(SourcePlan, { minItems: 1 }) }, { additionalProperties: false });
export type ExtractionPlan = Static<typeof ExtractionPlan>;

/** Parses and validates a plan; every problem is listed, and incremental tables must name their cursor. */
export function parsePlan(json: string): ExtractionPlan {
  const raw = JSON.parse(json) as unknown;
  const withDefaults = Value.Default(ExtractionPlan, raw);
  const problems = [...Value.Errors(ExtractionPlan, withDefaults)].map((e) => `${e.path}: ${e.message}`);
  const plan = withDefaults as ExtractionPlan;
  if (problems.length === 0) {
    for (const source of plan.sources) {
      for (const table of source.tables) {
        if (table.mode === 'incremental' && !table.cursor) problems.push(`${source.name}.${table.table}: incremental mode needs a cursor`);
      }
      const targets = source.tables.map((t) => t.target);
      for (const dup of new Set(targets.filter((t, i) => targets.indexOf(t) !== i))) problems.push(`${source.name}: target ${dup} used twice`);
    }
  }
  if (problems.length) throw new Error(`invalid extraction plan:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return plan;
}
