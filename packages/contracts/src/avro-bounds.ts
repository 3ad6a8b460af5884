import type avro from 'avsc';

/**
 * Bounded Avro binary decoding. avsc allocates `new Array(n)` for the item
 * count an array block claims and loops over the claimed count of map
 * entries, before it knows whether the bytes hold them: eight bytes can claim
 * 2^60 items. `checkAvroBounds` walks the encoded value against its schema
 * without building it, and refuses any length or count that the bytes left
 * cannot hold (each item needs at least its type's minimum encoded size), so
 * the decode that follows allocates no more than its input justifies.
 */
export class AvroBoundsError extends Error {
  constructor(
    message: string,
    /** `truncated`: the bytes end inside a value; `corrupt`: a length, count or index that cannot be right. */
    readonly kind: 'truncated' | 'corrupt',
  ) {
    super(message);
    this.name = 'AvroBoundsError';
  }
}

export interface AvroBoundsLimits {
  /** Items of a zero-byte type (null, an empty record) cost no bytes; this caps them per collection. */
  maxZeroSizeItems?: number;
  /** Nesting depth of recursive schemas. */
  maxDepth?: number;
}

type AnyType = avro.Type & {
  typeName: string;
  fields?: { type: AnyType }[];
  itemsType?: AnyType;
  valuesType?: AnyType;
  types?: AnyType[];
  size?: number;
  symbols?: string[];
  underlyingType?: AnyType;
};

const minSizes = new WeakMap<object, number>();

/** The fewest bytes one value of the type can be encoded in. */
export function avroMinSize(type: avro.Type, visiting = new Set<object>()): number {
  const t = type as AnyType;
  const known = minSizes.get(t);
  if (known !== undefined) return known;
  // A recursive reference counts as zero: a lower bound stays a bound.
  if (visiting.has(t)) return 0;
  visiting.add(t);
  let size: number;
  switch (t.typeName) {
    case 'null':
      size = 0;
      break;
    case 'float':
      size = 4;
      break;
    case 'double':
      size = 8;
      break;
    case 'fixed':
      size = t.size ?? 0;
      break;
    case 'record':
    case 'error':
      size = (t.fields ?? []).reduce((n, f) => n + avroMinSize(f.type, visiting), 0);
      break;
    case 'union:wrapped':
    case 'union:unwrapped':
      size = 1 + Math.min(...(t.types ?? []).map((b) => avroMinSize(b, visiting)));
      break;
    case 'logical':
    default:
      if (t.underlyingType) size = avroMinSize(t.underlyingType, visiting);
      // boolean, int, long, string, bytes, enum, array, map: at least one byte each
      else size = 1;
  }
  visiting.delete(t);
  minSizes.set(t, size);
  return size;
}

class Cursor {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  get left(): number {
    return this.end - this.pos;
  }

  need(n: number, what: string): void {
    if (n > this.left) throw new AvroBoundsError(`${what} needs ${n} bytes, ${this.left} left`, 'truncated');
  }

  /** A zig-zag varint; values past 2^53 are refused rather than rounded. */
  long(what: string): number {
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new AvroBoundsError(`${what}: bytes end inside a number`, 'truncated');
      const byte = this.buf[this.pos++]!;
      result += (byte & 0x7f) * multiplier;
      if (!(byte & 0x80)) {
        if (result > Number.MAX_SAFE_INTEGER) throw new AvroBoundsError(`${what}: number out of range`, 'corrupt');
        return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      }
      multiplier *= 128;
    }
    throw new AvroBoundsError(`${what}: number longer than 10 bytes`, 'corrupt');
  }

  skip(n: number, what: string): void {
    if (n < 0) throw new AvroBoundsError(`${what}: negative length ${n}`, 'corrupt');
    this.need(n, what);
    this.pos += n;
  }
}

/**
 * Checks one value of `type` encoded at `buf[offset..end)`, returns where it
 * ends. Throws AvroBoundsError for a length or count the bytes cannot hold.
 */
export function checkAvroBounds(type: avro.Type, buf: Uint8Array, offset = 0, end = buf.length, limits: AvroBoundsLimits = {}): number {
  const cursor = new Cursor(buf, offset, end);
  walk(type as AnyType, cursor, 0, { maxZeroSizeItems: limits.maxZeroSizeItems ?? 100_000, maxDepth: limits.maxDepth ?? 64 });
  return cursor.pos;
}

function walk(t: AnyType, c: Cursor, depth: number, limits: Required<AvroBoundsLimits>): void {
  if (depth > limits.maxDepth) throw new AvroBoundsError(`values nested deeper than ${limits.maxDepth}`, 'corrupt');
  switch (t.typeName) {
    case 'null':
      return;
    case 'boolean': {
      c.need(1, 'boolean');
      const b = c.buf[c.pos++]!;
      if (b > 1) throw new AvroBoundsError(`boolean byte ${b}`, 'corrupt');
      return;
    }
    case 'int':
    case 'long':
      c.long(t.typeName);
      return;
    case 'float':
      return c.skip(4, 'float');
    case 'double':
      return c.skip(8, 'double');
    case 'string':
    case 'bytes':
      return c.skip(c.long(`${t.typeName} length`), t.typeName);
    case 'fixed':
      return c.skip(t.size ?? 0, 'fixed');
    case 'enum': {
      const index = c.long('enum index');
      if (index < 0 || index >= (t.symbols?.length ?? 0)) throw new AvroBoundsError(`enum index ${index} out of range`, 'corrupt');
      return;
    }
    case 'record':
    case 'error':
      for (const field of t.fields ?? []) walk(field.type, c, depth + 1, limits);
      return;
    case 'union:wrapped':
    case 'union:unwrapped': {
      const index = c.long('union index');
      const branch = t.types?.[index];
      if (!branch) throw new AvroBoundsError(`union index ${index} out of range`, 'corrupt');
      return walk(branch, c, depth + 1, limits);
    }
    case 'array':
    case 'map': {
      const items = (t.typeName === 'array' ? t.itemsType : t.valuesType)!;
      // A map entry is a string key (at least one byte) and a value.
      const itemMin = avroMinSize(items) + (t.typeName === 'map' ? 1 : 0);
      let zeroSizeItems = 0;
      for (;;) {
        let count = c.long(`${t.typeName} block count`);
        if (count === 0) return;
        if (count < 0) {
          count = -count;
          const size = c.long(`${t.typeName} block size`);
          c.need(size, `${t.typeName} block`);
        }
        if (itemMin > 0) {
          if (count * itemMin > c.left) throw new AvroBoundsError(`${t.typeName} block claims ${count} items, ${c.left} bytes cannot hold them`, 'corrupt');
        } else if ((zeroSizeItems += count) > limits.maxZeroSizeItems) {
          throw new AvroBoundsError(`${t.typeName} claims more than ${limits.maxZeroSizeItems} empty items`, 'corrupt');
        }
        for (let i = 0; i < count; i++) {
          if (t.typeName === 'map') c.skip(c.long('map key length'), 'map key');
          walk(items, c, depth + 1, limits);
        }
      }
    }
    default:
      if (t.underlyingType) return walk(t.underlyingType, c, depth, limits);
      throw new AvroBoundsError(`no bounds check for Avro type ${t.typeName}`, 'corrupt');
  }
}

/** The bounds check of a whole message: one value, no bytes after it. */
export function checkAvroMessage(type: avro.Type, buf: Uint8Array, limits?: AvroBoundsLimits): void {
  const end = checkAvroBounds(type, buf, 0, buf.length, limits);
  if (end !== buf.length) throw new AvroBoundsError(`${buf.length - end} bytes after the value`, 'corrupt');
}

/** `type.fromBuffer`, after the bounds check. */
export function decodeAvroBounded<T>(type: avro.Type, buf: Buffer, limits?: AvroBoundsLimits): T {
  checkAvroMessage(type, buf, limits);
  return type.fromBuffer(buf) as T;
}
