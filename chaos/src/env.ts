import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { stackEnv } from '@mine/testkit';

/** The repository root. */
export const root = new URL('../..', import.meta.url).pathname;

/** Pinned tool versions (tools/stack/versions.env), the same file the stack installer reads. */
export function pinnedVersions(): Record<string, string> {
  const text = readFileSync(join(root, 'tools/stack/versions.env'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.split('=', 2) as [string, string]),
  );
}

/** Where tools/stack/stack.sh caches the binaries it builds. */
export const binDir = () => join(process.env.MINE_CACHE ?? join(homedir(), '.cache/mine-platform'), 'bin');

export const toxiproxyBinary = () => join(binDir(), `toxiproxy-${pinnedVersions().TOXIPROXY_VERSION}`);
export const pubsubEmulatorBinary = () => join(binDir(), 'pubsub-emulator');
export const postgresBin = () => `/usr/lib/postgresql/${pinnedVersions().POSTGRES_MAJOR ?? '15'}/bin`;

/** Endpoints the services and the checker use; a scenario may point services elsewhere (a proxy, a private instance). */
export interface Endpoints {
  pubsub: string; // host:port
  bigquery: string; // URL
  storage: string; // URL
  databaseUrl: string;
}

export function sharedEndpoints(): Endpoints {
  const s = stackEnv();
  return { pubsub: s.pubsubEmulatorHost, bigquery: s.bigqueryApiEndpoint, storage: s.storageApiEndpoint, databaseUrl: s.databaseUrl };
}

export const hostPort = (url: string) => {
  const u = new URL(url.includes('://') ? url : `tcp://${url}`);
  return { host: u.hostname, port: Number(u.port) };
};
