import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, waitFor } from '@mine/testkit';
import { hostPort, toxiproxyBinary } from './env.js';

/** A TCP fault between a service and one dependency. */
export type TcpFault =
  /** connections refused, as when the process is gone */
  | { kind: 'down' }
  /** bytes swallowed both ways and nothing closed, as when the host is frozen or a firewall drops packets */
  | { kind: 'blackhole' }
  /** every connection reset by the peer */
  | { kind: 'reset' }
  /** added latency on each answer */
  | { kind: 'latency'; ms: number; jitterMs?: number }
  /** requests reach the dependency, its answers are lost */
  | { kind: 'half-open' };

/** One proxied dependency: services connect to `listen`, which forwards to `upstream`. */
export class Proxy {
  constructor(
    private readonly api: string,
    readonly name: string,
    readonly listen: string,
  ) {}

  /** host:port to give a service instead of the dependency's */
  get hostPort(): string {
    return this.listen;
  }

  async inject(fault: TcpFault): Promise<void> {
    await this.heal();
    switch (fault.kind) {
      case 'down':
        return this.update({ enabled: false });
      case 'blackhole':
        return this.toxic({ name: 'blackhole', type: 'timeout', stream: 'downstream', attributes: { timeout: 0 } }).then(() =>
          this.toxic({ name: 'blackhole-up', type: 'timeout', stream: 'upstream', attributes: { timeout: 0 } }),
        );
      case 'reset':
        return this.toxic({ name: 'reset', type: 'reset_peer', stream: 'upstream', attributes: { timeout: 0 } });
      case 'latency':
        return this.toxic({ name: 'latency', type: 'latency', stream: 'downstream', attributes: { latency: fault.ms, jitter: fault.jitterMs ?? 0 } });
      case 'half-open':
        return this.toxic({ name: 'half-open', type: 'timeout', stream: 'downstream', attributes: { timeout: 0 } });
    }
  }

  /** Removes every toxic and enables the proxy again. */
  async heal(): Promise<void> {
    const toxics = (await this.call('GET', `/proxies/${this.name}/toxics`)) as { name: string }[];
    for (const toxic of toxics) await this.call('DELETE', `/proxies/${this.name}/toxics/${toxic.name}`);
    await this.update({ enabled: true });
  }

  private update(fields: Record<string, unknown>) {
    return this.call('POST', `/proxies/${this.name}`, fields).then(() => undefined);
  }

  private toxic(body: Record<string, unknown>) {
    return this.call('POST', `/proxies/${this.name}/toxics`, { toxicity: 1, ...body }).then(() => undefined);
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.api}${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    if (!response.ok) throw new Error(`toxiproxy ${method} ${path}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? undefined : response.json();
  }
}

/** A Toxiproxy server of our own on free loopback ports, stopped by `stop()`. */
export class Toxiproxy {
  private constructor(
    private readonly child: ChildProcess,
    readonly api: string,
  ) {}

  static async start(): Promise<Toxiproxy> {
    const port = await freePort();
    const child = spawn(toxiproxyBinary(), ['-host', '127.0.0.1', '-port', String(port)], { stdio: 'ignore' });
    const api = `http://127.0.0.1:${port}`;
    await waitFor(async () => ((await fetch(`${api}/version`).catch(() => undefined))?.ok ? true : undefined), { timeoutMs: 15_000, what: 'toxiproxy' });
    return new Toxiproxy(child, api);
  }

  /** A proxy in front of `upstream` (host:port or URL); give services `proxy.hostPort` instead. */
  async proxy(name: string, upstream: string): Promise<Proxy> {
    const { host, port } = hostPort(upstream);
    const listen = `127.0.0.1:${await freePort()}`;
    const response = await fetch(`${this.api}/proxies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, listen, upstream: `${host}:${port}`, enabled: true }),
    });
    if (!response.ok) throw new Error(`toxiproxy: creating ${name}: ${response.status} ${await response.text()}`);
    return new Proxy(this.api, name, listen);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
