import { Kind, OptionalKind, type TSchema, type TObject } from '@sinclair/typebox';

/** A BigQuery table field, the shape the BigQuery REST API and client libraries take. */
export interface BigQueryField {
  name: string;
  type: string;
  mode: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
  description?: string;
  fields?: BigQueryField[];
}

/**
 * Annotations a contract may put on a TypeBox schema to steer its BigQuery column.
 * `bigquery` overrides the inferred type (NUMERIC, JSON, BYTES...); `sensitivity`
 * feeds the data dictionary and policy tags.
 */
export interface ColumnAnnotations {
  bigquery?: string;
  sensitivity?: 'public' | 'internal' | 'pii' | 'pseudonymised';
}

function inferType(schema: TSchema): string {
  const annotated = (schema as ColumnAnnotations).bigquery;
  if (annotated) return annotated;
  switch (schema[Kind]) {
    case 'String':
      if (schema.format === 'date-time') return 'TIMESTAMP';
      if (schema.format === 'date') return 'DATE';
      if (schema.format === 'time') return 'TIME';
      return 'STRING';
    case 'Literal':
      return typeof schema.const === 'number' ? 'FLOAT64' : typeof schema.const === 'boolean' ? 'BOOL' : 'STRING';
    case 'Union': {
      // Unions of literals are enums; anything else has no single column type.
      const members = (schema.anyOf ?? []) as TSchema[];
      const types = new Set(members.map(inferType));
      if (types.size === 1) return [...types][0]!;
      throw new Error(`cannot map a union of ${[...types].join(', ')} to one BigQuery type`);
    }
    case 'Integer':
      return 'INT64';
    case 'Number':
      return 'FLOAT64';
    case 'Boolean':
      return 'BOOL';
    case 'Object':
      return 'RECORD';
    case 'Record':
    case 'Unknown':
    case 'Any':
      return 'JSON';
    default:
      throw new Error(`no BigQuery type for TypeBox kind ${String(schema[Kind])}`);
  }
}

function toField(name: string, schema: TSchema, required: boolean): BigQueryField {
  const description = schema.description as string | undefined;
  if (schema[Kind] === 'Array') {
    const item = schema.items as TSchema;
    if (item[Kind] === 'Array') {
      throw new Error(`field ${name}: BigQuery has no arrays of arrays`);
    }
    const inner = toField(name, item, true);
    return { ...inner, mode: 'REPEATED', ...(description ? { description } : {}) };
  }
  const type = inferType(schema);
  const field: BigQueryField = { name, type, mode: required ? 'REQUIRED' : 'NULLABLE' };
  if (description) field.description = description;
  if (type === 'RECORD') field.fields = toBigQuerySchema(schema as TObject);
  return field;
}

/** Derives a BigQuery table schema from a TypeBox object schema (the contract). */
export function toBigQuerySchema(schema: TObject): BigQueryField[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([name, property]) =>
    toField(name, property, required.has(name) && !(OptionalKind in property)),
  );
}
