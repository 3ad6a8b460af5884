// Starts and stops the platform's services locally as background processes, for `./dev up`.
// A service lists what it runs in its package.json:
//   "mine": { "processes": [ { "name": "sensor-gateway", "entry": "src/main.ts", "env": { "PORT": "8081" } } ] }
// Then the local platform around them: the dev runner (the batch CronJobs on their local cadence,
// scripts/dev-runner.ts) and, unless --quiet, the simulated mine: sensors, the mobile app and the
// batch sources changing over time (scripts/dev-sources.ts).
// Run with tsx: node --import tsx --conditions=source scripts/services.ts up [--quiet]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { SignJWT, importJWK } from 'jose';
import { devicesJson, mineLayout, mineStationXml } from '@mine/simulator';
import { localSources, seedLocalSources } from './dev-sources.js';
import { startLocalPrometheus } from '../cdk8s/src/local-prometheus.js';

/** The local Prometheus (tools/prometheus.sh builds it): scrapes the services, evaluates the chart's rules. */
const PROMETHEUS_PORT = 9090;

/** Local credentials, so the simulator and the control room work out of the box (never used outside ./dev up). */
export const LOCAL_OPERATOR_TOKEN = 'local-operator-token';
/** A wall screen's token: viewer, it reads but never acknowledges. */
export const LOCAL_WALL_SCREEN_TOKEN = 'local-wall-screen-token';
async function localDefaults(): Promise<Record<string, string>> {
  return {
    DEVICES_JSON: await devicesJson(mineLayout(120)),
    STATIONXML_PATH: localStationXml(),
    API_TOKENS: `local:operator:${createHash('sha256').update(LOCAL_OPERATOR_TOKEN).digest('hex')},wall:viewer:${createHash('sha256').update(LOCAL_WALL_SCREEN_TOKEN).digest('hex')}`,
    ...(await localIdentityProvider()),
  };
}

/** The simulated mine's station inventory, for the gateway's miniSEED ingest and the FDSN web services. */
function localStationXml(): string {
  mkdirSync(state, { recursive: true });
  const path = join(state, 'stationxml.xml');
  writeFileSync(path, mineStationXml(mineLayout(120)));
  return path;
}

/**
 * Stands in for the mobile app's identity provider locally: a fresh signing key per `./dev up`,
 * its public half given to mobile-issues-api, and tokens for an operator and a supervisor
 * written to .stack/local-tokens.json.
 */
async function localIdentityProvider(): Promise<Record<string, string>> {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'local', alg: 'ES256' };
  const signingKey = await importJWK({ ...privateKey.export({ format: 'jwk' }), alg: 'ES256' }, 'ES256');
  const token = (sub: string, role: string) =>
    new SignJWT({ roles: [role] }).setProtectedHeader({ alg: 'ES256', kid: 'local' }).setSubject(sub).setIssuer('https://login.mine.example').setAudience('mobile-issues-api').setIssuedAt().setExpirationTime('7d').sign(signingKey);
  mkdirSync(state, { recursive: true });
  writeFileSync(join(state, 'local-tokens.json'), JSON.stringify({ operator: await token('local-operator', 'operator'), supervisor: await token('local-supervisor', 'supervisor'), controlRoom: LOCAL_OPERATOR_TOKEN, wallScreen: LOCAL_WALL_SCREEN_TOKEN }, null, 2));
  return { JWKS_JSON: JSON.stringify({ keys: [jwk] }), PSEUDONYM_KEY: randomBytes(24).toString('hex') };
}

const root = new URL('..', import.meta.url).pathname;
const state = process.env.MINE_STACK_DIR ?? join(root, '.stack');
const runDir = join(state, 'run');
const logDir = join(state, 'logs');
const command = process.argv[2];

interface DeclaredProcess {
  name: string;
  entry: string;
  args?: string[];
  env?: Record<string, string>;
  cwd: string;
}

/** What runs around the services locally; `quiet` leaves out the simulated traffic. */
function localProcesses(quiet: boolean): DeclaredProcess[] {
  return [
    { name: 'dev-runner', entry: 'scripts/dev-runner.ts', cwd: root },
    ...(quiet
      ? []
      : [
          // 100 Hz rather than the geophones' 500: the same alarms, a fifth of the load on a laptop.
          { name: 'simulator', entry: 'packages/simulator/src/cli.ts', args: ['--sensors', '120', '--sample-rate', '100', '--duration', String(7 * 86_400), '--blast-every', '60'], cwd: root },
          { name: 'dev-sources', entry: 'scripts/dev-sources.ts', args: ['feed'], cwd: root },
        ]),
  ];
}

function declaredProcesses(): DeclaredProcess[] {
  const servicesDir = join(root, 'services');
  if (!existsSync(servicesDir)) return [];
  return readdirSync(servicesDir).flatMap((service) => {
    const manifest = join(servicesDir, service, 'package.json');
    if (!existsSync(manifest)) return [];
    const processes: Omit<DeclaredProcess, 'cwd'>[] = JSON.parse(readFileSync(manifest, 'utf8')).mine?.processes ?? [];
    return processes.map((p) => ({ ...p, cwd: join(servicesDir, service) }));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const pidFile = (name: string) => join(runDir, `service-${name}.pid`);

function startPrometheus(): void {
  if (existsSync(pidFile('prometheus')) && alive(Number(readFileSync(pidFile('prometheus'), 'utf8')))) return;
  const dir = join(state, 'prometheus');
  mkdirSync(dir, { recursive: true });
  const targets = declaredProcesses().filter((p) => p.env?.PORT).map((p) => ({ job: p.name, address: `127.0.0.1:${p.env!.PORT}` }));
  const child = startLocalPrometheus(dir, targets, PROMETHEUS_PORT, { detached: true, output: openSync(join(logDir, 'prometheus.log'), 'a') });
  child.unref();
  writeFileSync(pidFile('prometheus'), String(child.pid));
  console.error(`[services] prometheus started (pid ${child.pid}) on http://127.0.0.1:${PROMETHEUS_PORT}: alerts at /alerts`);
}

if (command === 'up') {
  const defaults = await localDefaults();
  mkdirSync(runDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const services = declaredProcesses();
  startAll(services, defaults);
  // The simulated traffic starts once the services answer, the batch runs once their sources have data.
  await Promise.all(services.filter((p) => p.env?.PORT).map((p) => ready(p.name, Number(p.env!.PORT))));
  await seedLocalSources();
  console.error(`[services] sample data in PostgreSQL (database ${localSources.productionDatabase}) and MinIO (bucket ${localSources.supplierBucket})`);
  startAll(localProcesses(process.argv.includes('--quiet')), defaults);
  startPrometheus();
} else if (command === 'down') {
  for (const p of [...declaredProcesses(), ...localProcesses(false)]) {
    if (!existsSync(pidFile(p.name))) continue;
    const pid = Number(readFileSync(pidFile(p.name), 'utf8'));
    if (alive(pid)) {
      process.kill(-pid, 'SIGTERM');
      console.error(`[services] ${p.name} stopped`);
    }
    rmSync(pidFile(p.name));
  }
  if (existsSync(pidFile('prometheus'))) {
    const pid = Number(readFileSync(pidFile('prometheus'), 'utf8'));
    if (alive(pid)) process.kill(pid, 'SIGTERM');
    rmSync(pidFile('prometheus'));
    console.error('[services] prometheus stopped');
  }
} else {
  console.error('usage: services.ts up [--quiet] | down');
  process.exit(2);
}

/** Waits for a service's /readyz (a minute at most: a slow one is reported, not waited for forever). */
async function ready(name: string, port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    if (response?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  console.error(`[services] ${name} is not ready after a minute; see its log`);
}

function startAll(processes: DeclaredProcess[], defaults: Record<string, string>): void {
  for (const p of processes) {
    if (existsSync(pidFile(p.name)) && alive(Number(readFileSync(pidFile(p.name), 'utf8')))) continue;
    const log = openSync(join(logDir, `${p.name}.log`), 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', p.entry, ...(p.args ?? [])], {
      cwd: p.cwd,
      env: { ...defaults, ...process.env, ...(p.env ?? {}) },
      stdio: ['ignore', log, log],
      detached: true,
    });
    child.unref();
    writeFileSync(pidFile(p.name), String(child.pid));
    console.error(`[services] ${p.name} started (pid ${child.pid}, log .stack/logs/${p.name}.log)${p.env?.PORT ? ` on port ${p.env.PORT}` : ''}`);
  }
}
