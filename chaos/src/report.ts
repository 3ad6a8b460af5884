import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './env.js';
import type { Scenario, ScenarioResult } from './scenario.js';

const ms = (v?: number) => (v === undefined ? '—' : v >= 10_000 ? `${(v / 1000).toFixed(0)} s` : v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
const reasons = (r: Record<string, number>) =>
  Object.keys(r).length === 0
    ? '0'
    : Object.entries(r)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ');

const HEADER = ['scenario', 'acknowledged', 'lost', 'duplicated', 'dead-lettered (by reason)', 'p99 delay', 'verdict'];

function rows(results: ScenarioResult[]): string[][] {
  return results.map((r) => [
    `${r.id} ${r.title}`,
    r.verdict === 'not built' ? '—' : String(r.acknowledged),
    r.verdict === 'not built' || r.verdict === 'error' ? '—' : String(r.lost),
    r.verdict === 'not built' || r.verdict === 'error' ? '—' : String(r.duplicated),
    r.verdict === 'not built' ? '—' : reasons(r.deadLettered),
    ms(r.p99DelayMs),
    r.verdict === 'pass' ? 'pass' : r.verdict.toUpperCase(),
  ]);
}

/** The table for a terminal, columns padded. */
export function textTable(results: ScenarioResult[]): string {
  const all = [HEADER, ...rows(results)];
  const widths = HEADER.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...rows(results).map(line)].join('\n');
}

export function markdownTable(results: ScenarioResult[]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  return [`| ${HEADER.join(' | ')} |`, `| ${HEADER.map(() => '---').join(' | ')} |`, ...rows(results).map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

function commit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).trim();
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

/** docs/reliability.md: the table of this run with its date and commit, each failure's cause, and how each scenario was made to fail. */
const RESULTS_JSON = () => join(root, 'docs/reliability.json');

/** The results behind the last docs/reliability.md (kept beside it, so a rerun of some scenarios replaces only their rows). */
export function readPreviousResults(): (ScenarioResult & { ranAt?: string; commit?: string })[] {
  return existsSync(RESULTS_JSON()) ? (JSON.parse(readFileSync(RESULTS_JSON(), 'utf8')) as (ScenarioResult & { ranAt?: string; commit?: string })[]) : [];
}

export function writeReliabilityDoc(results: (ScenarioResult & { ranAt?: string; commit?: string })[], scenarios: Scenario[], intro: string, rerun?: string[]): string {
  const byId = new Map(scenarios.map((s) => [s.id, s]));
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const stamped = results.map((r) => (rerun === undefined || rerun.includes(r.id) || !r.ranAt ? { ...r, ranAt: now, commit: commit() } : r));
  writeFileSync(RESULTS_JSON(), `${JSON.stringify(stamped, null, 1)}\n`);
  const reruns = rerun ? stamped.filter((r) => rerun.includes(r.id)).map((r) => r.id) : [];
  const failed = results.filter((r) => r.verdict !== 'pass' && r.verdict !== 'not built');
  const text = [
    '# Reliability: what is lost, duplicated and late when things break',
    '',
    intro.trim(),
    '',
    `## Last run: ${stamped.find((r) => !reruns.includes(r.id))?.ranAt ?? now}, commit ${stamped.find((r) => !reruns.includes(r.id))?.commit ?? commit()}`,
    '',
    reruns.length ? `Rerun later (\`./dev chaos --update-doc ${reruns.join(' ')}\`) at ${now}, commit ${commit()}: ${reruns.join(', ')}.` : '`./dev chaos` (every scenario).',
    '',
    markdownTable(results),
    '',
    '## Causes of the failures',
    '',
    ...(failed.length ? failed.map((r) => `- **${r.id}** (${r.verdict}): ${r.cause ?? 'no cause recorded'}`) : ['None in this run.']),
    '',
    '## The scenarios: what each checks, and how it was made to fail on purpose',
    '',
    '| scenario | guarantee checked | broken on purpose by (`./dev chaos --sabotage <id>`) |',
    '| --- | --- | --- |',
    ...scenarios.map((s) => `| ${s.id} ${s.title} | ${s.guarantee}${s.budgetNote ? ` (${s.budgetNote})` : ''} | ${s.sabotage} |`),
    '',
    '## Details of the run',
    '',
    ...results.flatMap((r) => {
      const s = byId.get(r.id);
      if (!s || r.verdict === 'not built') return [];
      return [
        `### ${r.id} ${r.title} — ${r.verdict} (${r.seconds} s)`,
        '',
        `Ledger: ${r.acknowledged} acknowledged, ${r.indeterminate} indeterminate, refused: ${reasons(r.refused)}.`,
        '',
        ...(r.stages.length
          ? [
              '| stage | acknowledged | lost | duplicated | phantoms | p50 | p99 |',
              '| --- | --- | --- | --- | --- | --- | --- |',
              ...r.stages.map((st) => `| ${st.stage} | ${st.acknowledged} | ${st.lost} | ${st.duplicated}${st.duplicatesCount ? '' : ' (at least once: allowed)'} | ${st.phantoms} | ${ms(st.p50Ms)} | ${ms(st.p99Ms)} |`),
              '',
            ]
          : []),
        ...r.notes.map((n) => `- ${n}`),
        '',
      ];
    }),
  ].join('\n');
  writeFileSync(join(root, 'docs/reliability.md'), text);
  return text;
}
