import type { CheckSpec } from '@mine/topology';
import type { Check, CheckContext, CheckOutcome } from './check.js';
import { freshnessCheck } from './freshness.js';
import { rangeCheck } from './range.js';
import { rowCountCheck } from './row-count.js';
import { schemaCheck } from './schema.js';
import { uniqueKeyCheck } from './unique-key.js';

export type { CheckContext, CheckOutcome } from './check.js';

/** Every kind of check, one file each; a kind declared in packages/topology without an entry here fails typecheck. */
const registry: { [K in CheckSpec['kind']]: Check<K> } = {
  schema: schemaCheck,
  row_count: rowCountCheck,
  unique_key: uniqueKeyCheck,
  range: rangeCheck,
  freshness: freshnessCheck,
};

export function runCheck(spec: CheckSpec, ctx: CheckContext): Promise<CheckOutcome | undefined> {
  return (registry[spec.kind] as Check<typeof spec.kind>).run(spec as never, ctx);
}
