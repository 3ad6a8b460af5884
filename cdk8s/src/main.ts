// Synthesizes the cdk8s app into the Helm chart in charts/ (generated only; a test checks it is current).
//   pnpm --filter @mine/cdk8s synth
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { helmChart } from './helm.js';
import { writePlatformHealthDashboard } from './dashboards.js';

// The generated dashboard first: the chart ships every dashboard in dashboards/.
writePlatformHealthDashboard();
const out = process.argv[2] ?? 'charts/mine-platform';
for (const [file, content] of Object.entries(helmChart())) {
  mkdirSync(join(out, file, '..'), { recursive: true });
  writeFileSync(join(out, file), content);
}
console.log(`chart written to ${out}`);
