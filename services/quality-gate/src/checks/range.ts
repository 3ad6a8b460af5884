import { quote, scalar, type Check } from './check.js';

/** Values lie in their physical range (and are present unless nullable). */
export const rangeCheck: Check<'range'> = {
  kind: 'range',
  async run(spec, ctx) {
    const column = quote(spec.column);
    const conditions = [
      ...(spec.min !== undefined ? [`${column} < ${spec.min}`] : []),
      ...(spec.max !== undefined ? [`${column} > ${spec.max}`] : []),
      ...(spec.nullable ? [] : [`${column} IS NULL`]),
    ];
    const failingRows = `SELECT * FROM ${ctx.table} WHERE ${conditions.join(' OR ')}`;
    const outside = Number(await scalar(ctx, `SELECT COUNT(*) AS n FROM (${failingRows})`));
    const bounds = `[${spec.min ?? '-∞'}, ${spec.max ?? '∞'}]${spec.nullable ? '' : ', not null'}`;
    return {
      assertion: `range:${spec.column}`,
      column: spec.column,
      success: outside === 0,
      detail: outside === 0 ? `every value in ${bounds}` : `${outside} rows outside ${bounds}`,
      failingRows,
    };
  },
};
