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
  inputs?: DatasetRef[];
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
        jobType: facet('2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet', {
          processingType: args.processingType ?? 'BATCH',
          integration: 'MINE_PLATFORM',
          jobType: 'TASK',
        }),
      },
    },
    inputs: (args.inputs ?? []).map((d) => ({
      namespace: d.namespace,
      name: d.name,
      ...(args.quality?.length
        ? { inputFacets: { dataQualityAssertions: facet('1-0-1/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet', { assertions: args.quality }) } }
        : {}),
    })),
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

  complete(outputs: OutputResult[], quality?: QualityAssertion[]): Promise<void> {
    return this.end(this.event('COMPLETE', { outputs, ...(quality ? { quality } : {}) }));
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

  private event(eventType: LineageRunEvent['eventType'], extra: { outputs?: OutputResult[]; quality?: QualityAssertion[]; error?: Error }) {
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
