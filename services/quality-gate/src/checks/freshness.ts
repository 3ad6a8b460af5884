import { quote, scalar, type Check } from './check.js';

/** The newest row is recent enough: a load that succeeds with nothing new is still late data. */
export const freshnessCheck: Check<'freshness'> = {
  kind: 'freshness',
  async run(spec, ctx) {
    const lag = await scalar(ctx, `SELECT TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), TIMESTAMP(MAX(${quote(spec.column)})), SECOND) AS lag FROM ${ctx.table}`);
    const seconds = lag === null || lag === undefined ? undefined : Number(lag);
    return {
      assertion: `freshness:${spec.column}`,
      column: spec.column,
      success: seconds !== undefined && seconds <= spec.maxLagSeconds,
      detail: seconds === undefined ? 'no rows' : `newest row ${seconds} s old (at most ${spec.maxLagSeconds} s)`,
    };
  },
};
