import { quote, type Check } from './check.js';

/** The columns the marts rely on exist with their types (a retyped or dropped column fails before it breaks a dashboard). */
export const schemaCheck: Check<'schema'> = {
  kind: 'schema',
  async run(spec, ctx) {
    const [rows] = await ctx.bigquery.query({
      query: `SELECT column_name, data_type FROM ${quote(ctx.bigquery.projectId)}.${quote(ctx.dataset)}.INFORMATION_SCHEMA.COLUMNS WHERE table_name = @table`,
      params: { table: ctx.tableName },
    });
    const actual = new Map((rows as { column_name: string; data_type: string }[]).map((r) => [r.column_name, normalise(r.data_type)]));
    const problems = Object.entries(spec.columns).flatMap(([column, type]) => {
      const found = actual.get(column);
      if (!found) return [`${column} missing`];
      return found === normalise(type) ? [] : [`${column} is ${found}, expected ${type}`];
    });
    return { assertion: 'schema', success: problems.length === 0, detail: problems.length ? problems.join('; ') : `${Object.keys(spec.columns).length} columns as expected` };
  },
};

// BigQuery reports legacy names for some types in places (INTEGER, FLOAT, BOOLEAN).
const ALIASES: Record<string, string> = { INTEGER: 'INT64', FLOAT: 'FLOAT64', BOOLEAN: 'BOOL', DECIMAL: 'NUMERIC', BIGDECIMAL: 'BIGNUMERIC' };
function normalise(type: string): string {
  const base = type.toUpperCase().replace(/\(.*\)$/, '').trim();
  return ALIASES[base] ?? base;
}
