// ./dev chaos [--sabotage] [--fast] [--no-doc] [--jobs N] [scenario…]: runs the scenarios (all by default),
// N at a time (each has a project of its own, so they do not see each other), prints the table, and writes
// it to docs/reliability.md with the date and the commit.
import { parseArgs } from 'node:util';
import { readPreviousResults, writeReliabilityDoc, textTable } from './report.js';
import { runScenario } from './runner.js';
import type { ScenarioResult } from './scenario.js';
import { NOT_BUILT, RELIABILITY_INTRO } from './catalogue.js';
import { scenarios } from './scenarios/index.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sabotage: { type: 'boolean', default: false },
    fast: { type: 'boolean', default: false },
    'no-doc': { type: 'boolean', default: false },
    jobs: { type: 'string', default: '1' },
    // Reruns some scenarios and replaces only their rows in docs/reliability.md (the others keep their run's date).
    'update-doc': { type: 'boolean', default: false },
  },
});
const wanted = positionals.map((p) => p.toUpperCase());
const unknown = wanted.filter((id) => !scenarios.some((s) => s.id === id) && !NOT_BUILT.some((n) => n.id === id));
if (unknown.length) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${[...scenarios.map((s) => s.id), ...NOT_BUILT.map((n) => n.id)].join(' ')}`);
  process.exit(2);
}
const selected = wanted.length ? scenarios.filter((s) => wanted.includes(s.id)) : scenarios;
const results: ScenarioResult[] = [];
const queue = [...selected];
const worker = async () => {
  for (let scenario = queue.shift(); scenario; scenario = queue.shift()) {
    process.stderr.write(`[chaos] ${scenario.id} ${scenario.title}${values.sabotage ? ' (sabotaged)' : ''}\n`);
    const result = await runScenario(scenario, { sabotage: values.sabotage ?? false, fast: values.fast ?? false });
    process.stderr.write(`[chaos] ${scenario.id}: ${result.verdict}${result.cause ? ` — ${result.cause}` : ''} (${result.seconds} s)\n`);
    results.push(result);
  }
};
await Promise.all(Array.from({ length: Math.max(1, Number(values.jobs) || 1) }, worker));
for (const n of NOT_BUILT) if (!wanted.length || wanted.includes(n.id)) results.push({ id: n.id, title: n.title, acknowledged: 0, lost: 0, duplicated: 0, deadLettered: {}, verdict: 'not built', cause: n.why, stages: [], notes: [], refused: {}, indeterminate: 0, seconds: 0 });
const order = (id: string) => ORDER.indexOf(id.replace(/\d+$/, '')) * 100 + Number(id.replace(/^\D+/, ''));
const ORDER = ['K', 'P', 'B', 'G', 'D', 'W', 'R', 'C', 'L', 'S', 'M'];
results.sort((a, b) => order(a.id) - order(b.id));
console.log(textTable(results));
if (!values['no-doc'] && !values.sabotage && !values.fast) {
  const previous = values['update-doc'] ? readPreviousResults() : [];
  const merged = [...previous.filter((p) => !results.some((r) => r.id === p.id)), ...results].sort((a, b) => order(a.id) - order(b.id));
  writeReliabilityDoc(merged, scenarios, RELIABILITY_INTRO, values['update-doc'] ? results.map((r) => r.id) : undefined);
  console.error('[chaos] written to docs/reliability.md');
}
process.exitCode = results.some((r) => r.verdict === 'error') ? 1 : 0;
