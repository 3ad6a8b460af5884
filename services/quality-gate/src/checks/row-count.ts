import { scalar, type Check } from './check.js';

/**
 * The table holds as many rows as the source counted: at least what the source
 * had before the run, at most what it had after (rows may arrive while it runs).
 */
export const rowCountCheck: Check<'row_count'> = {
  kind: 'row_count',
  async run(_spec, ctx) {
    if (!ctx.expectedRows) return undefined;
    const rows = Number(await scalar(ctx, `SELECT COUNT(*) AS n FROM ${ctx.table}`));
    const { min, max } = ctx.expectedRows;
    const success = rows >= min && rows <= max;
    return { assertion: 'row_count_matches_source', success, detail: `${rows} rows; the source counted ${min === max ? min : `${min}–${max}`}` };
  },
};
