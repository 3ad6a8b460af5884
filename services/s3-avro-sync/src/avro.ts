import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import avro from 'avsc';
import crc32 from 'crc-32';
import snappy from 'snappyjs';
import type { BigQueryField } from '@mine/contracts';

type AvroSchema = Record<string, unknown>;

/** Avro's snappy codec: each block is snappy-compressed, followed by the CRC32 of the uncompressed bytes. */
function snappyDecode(buffer: Buffer, callback: (error: Error | null, data?: Buffer) => void): void {
  try {
    const data = Buffer.from(snappy.uncompress(buffer.subarray(0, buffer.length - 4)));
    if ((crc32.buf(data) >>> 0) !== buffer.readUInt32BE(buffer.length - 4)) throw new Error('snappy block checksum mismatch');
    callback(null, data);
  } catch (error) {
    callback(error as Error);
  }
}

export function snappyEncode(buffer: Buffer, callback: (error: Error | null, data?: Buffer) => void): void {
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32.buf(buffer) >>> 0);
  callback(null, Buffer.concat([Buffer.from(snappy.compress(buffer)), checksum]));
}

const identity = (buffer: Buffer, callback: (error: Error | null, data?: Buffer) => void) => callback(null, buffer);

/** Decoders for the Avro codecs suppliers use (avsc replaces its defaults when given any, so all are listed). */
export const CODECS = { null: identity, deflate: zlib.inflateRaw, snappy: snappyDecode };
/** Encoders, for writing test files and fixtures. */
export const ENCODE_CODECS = { null: identity, deflate: zlib.deflateRaw, snappy: snappyEncode };

export interface AvroScan {
  schema: AvroSchema;
  codec: string;
  records: number;
}

/** Reads a whole Avro container file as a stream: header, schema, every block decoded, records counted. */
export async function scanAvro(source: Readable): Promise<AvroScan> {
  let schema: AvroSchema | undefined;
  let codec = 'null';
  let records = 0;
  const decoder = new avro.streams.BlockDecoder({ codecs: CODECS as never, noDecode: true });
  // The schema as the writer declared it (logical types included), straight from the file header.
  decoder.on('metadata', (_type: avro.Type, codecName: string, header: { meta: Record<string, Buffer> }) => {
    schema = JSON.parse(header.meta['avro.schema']!.toString('utf8')) as AvroSchema;
    codec = codecName;
  });
  await pipeline(
    source,
    decoder,
    new Writable({
      write(_record, _encoding, callback) {
        records += 1;
        callback();
      },
    }),
  );
  if (!schema) throw new Error('no Avro header found');
  return { schema, codec, records };
}

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
export function checkSchema(writer: AvroSchema, expected: AvroSchema): SchemaCheck {
  const problems: string[] = [];
  const writerFields = new Map(((writer.fields as AvroField[]) ?? []).map((f) => [f.name, f]));
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

