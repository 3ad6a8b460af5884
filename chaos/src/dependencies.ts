import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@mine/testkit';
import pg from 'pg';
import { postgresBin, pubsubEmulatorBinary } from './env.js';

/**
 * A dependency process of the harness's own (never the shared stack's): a scenario
 * may freeze, kill and restart it without touching anybody else's runs.
 */
abstract class PrivateProcess {
  protected child?: ChildProcess;

  protected abstract spawnChild(): ChildProcess;
  protected abstract ready(): Promise<boolean>;

  async start(): Promise<void> {
    this.child = this.spawnChild();
    const child = this.child;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${this.constructor.name} exited with ${child.exitCode}`);
        return (await this.ready().catch(() => false)) ? true : undefined;
      },
      { timeoutMs: 60_000, what: `${this.constructor.name} ready` },
    );
  }

  /** SIGSTOP: the process holds its sockets open and answers nothing. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill();
  }
}

/** Our own Pub/Sub emulator (the stack's pstest build) on a free port; its state is lost on kill, as pstest keeps it in memory. */
export class PrivatePubSub extends PrivateProcess {
  host = '';

  protected spawnChild(): ChildProcess {
    return spawn(pubsubEmulatorBinary(), ['-address', this.host], { stdio: 'ignore', detached: false });
  }

  protected async ready(): Promise<boolean> {
    const { createConnection } = await import('node:net');
    const [h, p] = this.host.split(':');
    return new Promise((resolve) => {
      const socket = createConnection({ host: h, port: Number(p) }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
  }

  static async create(): Promise<PrivatePubSub> {
    const instance = new PrivatePubSub();
    instance.host = `127.0.0.1:${await freePort()}`;
    await instance.start();
    return instance;
  }
}

/** Our own PostgreSQL cluster in a temporary directory on a free port; survives restarts (fsync off, like the stack's). */
export class PrivatePostgres extends PrivateProcess {
  port = 0;
  dir = '';

  get url(): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/postgres`;
  }

  private asPostgres(command: string, args: string[]): [string, string[]] {
    return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  }

  protected spawnChild(): ChildProcess {
    const [command, args] = this.asPostgres(join(postgresBin(), 'postgres'), [
      '-D', this.dir, '-p', String(this.port), '-k', this.dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=100',
    ]);
    return spawn(command, args, { stdio: 'ignore' });
  }

  protected async ready(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** SIGKILL of the postmaster and its backends (runuser forwards nothing), then a start on the same port. */
  async restart(): Promise<void> {
    this.signalPostmaster('SIGKILL', true);
    await this.kill();
    await this.start();
  }

  override freeze(): void {
    this.signalPostmaster('SIGSTOP', true);
  }

  override thaw(): void {
    this.signalPostmaster('SIGCONT', true);
  }

  /** The postmaster and, with `all`, its backends (a frozen database freezes every connection); by pid, never by name. */
  private signalPostmaster(signal: NodeJS.Signals, all = false): void {
    const postmaster = this.postmasterPid();
    if (postmaster === undefined) return;
    const pids = [postmaster, ...(all ? childrenOf(postmaster) : [])];
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  }

  /** runuser (when root) starts the postmaster as its child. */
  private postmasterPid(): number | undefined {
    const pid = this.child?.pid;
    if (pid === undefined || this.child?.exitCode !== null) return undefined;
    return process.getuid?.() === 0 ? childrenOf(pid)[0] : pid;
  }

  override async stop(): Promise<void> {
    this.signalPostmaster('SIGCONT', true);
    this.signalPostmaster('SIGKILL', true);
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  static async create(): Promise<PrivatePostgres> {
    const instance = new PrivatePostgres();
    instance.port = await freePort();
    instance.dir = mkdtempSync(join(tmpdir(), 'chaos-pg-'));
    const pwfile = join(instance.dir, '..', `${instance.dir.split('/').pop()}.pw`);
    writeFileSync(pwfile, 'postgres\n');
    if (process.getuid?.() === 0) {
      chmodSync(instance.dir, 0o700);
      chownSync(instance.dir, Number(spawnSync('id', ['-u', 'postgres']).stdout), Number(spawnSync('id', ['-g', 'postgres']).stdout));
      chownSync(pwfile, Number(spawnSync('id', ['-u', 'postgres']).stdout), 0);
    }
    const [command, args] = instance.asPostgres(join(postgresBin(), 'initdb'), ['-D', instance.dir, '-U', 'postgres', `--pwfile=${pwfile}`, '-A', 'scram-sha-256']);
    const init = spawnSync(command, args, { encoding: 'utf8' });
    rmSync(pwfile, { force: true });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
    await instance.start();
    return instance;
  }
}

function childrenOf(pid: number): number[] {
  const out = spawnSync('pgrep', ['-P', String(pid)]).stdout?.toString().trim() ?? '';
  return out ? out.split('\n').map(Number) : [];
}
