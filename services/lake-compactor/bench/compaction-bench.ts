// One hour of the default mine, spool to lake, on this machine, against DuckDB's own COPY of the same rows.
//   npx tsx --conditions=source services/lake-compactor/bench/compaction-bench.ts [sensors=120] [seconds=3600]
// No emulator: spool objects come from, and lake objects go to, local directories (the bucket's place).
// Three phases, each in its own process so each peak RSS is its own (the kernel's VmHWM):
//   spool    the simulator's packets written as spool files, 2,000 packets each, as the spool service writes them
//   compact  those files compacted into the lake (raw, per-packet and hourly features), DuckDB limited to DUCKDB_MEMORY_LIMIT
//   baseline DuckDB COPY of the same raw rows (read from the lake's raw files) into one Parquet file
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@mine/platform';
import { SensorStream, mineLayout } from '@mine/simulator';
import { compactHour, type LakeStore } from '../src/compact.js';
import { openDuckDb, sqlString, writeSpoolParquet } from '../src/parquet.js';
import type { SpoolObject } from '../src/state.js';

const SAMPLES = 500;
const SPOOL_PACKETS = 2000;
const HOUR = Date.UTC(2026, 10, 24, 5);
const [phase, ...args] = process.argv.slice(2);

/** The kernel's peak resident set of this process, bytes. */
async function peakRss(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** Samples the bytes under `dir` every second (du), for the peak scratch disk. */
function diskWatcher(dir: string) {
  let peak = 0;
  const timer = setInterval(() => {
    const du = spawnSync('du', ['-sb', dir], { encoding: 'utf8' });
    peak = Math.max(peak, Number(du.stdout.split('\t')[0]) || 0);
  }, 1000);
  return { stop: () => (clearInterval(timer), peak) };
}

async function measured<T>(work: () => Promise<T>) {
  const cpu = process.cpuUsage();
  const load = loadavg()[0]!;
  const start = process.hrtime.bigint();
  const value = await work();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { value, seconds, cpuSeconds: (used.user + used.system) / 1e6, loadBefore: load, loadAfter: loadavg()[0]!, peakRssBytes: await peakRss() };
}

if (phase === 'spool') {
  const [dir, sensorCount, seconds] = [args[0]!, Number(args[1]), Number(args[2])];
  const duckdb = await openDuckDb({ WORK_DIR: dir });
  const streams = mineLayout(sensorCount).map((sensor, i) => new SensorStream(sensor, { sampleRateHz: SAMPLES, packetSeconds: 1, noiseMmS: 0.05, seed: i }));
  // The simulator's samples, POOL_SECONDS of them per sensor, reused with the hour's sequence numbers and
  // times: generating 216 M samples would take longer than compacting them. A Parquet page (~1 MB) holds
  // fewer samples of a sensor than the pool, so the compression sees no repeats that real data lacks.
  const POOL_SECONDS = 300;
  const pools = new Map<string, ReturnType<SensorStream['packet']>[]>();
  let generating = 0;
  const result = await measured(async () => {
    let batch = [];
    let files = 0;
    for (let t = 0; t < seconds; t++) {
      for (const stream of streams) {
        const g = process.hrtime.bigint();
        const pool = pools.get(stream.sensor.sensorId) ?? [];
        pools.set(stream.sensor.sensorId, pool);
        if (pool.length < POOL_SECONDS) pool.push(stream.packet(HOUR / 1000 + t));
        const packet = pool[t % POOL_SECONDS]!;
        batch.push({ ...packet, sequence: t, startTime: new Date(HOUR + t * 1000).toISOString(), site: stream.sensor.site, zone: stream.sensor.zone, receivedAt: new Date(HOUR + t * 1000 + 200).toISOString() });
        generating += Number(process.hrtime.bigint() - g) / 1e9;
        if (batch.length === SPOOL_PACKETS) {
          await writeSpoolParquet(duckdb, batch, join(dir, `spool-${String(files++).padStart(5, '0')}.parquet`));
          batch = [];
        }
      }
    }
    if (batch.length) await writeSpoolParquet(duckdb, batch, join(dir, `spool-${String(files++).padStart(5, '0')}.parquet`));
    return files;
  });
  console.log(JSON.stringify({ ...result, generatingSeconds: generating }));
} else if (phase === 'compact') {
  const [spoolDir, lakeDir, scratch] = [args[0]!, args[1]!, args[2]!];
  const names = (await readdir(spoolDir)).filter((n) => n.endsWith('.parquet')).sort();
  const spool: SpoolObject[] = await Promise.all(names.map(async (name) => ({ name, generation: '1', created: new Date().toISOString(), size: (await stat(join(spoolDir, name))).size })));
  const store: LakeStore = {
    download: (object, path) => copyFile(join(spoolDir, object.name), path),
    upload: async (path, name) => {
      await mkdir(dirname(join(lakeDir, name)), { recursive: true });
      await rename(path, join(lakeDir, name)).catch(() => copyFile(path, join(lakeDir, name)));
    },
    list: async () => [],
    delete: async () => undefined,
  };
  const memoryLimit = process.env.DUCKDB_MEMORY_LIMIT ?? '1GB';
  const duckdb = await openDuckDb({ WORK_DIR: scratch, DUCKDB_MEMORY_LIMIT: memoryLimit });
  const disk = diskWatcher(scratch);
  const result = await measured(() => compactHour(new Date(HOUR), spool, { store, duckdb, workDir: scratch, logger: createLogger({ service: 'bench', level: 'warn' }) }));
  const { carryOut: _carry, ...compaction } = result.value;
  console.log(JSON.stringify({ ...result, value: { ...compaction, sites: compaction.sites.map((s) => ({ site: s.site, packets: s.packets, rawRows: s.rawRows, sensors: s.sensors })) }, memoryLimit, peakScratchBytes: disk.stop() }));
} else if (phase === 'baseline') {
  const [lakeDir, scratch] = [args[0]!, args[1]!];
  const duckdb = await openDuckDb({ WORK_DIR: scratch, DUCKDB_MEMORY_LIMIT: process.env.DUCKDB_MEMORY_LIMIT ?? '1GB' });
  const out = join(scratch, 'baseline.parquet');
  const result = await measured(async () => (await duckdb.run(`COPY (SELECT * FROM read_parquet(${sqlString(`${lakeDir}/raw/*/*/*/*.parquet`)})) TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)`)).rowsChanged);
  console.log(JSON.stringify({ ...result, bytes: (await stat(out)).size }));
  await rm(out, { force: true });
} else {
  const [sensors, seconds] = [Number(phase ?? 120), Number(args[0] ?? 3600)];
  const root = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'compaction-bench-'));
  const [spoolDir, lakeDir, scratch] = ['spool', 'lake', 'scratch'].map((d) => join(root, d)) as [string, string, string];
  await Promise.all([spoolDir, lakeDir, scratch].map((d) => mkdir(d, { recursive: true })));
  const self = fileURLToPath(import.meta.url);
  const run = (...phaseArgs: string[]) => {
    const child = spawnSync(process.execPath, [...process.execArgv, self, ...phaseArgs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
    if (child.status !== 0) throw new Error(`${phaseArgs[0]} failed (${child.status})`);
    return JSON.parse(child.stdout.trim().split('\n').at(-1)!);
  };
  const rows = sensors * seconds * SAMPLES;
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const line = (label: string, r: { seconds: number; cpuSeconds: number; peakRssBytes: number; loadBefore: number; loadAfter: number }) =>
    console.log(`${label.padEnd(10)} ${r.seconds.toFixed(1).padStart(7)} s  ${(rows / r.seconds / 1e6).toFixed(2).padStart(5)} M rows/s  peak RSS ${mib(r.peakRssBytes).padStart(9)}  CPU ${r.cpuSeconds.toFixed(0)} s (${((100 * r.cpuSeconds) / r.seconds).toFixed(0)} % of one core)  load ${r.loadBefore.toFixed(1)}→${r.loadAfter.toFixed(1)}`);
  console.log(`${sensors} sensors × ${seconds} s × ${SAMPLES} Hz = ${(sensors * seconds).toLocaleString('en')} packets, ${rows.toLocaleString('en')} raw rows; ${cpus().length} cores`);
  const spool = run('spool', spoolDir, String(sensors), String(seconds));
  const spoolBytes = (await Promise.all((await readdir(spoolDir)).map(async (n) => (await stat(join(spoolDir, n))).size))).reduce((a, b) => a + b, 0);
  line('spool', spool);
  console.log(`           ${spool.value} spool files, ${mib(spoolBytes)}; of the time, ${spool.generatingSeconds.toFixed(0)} s generating the simulator's packets`);
  const compact = run('compact', spoolDir, lakeDir, scratch);
  line('compact', compact);
  console.log(`           packets ${compact.value.sites.reduce((n: number, s: { packets: number }) => n + s.packets, 0)}, raw rows ${compact.value.sites.reduce((n: number, s: { rawRows: number }) => n + s.rawRows, 0)}, DuckDB memory_limit ${compact.memoryLimit}, peak scratch ${mib(compact.peakScratchBytes)}`);
  const baseline = run('baseline', lakeDir, scratch);
  line('baseline', baseline);
  console.log(`           DuckDB COPY of the lake's ${baseline.value.toLocaleString('en')} raw rows into one Parquet file (${mib(baseline.bytes)})`);
  console.log(`ratio compaction / DuckDB COPY: ${((100 * baseline.seconds) / compact.seconds).toFixed(0)} %`);
  await writeFile(join(root, 'result.json'), JSON.stringify({ spool, compact, baseline }, null, 1));
  if (!process.env.BENCH_KEEP) await rm(root, { recursive: true, force: true });
}
