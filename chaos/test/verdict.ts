import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScenario } from '../src/runner.js';
import { scenarios } from '../src/scenarios/index.js';

/**
 * A passing scenario as a regression test: its fast form must keep the verdict
 * `pass` (lost, duplicated and phantoms zero where promised, every check held).
 */
export function scenarioKeepsPassing(id: string): void {
  const scenario = scenarios.find((s) => s.id === id);
  if (!scenario) throw new Error(`no scenario ${id}`);
  test(`${id} (fast): ${scenario.title} — ${scenario.guarantee}`, async () => {
    const result = await runScenario(scenario, { fast: true });
    assert.equal(result.verdict, 'pass', result.cause);
  });
}
