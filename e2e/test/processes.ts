import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stackProcessEnv, waitFor } from '@mine/testkit';

const root = new URL('../..', import.meta.url).pathname;

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

/** Starts services/<name>/src/main.ts as its own process with the stack's environment plus `env`. */
export async function startService(name: string, env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const logs: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', 'src/main.ts'], {
    cwd: join(root, 'services', name),
    env: { ...process.env, ...stackProcessEnv(), LOG_LEVEL: 'info', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => logs.push(...chunk.toString().split('\n').filter(Boolean)));
  child.stderr!.on('data', (chunk) => logs.push(...chunk.toString().split('\n').filter(Boolean)));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${logs.slice(-20).join('\n')}`);
      const response = await fetch(`${url}/readyz`).catch(() => undefined);
      return response?.ok ? true : undefined;
    },
    { timeoutMs: 30_000, what: `${name} ready` },
  ).catch((error) => {
    child.kill('SIGKILL');
    throw error;
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
