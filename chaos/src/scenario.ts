import type { Ledger } from './ledger.js';
import type { StageCount } from './checker.js';

export type Verdict = 'pass' | 'fail' | 'error' | 'not built';

/** One row of the reliability table, with what stands behind it. */
export interface ScenarioResult {
  id: string;
  title: string;
  acknowledged: number;
  lost: number;
  duplicated: number;
  deadLettered: Record<string, number>;
  p99DelayMs?: number;
  verdict: Verdict;
  /** for a failure: the cause found; for an error: the error */
  cause?: string;
  stages: StageCount[];
  /** further figures and the checks beyond the counts (alarms identical, state equal, …) */
  notes: string[];
  refused: Record<string, number>;
  indeterminate: number;
  seconds: number;
}

export interface ScenarioContext {
  /** break the checked guarantee on purpose (proves the scenario can fail) */
  sabotage: boolean;
  /** a shorter load for the regression tests in ./dev test */
  fast: boolean;
  log: (message: string) => void;
}

/** What a scenario hands back; the runner adds the timing and the verdict's bookkeeping. */
export interface Outcome {
  ledger?: Ledger;
  source?: string;
  stages: StageCount[];
  deadLettered?: Record<string, number>;
  /** scenario-specific checks: each failing one fails the verdict and names the cause */
  checks?: { name: string; ok: boolean; detail?: string }[];
  notes?: string[];
  /** the cause found when the verdict is a failure (one line, for docs/reliability.md) */
  knownCause?: string;
}

export interface Scenario {
  id: string;
  title: string;
  /** the guarantee checked, one line */
  guarantee: string;
  /** how the guarantee was broken on purpose to see this scenario fail (docs/reliability.md) */
  sabotage: string;
  /** outage:budget when a long outage is simulated by a shorter retry budget */
  budgetNote?: string;
  run(context: ScenarioContext): Promise<Outcome>;
}
