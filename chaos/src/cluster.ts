import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startProcess, type ServiceProcess } from '@mine/testkit';
import { root } from './env.js';

/** The services the harness can run, and where each entry point lives. */
export const SERVICES = {
  'sensor-gateway': { cwd: 'services/sensor-gateway', entry: 'src/main.ts' },
  'alert-evaluator': { cwd: 'services/alert-evaluator', entry: 'src/main.ts' },
  'lake-compactor': { cwd: 'services/lake-compactor', entry: 'src/main.ts' },
  'mobile-issues-api': { cwd: 'services/mobile-issues-api', entry: 'src/main.ts' },
  'mobile-issues-sink': { cwd: 'services/mobile-issues-api', entry: 'src/sink-main.ts' },
} as const;
export type ServiceName = keyof typeof SERVICES;

/** Start-up allowance: the 2-core machine is shared, and a tsx start-up under load takes well over the 30 s default. */
const READY_TIMEOUT_MS = 120_000;

/** One running (or killed) replica; `restart` brings it back with the same environment on a new port. */
export class Replica {
  constructor(
    readonly service: ServiceName,
    readonly index: number,
    private readonly env: Record<string, string>,
    public process: ServiceProcess,
  ) {}

  get url(): string {
    return this.process.url;
  }

  get alive(): boolean {
    return this.process.child.exitCode === null && this.process.child.signalCode === null;
  }

  /** SIGKILL: no drain, no flush, as when the node or the OOM killer takes the pod. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.process.child.once('exit', resolve));
    this.process.child.kill('SIGCONT');
    this.process.child.kill('SIGKILL');
    await exited;
  }

  freeze(): void {
    this.process.child.kill('SIGSTOP');
  }

  thaw(): void {
    this.process.child.kill('SIGCONT');
  }

  async restart(): Promise<void> {
    await this.kill();
    this.process = await startProcess({ ...SERVICES[this.service], env: this.env, readyTimeoutMs: READY_TIMEOUT_MS });
  }

  /** SIGTERM and the drain; the exit code. */
  async stop(): Promise<number | null> {
    if (!this.alive) return this.process.child.exitCode;
    this.thaw();
    return this.process.stop();
  }
}

/**
 * The services of one scenario, each with any number of replicas, started as
 * their own processes the way they run in production. `stopAll` stops every
 * one of them, whatever state the scenario left them in.
 */
export class Cluster {
  private readonly replicas: Replica[] = [];
  private readonly jobs = new Set<ReturnType<typeof spawn>>();

  /** Start-ups that failed and were retried, as Kubernetes restarts a crashing pod (reported in the scenario's notes). */
  readonly crashes: string[] = [];

  /**
   * Starts `replicas` processes of a service. A replica whose start-up fails is
   * started again (up to three times), as Kubernetes would; every process that
   * did start is tracked at once, so `stopAll` stops it even when a sibling fails.
   */
  async start(service: ServiceName, env: Record<string, string>, replicas = 1): Promise<Replica[]> {
    const first = this.of(service).length;
    const started = await Promise.all(
      Array.from({ length: replicas }, async (_, i) => {
        for (let attempt = 1; ; attempt++) {
          try {
            const replica = new Replica(service, first + i, env, await startProcess({ ...SERVICES[service], env, readyTimeoutMs: READY_TIMEOUT_MS }));
            this.replicas.push(replica);
            return replica;
          } catch (error) {
            const crash = `${service}[${first + i}] start-up ${attempt} failed: ${(error as Error).message.replace(/\s+/g, ' ').slice(0, 400)}`;
            this.crashes.push(crash);
            process.stderr.write(`[chaos] ${crash}\n`);
            if (attempt >= 3) throw error;
          }
        }
      }),
    );
    return started.sort((a, b) => a.index - b.index);
  }

  of(service: ServiceName): Replica[] {
    return this.replicas.filter((r) => r.service === service).sort((a, b) => a.index - b.index);
  }

  /** URLs of the live replicas of a service: what its Kubernetes Service would balance over. */
  urls(service: ServiceName): string[] {
    return this.of(service)
      .filter((r) => r.alive)
      .map((r) => r.url);
  }

  /**
   * Runs a batch entry point (a CronJob's) to its end; `killAfterMs` SIGKILLs it
   * first, or `killWhen` as soon as a line of its output matches (`killDelayMs` after it).
   */
  async runJob(
    cwd: string,
    entry: string,
    args: string[],
    env: Record<string, string>,
    options: { killWhen?: RegExp; killAfterMs?: number; killDelayMs?: number } = {},
  ): Promise<{ code: number | null; killed: boolean; output: string[] }> {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', entry, ...args], {
      cwd: join(root, cwd),
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.jobs.add(child);
    const output: string[] = [];
    let killed = false;
    const kill = () => {
      if (child.exitCode === null && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    const onData = (chunk: Buffer) => {
      const lines = chunk.toString().split('\n').filter(Boolean);
      output.push(...lines);
      if (output.length > 4000) output.splice(0, output.length - 4000);
      if (options.killWhen && lines.some((l) => options.killWhen!.test(l))) {
        if (options.killDelayMs) setTimeout(kill, options.killDelayMs);
        else kill();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = options.killAfterMs !== undefined ? setTimeout(kill, options.killAfterMs) : undefined;
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(timer);
    this.jobs.delete(child);
    return { code, killed, output };
  }

  async stopAll(): Promise<void> {
    for (const job of this.jobs) job.kill('SIGKILL');
    await Promise.all(
      this.replicas.map(async (r) => {
        const stopped = r.stop();
        // A replica that does not drain within 20 s is killed: the harness must always clean up.
        const timer = setTimeout(() => void r.kill(), 20_000);
        await stopped.catch(() => undefined);
        clearTimeout(timer);
      }),
    );
  }
}
