/** A source column as the database describes it. */
export interface SourceColumn {
  name: string;
  /** the database's type name, lower case (pg: udt name, e.g. int4, _text; oracle: e.g. number, timestamp(6) with time zone) */
  dbType: string;
  nullable: boolean;
  precision?: number | null;
  scale?: number | null;
  /** read as its text form: an enum, a composite, a range, or a type without a BigQuery mapping */
  textual?: boolean;
  /** the type the source declares, when `dbType` is what it is read as */
  sourceType?: string;
}

export interface TargetColumn {
  name: string;
  type: string;
  mode: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
  /** staged as a JSON string (decoded in the MERGE), so an empty string is not read as NULL */
  stagedAsJson?: boolean;
}

function numeric(precision: number | null | undefined, scale: number | null | undefined): string {
  // NUMERIC holds 38 digits with 9 after the point; wider values need BIGNUMERIC.
  if (precision == null) return 'BIGNUMERIC';
  if ((scale ?? 0) === 0 && precision <= 18) return 'INT64';
  return precision - (scale ?? 0) <= 29 && (scale ?? 0) <= 9 ? 'NUMERIC' : 'BIGNUMERIC';
}

const PG_TYPES: Record<string, string> = {
  int2: 'INT64', int4: 'INT64', int8: 'INT64', float4: 'FLOAT64', float8: 'FLOAT64', bool: 'BOOL',
  text: 'STRING', varchar: 'STRING', bpchar: 'STRING', name: 'STRING', uuid: 'STRING', citext: 'STRING',
  timestamptz: 'TIMESTAMP', timestamp: 'DATETIME', date: 'DATE', time: 'TIME', json: 'JSON', jsonb: 'JSON', bytea: 'BYTES', interval: 'STRING',
};

export const isMappedPostgresType = (name: string) => name === 'numeric' || Object.hasOwn(PG_TYPES, name);

/** PostgreSQL → BigQuery. Arrays become REPEATED columns of their element's type. */
export function mapPostgresColumn(column: SourceColumn): TargetColumn {
  const array = column.dbType.startsWith('_');
  const base = array ? column.dbType.slice(1) : column.dbType;
  const type = base === 'numeric' ? numeric(column.precision, column.scale) === 'INT64' ? 'NUMERIC' : numeric(column.precision, column.scale) : PG_TYPES[base];
  if (!type) throw new Error(`column ${column.name}: no BigQuery type for PostgreSQL ${column.dbType}`);
  return { name: column.name, type, mode: array ? 'REPEATED' : column.nullable ? 'NULLABLE' : 'REQUIRED' };
}

/** Oracle → BigQuery, with SAP's DATS, TIMS and NUMC conventions applied to the columns the plan names. */
export function mapOracleColumn(column: SourceColumn, sap: { dats?: string[]; tims?: string[]; numc?: string[] } = {}): TargetColumn {
  const mode = column.nullable ? 'NULLABLE' : 'REQUIRED';
  // DATS '00000000' and TIMS '000000' mean "no value" in SAP, so these columns are always NULLABLE.
  if (sap.dats?.includes(column.name)) return { name: column.name, type: 'DATE', mode: 'NULLABLE' };
  if (sap.tims?.includes(column.name)) return { name: column.name, type: 'TIME', mode: 'NULLABLE' };
  if (sap.numc?.includes(column.name)) return { name: column.name, type: 'STRING', mode };
  const t = column.dbType.toLowerCase();
  let type: string | undefined;
  if (t === 'number') type = column.precision == null && column.scale == null ? 'BIGNUMERIC' : numeric(column.precision, column.scale);
  else if (t === 'float' || t === 'binary_float' || t === 'binary_double') type = 'FLOAT64';
  else if (t === 'date' || /^timestamp(\(\d\))?$/.test(t)) type = 'DATETIME';
  else if (/^timestamp(\(\d\))? with (local )?time zone$/.test(t)) type = 'TIMESTAMP';
  else if (['varchar2', 'nvarchar2', 'char', 'nchar', 'clob', 'nclob', 'long'].includes(t)) type = 'STRING';
  else if (['blob', 'raw', 'long raw'].includes(t)) type = 'BYTES';
  if (!type) throw new Error(`column ${column.name}: no BigQuery type for Oracle ${column.dbType}`);
  return { name: column.name, type, mode };
}

/** SAP DATS (YYYYMMDD) to an ISO date; '00000000' and blanks are no date. */
export function sapDate(value: string | null): string | null {
  if (value == null) return null;
  const v = value.trim();
  if (v === '' || /^0+$/.test(v)) return null;
  if (!/^\d{8}$/.test(v)) throw new Error(`not a DATS value: ${value}`);
  return `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}`;
}

/** SAP TIMS (HHMMSS) to an ISO time; blanks are no time. */
export function sapTime(value: string | null): string | null {
  if (value == null) return null;
  const v = value.trim();
  if (v === '') return null;
  if (!/^\d{6}$/.test(v)) throw new Error(`not a TIMS value: ${value}`);
  return `${v.slice(0, 2)}:${v.slice(2, 4)}:${v.slice(4, 6)}`;
}

/** Schema drift: columns to add, and changes that must fail the table. */
export function drift(current: TargetColumn[], wanted: TargetColumn[]): { add: TargetColumn[]; problems: string[] } {
  const byName = new Map(current.map((c) => [c.name.toLowerCase(), c]));
  const add: TargetColumn[] = [];
  const problems: string[] = [];
  for (const column of wanted) {
    const existing = byName.get(column.name.toLowerCase());
    if (!existing) add.push({ ...column, mode: column.mode === 'REQUIRED' ? 'NULLABLE' : column.mode });
    else if (normalise(existing.type) !== normalise(column.type)) problems.push(`column ${column.name} changed from ${existing.type} to ${column.type}`);
  }
  for (const column of current) {
    if (column.name.startsWith('_')) continue;
    if (!wanted.some((w) => w.name.toLowerCase() === column.name.toLowerCase())) problems.push(`column ${column.name} was removed at the source`);
  }
  return { add, problems };
}

const ALIASES: Record<string, string> = { INTEGER: 'INT64', FLOAT: 'FLOAT64', BOOLEAN: 'BOOL' };
const normalise = (type: string) => ALIASES[type] ?? type;
