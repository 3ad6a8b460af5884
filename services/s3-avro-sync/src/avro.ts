import zlib from 'node:zlib';
import avro from 'avsc';
import { snappyEncode } from './codecs.js';
import type { BigQueryField } from '@mine/contracts';

type AvroSchema = Record<string, unknown>;

const identity = (buffer: Buffer, callback: (error: Error | null, data?: Buffer) => void) => callback(null, buffer);

/** avsc encoders, for writing test files and fixtures (reading goes through container.ts). */
export const ENCODE_CODECS = { null: identity, deflate: zlib.deflateRaw, snappy: snappyEncode };

export interface SchemaCheck {
  compatible: boolean;
  problems: string[];
  /** optional fields the file adds, to be added to the table */
  addedFields: AvroField[];
}

interface AvroField {
  name: string;
  type: unknown;
  default?: unknown;
}

const canonical = (type: unknown) => JSON.stringify(avro.Type.forSchema(type as never).schema());

function isOptional(type: unknown): boolean {
  return Array.isArray(type) && type.some((t) => t === 'null');
}

/**
 * Compares a file's writer schema with the expected one: every expected field
 * must be there with the same type; a field the file adds must be optional
 * (a union with null). Anything else is an incompatible change.
 */
export function checkSchema(writer: unknown, expected: AvroSchema): SchemaCheck {
  const problems: string[] = [];
  // A valid file may hold plain strings or arrays: the table needs records.
  if (typeof writer !== 'object' || writer === null || Array.isArray(writer) || (writer as AvroSchema).type !== 'record') {
    const kind = Array.isArray(writer) ? 'union' : typeof writer === 'object' && writer !== null ? String((writer as AvroSchema).type) : String(writer);
    return { compatible: false, problems: [`the top-level schema is ${JSON.stringify(kind).slice(0, 64)}, not a record`], addedFields: [] };
  }
  const writerFields = new Map((((writer as AvroSchema).fields as AvroField[]) ?? []).map((f) => [f.name, f]));
  for (const field of expected.fields as AvroField[]) {
    const actual = writerFields.get(field.name);
    if (!actual) {
      if (!isOptional(field.type)) problems.push(`required field ${field.name} is missing`);
      continue;
    }
    if (canonical(actual.type) !== canonical(field.type)) problems.push(`field ${field.name} is ${canonical(actual.type)}, expected ${canonical(field.type)}`);
  }
  const expectedNames = new Set((expected.fields as AvroField[]).map((f) => f.name));
  const addedFields = [...writerFields.values()].filter((f) => !expectedNames.has(f.name));
  for (const field of addedFields) if (!isOptional(field.type)) problems.push(`new field ${field.name} is required; only optional fields may be added`);
  return { compatible: problems.length === 0, problems, addedFields: problems.length ? [] : addedFields };
}

/** BigQuery columns for Avro fields, logical types included (timestamp-millis as TIMESTAMP, date as DATE). */
export function avroToBigQuery(fields: readonly AvroField[]): BigQueryField[] {
  return fields.map((field) => {
    const optional = isOptional(field.type);
    const type = optional ? (field.type as unknown[]).find((t) => t !== 'null') : field.type;
    return { name: field.name, type: bigQueryType(type), mode: optional ? 'NULLABLE' : 'REQUIRED' };
  });
}

function bigQueryType(type: unknown): string {
  if (typeof type === 'object' && type !== null && 'logicalType' in type) {
    const logical = (type as { logicalType: string }).logicalType;
    if (logical === 'timestamp-millis' || logical === 'timestamp-micros') return 'TIMESTAMP';
    if (logical === 'date') return 'DATE';
    if (logical === 'decimal') return 'NUMERIC';
  }
  const name = typeof type === 'string' ? type : (type as { type: string }).type;
  switch (name) {
    case 'string':
      return 'STRING';
    case 'int':
    case 'long':
      return 'INT64';
    case 'float':
    case 'double':
      return 'FLOAT64';
    case 'boolean':
      return 'BOOL';
    case 'bytes':
      return 'BYTES';
    default:
      throw new Error(`no BigQuery column type for Avro ${JSON.stringify(type)}`);
  }
}

