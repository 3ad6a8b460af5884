import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stackProcessEnv, waitFor } from './index.js';

const root = new URL('../../..', import.meta.url).pathname;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface ServiceProcess {
  url: string;
  logs: string[];
  child: ChildProcess;
  /** SIGTERM, then the exit code once it has drained */
  stop(): Promise<number | null>;
}

export interface ProcessOptions {
  /** Directory, relative to the repository root, the entry point runs in. */
  cwd: string;
  /** TypeScript entry point, relative to cwd. */
  entry?: string;
  env?: Record<string, string>;
  /** Extra node flags (a CPU profile, for instance). */
  nodeArgs?: string[];
  /** Ready when this path answers 2xx; `null` waits only for the port to answer at all. */
  readyPath?: string | null;
  /** Kept lines of output; older ones are dropped so a long run stays bounded. */
  keepLogLines?: number;
  /** How long start-up may take (a loaded machine needs more than the default). */
  readyTimeoutMs?: number;
}

/** Starts a TypeScript entry point as its own process with the stack's environment, on a free port, and waits until it is ready. */
export async function startProcess({ cwd, entry = 'src/main.ts', env = {}, nodeArgs = [], readyPath = '/readyz', keepLogLines = 2000, readyTimeoutMs = 30_000 }: ProcessOptions): Promise<ServiceProcess> {
  const port = await freePort();
  const logs: string[] = [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', '--conditions=source', entry], {
    cwd: join(root, cwd),
    env: { ...process.env, ...stackProcessEnv(), LOG_LEVEL: 'info', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  collectLines(child, logs, keepLogLines);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${cwd}/${entry} exited with ${child.exitCode}:\n${logs.slice(-20).join('\n')}`);
      const response = await fetch(`${url}${readyPath ?? '/'}`).catch(() => undefined);
      return response && (readyPath === null || response.ok) ? true : undefined;
    },
    { timeoutMs: readyTimeoutMs, what: `${cwd}/${entry} ready` },
  ).catch((error) => {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}; last output: ${logs.slice(-5).join(' | ').slice(0, 600)}`);
  });
  return {
    url,
    logs,
    child,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Starts services/<name>/src/main.ts as its own process with the stack's environment plus `env`. */
export function startService(name: string, env: Record<string, string>, options: Omit<ProcessOptions, 'cwd' | 'env'> = {}): Promise<ServiceProcess> {
  return startProcess({ cwd: join('services', name), env, ...options });
}

export interface JobProcess {
  logs: string[];
  child: ChildProcess;
  /** the exit code (null when killed by a signal) */
  exited: Promise<number | null>;
  /** SIGKILL, as a node lost or an OOM kill would: nothing runs after it */
  kill(): Promise<number | null>;
}

/**
 * Starts a batch job (services/<name>/<entry>, a CronJob in production) as its own
 * process with the stack's environment plus `env`; it runs to completion on its own.
 */
export function startJob(name: string, { entry = 'src/main.ts', args = [], env = {}, keepLogLines = 2000 }: { entry?: string; args?: string[]; env?: Record<string, string>; keepLogLines?: number } = {}): JobProcess {
  const logs: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', entry, ...args], {
    cwd: join(root, 'services', name),
    env: { ...process.env, ...stackProcessEnv(), LOG_LEVEL: 'info', METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  collectLines(child, logs, keepLogLines);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    logs,
    child,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    },
  };
}

/** Keeps the child's output lines in `logs`, the newest `keep` of them. */
function collectLines(child: ChildProcess, logs: string[], keep: number): void {
  const add = (chunk: Buffer) => {
    logs.push(...chunk.toString().split('\n').filter(Boolean));
    if (logs.length > keep) logs.splice(0, logs.length - keep);
  };
  child.stdout!.on('data', add);
  child.stderr!.on('data', add);
}
