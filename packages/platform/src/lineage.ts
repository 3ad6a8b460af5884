import { randomUUID } from 'node:crypto';
import { GoogleAuth } from 'google-auth-library';
import type { BigQuery } from '@google-cloud/bigquery';
import { OPENLINEAGE_SCHEMA_URL, type LineageRunEvent, type PipelineRunRow } from '@mine/contracts';
import type { Logger } from 'pino';

export const LINEAGE_PRODUCER = 'https://github.com/mine-data-platform/platform';
const FACET_BASE = 'https://openlineage.io/spec/facets';

/** Where run events go. Transports must not throw into the job: lineage never fails a run. */
export interface LineageTransport {
  emit(event: LineageRunEvent): Promise<void>;
}

export interface DatasetRef {
  namespace: string;
  name: string;
}

export interface OutputResult extends DatasetRef {
  rowCount?: number;
  bytes?: number;
}

/** An input with what was read from it (a stream's messages in an interval). */
export interface InputResult extends DatasetRef {
  rowCount?: number;
}

export interface QualityAssertion {
  assertion: string;
  success: boolean;
  column?: string;
}

function facet<T extends object>(schema: string, body: T) {
  return { _producer: LINEAGE_PRODUCER, _schemaURL: `${FACET_BASE}/${schema}`, ...body };
}

/** Builds spec-shaped RunEvents; exported for tests and for transports that replay. */
export function buildRunEvent(args: {
  eventType: LineageRunEvent['eventType'];
  runId: string;
  namespace: string;
  job: string;
  inputs?: InputResult[];
  outputs?: OutputResult[];
  quality?: QualityAssertion[];
  error?: Error;
  processingType?: 'BATCH' | 'STREAMING';
  eventTime?: Date;
}): LineageRunEvent {
  const runFacets: Record<string, ReturnType<typeof facet>> = {};
  if (args.error) {
    runFacets.errorMessage = facet('1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet', {
      message: args.error.message,
      programmingLanguage: 'TypeScript',
      ...(args.error.stack ? { stackTrace: args.error.stack } : {}),
    });
  }
  return {
    eventType: args.eventType,
    eventTime: (args.eventTime ?? new Date()).toISOString(),
    producer: LINEAGE_PRODUCER,
    schemaURL: OPENLINEAGE_SCHEMA_URL,
    run: { runId: args.runId, ...(Object.keys(runFacets).length ? { facets: runFacets } : {}) },
    job: {
      namespace: args.namespace,
      name: args.job,
      facets: {
        jobType: facet('2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet', {
          processingType: args.processingType ?? 'BATCH',
          integration: 'MINE_PLATFORM',
          jobType: 'TASK',
        }),
      },
    },
    inputs: (args.inputs ?? []).map((d) => {
      const inputFacets = {
        ...(args.quality?.length ? { dataQualityAssertions: facet('1-1-0/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet', { assertions: args.quality }) } : {}),
        ...(d.rowCount !== undefined ? { inputStatistics: facet('1-0-0/InputStatisticsInputDatasetFacet.json#/$defs/InputStatisticsInputDatasetFacet', { rowCount: d.rowCount }) } : {}),
      };
      return { namespace: d.namespace, name: d.name, ...(Object.keys(inputFacets).length ? { inputFacets } : {}) };
    }),
    outputs: (args.outputs ?? []).map((d) => ({
      namespace: d.namespace,
      name: d.name,
      ...(d.rowCount !== undefined
        ? {
            outputFacets: {
              outputStatistics: facet('1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet', {
                rowCount: d.rowCount,
                ...(d.bytes !== undefined ? { size: d.bytes } : {}),
              }),
            },
          }
        : {}),
    })),
  };
}

/** The row ops.pipeline_runs keeps for one event. */
export function toPipelineRunRow(event: LineageRunEvent): PipelineRunRow {
  const rows = (event.outputs ?? [])
    .map((o) => (o.outputFacets?.outputStatistics as { rowCount?: number } | undefined)?.rowCount)
    .filter((n): n is number => typeof n === 'number');
  const assertions = (event.inputs ?? []).flatMap(
    (i) => ((i.inputFacets?.dataQualityAssertions as { assertions?: QualityAssertion[] } | undefined)?.assertions ?? []),
  );
  const error = (event.run.facets?.errorMessage as { message?: string } | undefined)?.message;
  return {
    runId: event.run.runId,
    eventType: event.eventType,
    eventTime: event.eventTime,
    jobNamespace: event.job.namespace,
    jobName: event.job.name,
    inputs: (event.inputs ?? []).map((d) => `${d.namespace}/${d.name}`),
    outputs: (event.outputs ?? []).map((d) => `${d.namespace}/${d.name}`),
    ...(rows.length ? { rowCount: rows.reduce((a, b) => a + b, 0) } : {}),
    ...(assertions.length ? { qualityPassed: assertions.every((a) => a.success) } : {}),
    ...(error ? { errorMessage: error } : {}),
    event,
  };
}

/** One run of a job: START now, then exactly one of COMPLETE or FAIL. */
export class LineageRun {
  readonly runId = randomUUID();
  private ended = false;

  constructor(
    private readonly emitter: LineageEmitter,
    readonly job: string,
    private readonly inputs: DatasetRef[],
    private readonly processingType: 'BATCH' | 'STREAMING',
  ) {}

  start(): Promise<void> {
    return this.emitter.send(this.event('START', {}));
  }

  /** A RUNNING event: what a streaming run read and wrote since the last one. */
  progress(inputs: InputResult[], outputs: OutputResult[]): Promise<void> {
    if (this.ended) throw new Error(`lineage run ${this.runId} of ${this.job} already ended`);
    return this.emitter.send(this.event('RUNNING', { inputs, outputs }));
  }

  complete(outputs: OutputResult[], quality?: QualityAssertion[], inputs?: InputResult[]): Promise<void> {
    return this.end(this.event('COMPLETE', { outputs, ...(quality ? { quality } : {}), ...(inputs ? { inputs } : {}) }));
  }

  /** A failed run; `quality` records the checks that failed it (a blocked quality gate). */
  fail(error: Error, outputs: OutputResult[] = [], quality?: QualityAssertion[]): Promise<void> {
    return this.end(this.event('FAIL', { outputs, error, ...(quality ? { quality } : {}) }));
  }

  private end(event: LineageRunEvent): Promise<void> {
    if (this.ended) throw new Error(`lineage run ${this.runId} of ${this.job} already ended`);
    this.ended = true;
    return this.emitter.send(event);
  }

  private event(eventType: LineageRunEvent['eventType'], extra: { inputs?: InputResult[]; outputs?: OutputResult[]; quality?: QualityAssertion[]; error?: Error }) {
    return buildRunEvent({
      eventType,
      runId: this.runId,
      namespace: this.emitter.namespace,
      job: this.job,
      inputs: this.inputs,
      processingType: this.processingType,
      ...extra,
    });
  }
}

/** Emits OpenLineage events for a service's runs through its configured transports. */
export class LineageEmitter {
  constructor(
    readonly namespace: string,
    private readonly transports: LineageTransport[],
    private readonly logger: Logger,
  ) {}

  async startRun(job: string, inputs: DatasetRef[], processingType: 'BATCH' | 'STREAMING' = 'BATCH'): Promise<LineageRun> {
    const run = new LineageRun(this, job, inputs, processingType);
    await run.start();
    return run;
  }

  async send(event: LineageRunEvent): Promise<void> {
    await Promise.all(
      this.transports.map(async (transport) => {
        try {
          await transport.emit(event);
        } catch (error) {
          this.logger.warn({ err: error, job: event.job.name, eventType: event.eventType }, 'lineage event not delivered');
        }
      }),
    );
  }
}

/** Writes each event as one JSON log line (picked up by Cloud Logging locally and in GKE). */
export class LogLineageTransport implements LineageTransport {
  constructor(private readonly logger: Logger) {}
  async emit(event: LineageRunEvent): Promise<void> {
    this.logger.info({ openlineage: event }, `lineage ${event.eventType} ${event.job.name}`);
  }
}

/** POSTs to a Marquez-compatible endpoint: {baseUrl}/api/v1/lineage. */
export class HttpLineageTransport implements LineageTransport {
  constructor(
    private readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}
  async emit(event: LineageRunEvent): Promise<void> {
    const response = await this.fetchImpl(new URL('/api/v1/lineage', this.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) throw new Error(`lineage endpoint answered ${response.status}`);
  }
}

/** Google's Data Lineage API, which accepts OpenLineage events as they are. */
export class GoogleLineageTransport implements LineageTransport {
  private readonly auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
  constructor(
    private readonly projectId: string,
    private readonly location: string,
  ) {}
  async emit(event: LineageRunEvent): Promise<void> {
    const client = await this.auth.getClient();
    await client.request({
      url: `https://datalineage.googleapis.com/v1/projects/${this.projectId}/locations/${this.location}:processOpenLineageRunEvent`,
      method: 'POST',
      data: event,
    });
  }
}

/** Keeps events queryable in the warehouse (ops.pipeline_runs) for pipeline-health marts. */
export class BigQueryLineageTransport implements LineageTransport {
  constructor(
    private readonly bigquery: BigQuery,
    private readonly dataset = 'ops',
    private readonly table = 'pipeline_runs',
  ) {}
  async emit(event: LineageRunEvent): Promise<void> {
    const row = toPipelineRunRow(event);
    await this.bigquery
      .dataset(this.dataset)
      .table(this.table)
      .insert([{ insertId: `${row.runId}:${row.eventType}`, json: { ...row, event: JSON.stringify(row.event) } }], { raw: true });
  }
}

/**
 * A streaming stage's lineage: one run per process — START when it starts, a
 * RUNNING event every interval with the messages read from each input and
 * written to each output in that interval, COMPLETE when it stops.
 */
export class StreamLineage {
  private run?: LineageRun;
  private timer?: NodeJS.Timeout;
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly emitter: LineageEmitter,
    readonly job: string,
    private readonly inputs: DatasetRef[],
    private readonly outputs: DatasetRef[],
    private readonly intervalMs: number,
  ) {}

  async start(): Promise<void> {
    this.run = await this.emitter.startRun(this.job, this.inputs, 'STREAMING');
    this.timer = setInterval(() => void this.report(), this.intervalMs);
    this.timer.unref();
  }

  /** Counts messages read from an input or written to an output (by dataset name). */
  count(dataset: string, n = 1): void {
    this.counts.set(dataset, (this.counts.get(dataset) ?? 0) + n);
  }

  /** Emits the interval's RUNNING event now (the timer calls it). */
  async report(): Promise<void> {
    if (!this.run) return;
    const [inputs, outputs] = this.drain();
    await this.run.progress(inputs, outputs);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    if (!this.run) return;
    const [inputs, outputs] = this.drain();
    const run = this.run;
    this.run = undefined;
    await run.complete(outputs, undefined, inputs);
  }

  private drain(): [InputResult[], OutputResult[]] {
    const withCount = (d: DatasetRef) => ({ ...d, rowCount: this.counts.get(d.name) ?? 0 });
    const result: [InputResult[], OutputResult[]] = [this.inputs.map(withCount), this.outputs.map(withCount)];
    this.counts.clear();
    return result;
  }
}

/** What createLineage reads from a service's config (PlatformEnv). */
export interface LineageConfig {
  GCP_PROJECT_ID: string;
  LINEAGE_TRANSPORT: string;
  LINEAGE_URL?: string | undefined;
  LINEAGE_LOCATION: string;
}

/**
 * The emitter LINEAGE_TRANSPORT asks for: `log`, `http` (a Marquez-compatible
 * endpoint at LINEAGE_URL), `google` (Data Lineage API in LINEAGE_LOCATION),
 * `bigquery` (ops.pipeline_runs: only for stages given a BigQuery client, the
 * ones granted a writer role on `ops`), comma-separated, or `none`.
 */
export function createLineage(config: LineageConfig, deps: { logger: Logger; bigquery?: BigQuery }, namespace = 'mine-platform'): LineageEmitter {
  const names = config.LINEAGE_TRANSPORT === 'none' ? [] : [...new Set(config.LINEAGE_TRANSPORT.split(','))];
  const transports = names.flatMap((name): LineageTransport[] => {
    if (name === 'log') return [new LogLineageTransport(deps.logger)];
    if (name === 'http') {
      if (!config.LINEAGE_URL) throw new Error('LINEAGE_TRANSPORT includes http, which needs LINEAGE_URL');
      return [new HttpLineageTransport(config.LINEAGE_URL)];
    }
    if (name === 'google') return [new GoogleLineageTransport(config.GCP_PROJECT_ID, config.LINEAGE_LOCATION)];
    if (name === 'bigquery') return deps.bigquery ? [new BigQueryLineageTransport(deps.bigquery)] : [];
    throw new Error(`unknown lineage transport ${name}`);
  });
  return new LineageEmitter(namespace, transports, deps.logger);
}

/** A streaming stage's lineage from its config, started (START emitted); close it with the service. */
export async function startStreamLineage(
  config: LineageConfig & { LINEAGE_INTERVAL_SECONDS: number },
  deps: { logger: Logger; bigquery?: BigQuery },
  job: string,
  datasets: { inputs: DatasetRef[]; outputs: DatasetRef[] },
): Promise<StreamLineage> {
  const stream = new StreamLineage(createLineage(config, deps), job, datasets.inputs, datasets.outputs, config.LINEAGE_INTERVAL_SECONDS * 1000);
  await stream.start();
  return stream;
}
