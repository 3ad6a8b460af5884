import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { topology } from '@mine/topology';
import { serviceRuleGroups } from './alert-rules.js';
import { services } from './platform.js';

export interface ScrapeTarget {
  /** the service's name: Prometheus's `job`, as PodMonitoring names it in the cluster */
  job: string;
  address: string;
}

/**
 * The local Prometheus's files: a scrape job per service process and the same
 * `Rules` groups the chart ships (rules on Google's metrics need Cloud Monitoring
 * and are not evaluated locally). `evaluationSeconds` overrides every group's
 * interval (tests use one second; the expressions are unchanged).
 */
export function localPrometheusFiles(targets: ScrapeTarget[], { scrapeSeconds = 15, evaluationSeconds }: { scrapeSeconds?: number; evaluationSeconds?: number } = {}): { 'prometheus.yml': string; 'rules.yaml': string } {
  const groups = serviceRuleGroups(topology, services).map((g) => (evaluationSeconds ? { ...g, interval: `${evaluationSeconds}s` } : g));
  return {
    'prometheus.yml': stringify({
      global: { scrape_interval: `${scrapeSeconds}s`, evaluation_interval: `${evaluationSeconds ?? 30}s` },
      rule_files: ['rules.yaml'],
      scrape_configs: targets.map((t) => ({ job_name: t.job, static_configs: [{ targets: [t.address] }] })),
    }),
    'rules.yaml': stringify({ groups }),
  };
}

const root = new URL('../..', import.meta.url).pathname;

/**
 * Writes the files into `dir` (which must exist) and starts Prometheus (built by
 * tools/prometheus.sh) on 127.0.0.1:`port`: `./dev up` runs it detached, tests attached.
 */
export function startLocalPrometheus(
  dir: string,
  targets: ScrapeTarget[],
  port: number,
  options: { scrapeSeconds?: number; evaluationSeconds?: number; detached?: boolean; output?: number | 'pipe' } = {},
): ChildProcess {
  for (const [file, content] of Object.entries(localPrometheusFiles(targets, options))) writeFileSync(join(dir, file), content);
  const bin = join(execFileSync(join(root, 'tools/prometheus.sh'), ['path']).toString().trim(), 'prometheus');
  const args = [`--config.file=${dir}/prometheus.yml`, `--storage.tsdb.path=${dir}/data`, '--storage.tsdb.retention.time=2d', `--web.listen-address=127.0.0.1:${port}`];
  const output = options.output ?? 'pipe';
  return spawn(bin, args, { stdio: ['ignore', output, output], detached: options.detached ?? false });
}
