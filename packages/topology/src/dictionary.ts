import { toBigQuerySchema, type BigQueryField } from '@mine/contracts';
import type { TObject, TSchema } from '@sinclair/typebox';
import { tableWriters, type Topology } from './types.js';

function sensitivityOf(schema: TObject, name: string): string {
  return ((schema.properties[name] as TSchema & { sensitivity?: string }).sensitivity as string | undefined) ?? 'internal';
}

function rows(fields: BigQueryField[], schema: TObject, prefix = ''): string[] {
  return fields.flatMap((f) => [
    `| \`${prefix}${f.name}\` | ${f.type} | ${f.mode} | ${prefix ? '' : sensitivityOf(schema, f.name)} | ${(f.description ?? '').replace(/\|/g, '\\|')} |`,
    ...(f.fields ? rows(f.fields, schema, `${prefix}${f.name}.`) : []),
  ]);
}

/**
 * The data dictionary (the platform's Data Catalog): every dataset, table and
 * view with its description, owner and columns (type, mode, sensitivity,
 * description), generated from the contracts and the topology.
 */
export function dataDictionary(topology: Topology): string {
  const out = [
    '# Data dictionary',
    '',
    'Generated from `packages/contracts` and `packages/topology` by `pnpm dictionary` — do not edit; a test fails when it is stale.',
    'Sensitivity: `public`, `internal` (the default), `pseudonymised` (a stable pseudonym, not the person), `pii` (none lands in the warehouse: free text is masked before publishing).',
    '',
  ];
  for (const dataset of topology.datasets) {
    const tables = topology.tables.filter((t) => t.dataset === dataset.name);
    const readers = topology.readers.filter((r) => r.datasets.includes(dataset.name)).map((r) => r.name);
    const writtenBy = dataset.writers.length ? dataset.writers.join(', ') : tables.length ? 'per table (below), no service writes the dataset as a whole' : 'views only';
    out.push(`## ${dataset.name}`, '', dataset.description, '', `Written by: ${writtenBy}.${readers.length ? ` Read by: ${readers.join(', ')}.` : ''}`, '');
    for (const table of tables) {
      const writers = tableWriters(topology, table).filter((w) => !dataset.writers.includes(w));
      out.push(`### ${dataset.name}.${table.name}`, '', `${table.description}. Owner: ${table.owner}.` + (dataset.writers.length ? '' : ` Written only by: ${writers.join(', ')}.`) +
        (table.partitioning ? ` Partitioned by \`${table.partitioning.field}\` (${table.partitioning.type}).` : '') +
        (table.clustering ? ` Clustered by ${table.clustering.map((c) => `\`${c}\``).join(', ')}.` : ''), '',
        '| column | type | mode | sensitivity | description |', '| --- | --- | --- | --- | --- |', ...rows(toBigQuerySchema(table.contract), table.contract), '');
    }
    for (const view of topology.views.filter((v) => v.dataset === dataset.name)) {
      out.push(`### ${dataset.name}.${view.name} (view)`, '', `${view.description}. Owner: ${view.owner}. Defined in \`packages/topology/src/views.ts\`.`, '');
    }
    if (tables.length === 0 && !topology.views.some((v) => v.dataset === dataset.name)) {
      out.push('Its tables are created by the writing service from the source schema (see that service\'s README for the type mapping); they carry `_extracted_at`, or `_source_object`/`_source_etag`/`_loaded_at`, for lineage.', '');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}
