#!/usr/bin/env node
// Finds the project's tests and runs them with node's test runner (TypeScript via tsx,
// workspace packages resolved to their sources through the "source" export condition).
//   --unit          src/**/*.test.ts (pure logic, no emulator)
//   --integration   test/**/*.test.ts in packages and services, e2e/, and chaos/test (needs the stack)
//   (no flag)       both
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = new Set(process.argv.slice(2));
const wantUnit = args.has('--unit') || (!args.has('--unit') && !args.has('--integration'));
const wantIntegration = args.has('--integration') || (!args.has('--unit') && !args.has('--integration'));
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (entry.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const workspaces = ['packages', 'services'].flatMap((group) =>
  existsSync(join(root, group)) ? readdirSync(join(root, group)).map((name) => join(root, group, name)) : [],
);
const files = [];
for (const ws of [...workspaces, join(root, 'cdk8s'), join(root, 'chaos')]) {
  if (wantUnit) files.push(...walk(join(ws, 'src')));
  if (wantIntegration) files.push(...walk(join(ws, 'test')));
}
if (wantIntegration) files.push(...walk(join(root, 'e2e')));
const selected = files.filter((f) => only.length === 0 || only.some((o) => f.includes(o))).sort();

if (selected.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
console.error(`running ${selected.length} test files:\n${selected.map((f) => `  ${relative(root, f)}`).join('\n')}`);
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--conditions=source', '--test', '--test-concurrency=2', '--test-timeout=300000', ...selected],
  { stdio: 'inherit', cwd: root, env: { ...process.env, NODE_NO_WARNINGS: '1' } },
);
process.exit(result.status ?? 1);
