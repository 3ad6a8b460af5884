import { quote, scalar, type Check } from './check.js';

/** No two rows share the key: a duplicated key means a load was applied twice or a MERGE went wrong. */
export const uniqueKeyCheck: Check<'unique_key'> = {
  kind: 'unique_key',
  async run(spec, ctx) {
    const key = spec.columns.map(quote).join(', ');
    const duplicated = `SELECT ${key} FROM ${ctx.table} GROUP BY ${key} HAVING COUNT(*) > 1`;
    const keys = Number(await scalar(ctx, `SELECT COUNT(*) AS n FROM (${duplicated})`));
    return {
      assertion: `unique_key:${spec.columns.join('+')}`,
      success: keys === 0,
      detail: keys === 0 ? 'every key once' : `${keys} keys appear more than once`,
      failingRows: `SELECT audited.* FROM ${ctx.table} AS audited JOIN (${duplicated}) AS duplicated USING (${key})`,
    };
  },
};
