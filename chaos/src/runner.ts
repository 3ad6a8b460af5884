import { stageHolds } from './checker.js';
import type { Scenario, ScenarioContext, ScenarioResult } from './scenario.js';

/** Runs one scenario and turns what it found into a row of the table. Never throws: an error is a verdict. */
export async function runScenario(scenario: Scenario, context: Partial<ScenarioContext> = {}): Promise<ScenarioResult> {
  const started = Date.now();
  const log = context.log ?? ((message: string) => process.stderr.write(`[chaos ${scenario.id}] ${message}\n`));
  const base = { id: scenario.id, title: scenario.title, acknowledged: 0, lost: 0, duplicated: 0, deadLettered: {}, stages: [], notes: [], refused: {}, indeterminate: 0 };
  try {
    const outcome = await scenario.run({ sabotage: false, fast: false, ...context, log });
    const summary = outcome.ledger?.summary(outcome.source);
    const failedStages = outcome.stages.filter((s) => !stageHolds(s));
    const failedChecks = (outcome.checks ?? []).filter((c) => !c.ok);
    const failures = [
      ...failedStages.map((s) => `${s.stage}: ${[s.lost && `${s.lost} lost (${s.examples.lost.join(', ')})`, s.duplicatesCount && s.duplicated && `${s.duplicated} duplicated (${s.examples.duplicated.join(', ')})`, s.phantoms && `${s.phantoms} phantoms (${s.examples.phantoms.join(', ')})`].filter(Boolean).join(', ')}`),
      ...failedChecks.map((c) => `${c.name}${c.detail ? `: ${c.detail}` : ''}`),
    ];
    const verdict = failures.length === 0 ? 'pass' : 'fail';
    const p99s = outcome.stages.map((s) => s.p99Ms).filter((v): v is number => v !== undefined);
    return {
      ...base,
      acknowledged: summary?.acknowledged ?? Math.max(0, ...outcome.stages.map((s) => s.acknowledged)),
      lost: Math.max(0, ...outcome.stages.map((s) => s.lost)),
      duplicated: outcome.stages.filter((s) => s.duplicatesCount).reduce((n, s) => n + s.duplicated, 0),
      deadLettered: outcome.deadLettered ?? {},
      ...(p99s.length ? { p99DelayMs: Math.max(...p99s) } : {}),
      verdict,
      ...(verdict === 'fail' ? { cause: [outcome.knownCause, failures.join('; ')].filter(Boolean).join(' — ') } : {}),
      stages: outcome.stages,
      notes: [...(outcome.notes ?? []), ...(outcome.checks ?? []).map((c) => `${c.ok ? 'ok' : 'FAILED'}: ${c.name}${c.detail ? ` (${c.detail})` : ''}`)],
      refused: summary?.refused ?? {},
      indeterminate: summary?.indeterminate ?? 0,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } catch (error) {
    log(`error: ${(error as Error).stack}`);
    return { ...base, verdict: 'error', cause: `harness error: ${(error as Error).message.split('\n')[0]}`, seconds: Math.round((Date.now() - started) / 1000) };
  }
}
