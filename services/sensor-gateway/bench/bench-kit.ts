// What the gateway benchmarks share: starting a server, loading it with autocannon, and reading CPU time from /proc.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { startProcess } from '@mine/testkit';

// BENCH_PROFILE=dir writes a V8 CPU profile of each server there.
const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
export const serve = (entry: string, env: Record<string, string>, readyPath: string | null) =>
  startProcess({ cwd: 'services/sensor-gateway', entry, env: { LOG_LEVEL: 'warn', ...env }, nodeArgs: profile, readyPath });

/** CPU seconds (user + system) a process has used, from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
const emulatorPid = Number(execFileSync('pgrep', ['-f', 'pubsub-emulator -address'], { encoding: 'utf8' }).split('\n')[0]);

export interface LoadResult {
  requestsPerSecond: number;
  non2xx: number;
  p99LatencyMs: number;
  serverCpuMsPerRequest: number;
  serverCpuShare: number;
  emulatorCpuShare: number;
}

export async function load(url: string, body: string | Buffer, token: string, durationS: number, pid: number, onTick?: () => Promise<void>, contentType = 'application/json'): Promise<LoadResult> {
  const timer = onTick ? setInterval(() => void onTick(), 1000) : undefined;
  const cpuBefore = { server: cpuSeconds(pid), emulator: cpuSeconds(emulatorPid) };
  const result = await autocannon({
    url: `${url}/v1/packets`,
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body,
    connections: 16,
    duration: durationS,
  });
  clearInterval(timer);
  const ok = result['2xx'];
  const serverCpu = cpuSeconds(pid) - cpuBefore.server;
  return {
    requestsPerSecond: ok / durationS,
    non2xx: result.non2xx,
    p99LatencyMs: result.latency.p99,
    // CPU per answered request, of the server process and of the Pub/Sub emulator beside it.
    serverCpuMsPerRequest: (1000 * serverCpu) / ok,
    serverCpuShare: serverCpu / durationS,
    emulatorCpuShare: (cpuSeconds(emulatorPid) - cpuBefore.emulator) / durationS,
  };
}

/** Peak resident memory of a platform service, sampled from its /metrics. */
export function rssSampler(url: string, metricsPrefix: string) {
  let peakBytes = 0;
  return {
    async sample() {
      const text = await fetch(`${url}/metrics`).then((r) => r.text(), () => '');
      const rss = Number(new RegExp(`${metricsPrefix}process_resident_memory_bytes\\{[^}]*\\} (\\d+)`).exec(text)?.[1] ?? 0);
      peakBytes = Math.max(peakBytes, rss);
    },
    get peakMiB() {
      return peakBytes / 1024 / 1024;
    },
  };
}

/** The benchmarks drive the gateway from one device as fast as it answers: the per-device limits are lifted for them. */
export const UNLIMITED_DEVICE = { DEVICE_REQUESTS_PER_SECOND: '1000000000', DEVICE_REQUEST_BURST: '1000000000', DEVICE_MAX_IN_FLIGHT: '1000000' };
