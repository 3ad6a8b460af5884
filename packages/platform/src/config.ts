import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Marks a config field as secret: it is never logged and is redacted in `describeConfig`. */
export function Secret<T extends TSchema>(schema: T): T {
  return { ...schema, secret: true };
}

/** Thrown when configuration is invalid; its message lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Settings every service shares. PUBSUB_EMULATOR_HOST is read by the Pub/Sub
 * client itself; it is declared here so it is documented and validated.
 */
export const PlatformEnv = {
  GCP_PROJECT_ID: Type.String({ minLength: 1, default: 'mine-local', description: 'Google Cloud project' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info', description: 'pino log level' },
  ),
  PUBSUB_EMULATOR_HOST: Type.Optional(Type.String({ description: 'host:port of the Pub/Sub emulator (local only)' })),
  // Not BIGQUERY_EMULATOR_HOST: the Node client takes that variable as its whole base URL and ignores apiEndpoint.
  BIGQUERY_API_ENDPOINT: Type.Optional(Type.String({ description: 'BigQuery API root of an emulator, e.g. http://127.0.0.1:9050 (local only)' })),
  // Likewise not STORAGE_EMULATOR_HOST, which the Node client also takes as its whole base URL.
  STORAGE_API_ENDPOINT: Type.Optional(
    Type.String({ description: 'Cloud Storage API root of an emulator, e.g. http://127.0.0.1:4443 (local only)' }),
  ),
  BIGQUERY_LOCATION: Type.String({ default: 'EU', description: 'location of datasets and jobs' }),
  LINEAGE_TRANSPORT: Type.String({
    pattern: '^(none|(log|http|google|bigquery)(,(log|http|google|bigquery))*)$',
    default: 'log,bigquery',
    description: 'where OpenLineage events go, comma-separated: log, http (Marquez-compatible, LINEAGE_URL), google (Data Lineage API), bigquery (ops.pipeline_runs); or none',
  }),
  LINEAGE_INTERVAL_SECONDS: Type.Integer({ minimum: 1, default: 300, description: 'a streaming stage reports its lineage (a RUNNING event with the interval’s counts) this often' }),
  MAX_DELIVERY_ATTEMPTS: Type.Optional(
    Type.Integer({ minimum: 5, maximum: 100, description: "the subscriptions' maxDeliveryAttempts (the chart sets it from the topology): the last failing delivery is dead-lettered by the service itself as retries_exhausted, with the error" }),
  ),
  LINEAGE_URL: Type.Optional(Type.String({ description: 'Marquez-compatible base URL for LINEAGE_TRANSPORT=http' })),
  LINEAGE_LOCATION: Type.String({ default: 'europe-west1', description: 'Data Lineage API location' }),
} satisfies TProperties;

const PlatformEnvSchema = Type.Object(PlatformEnv);
export type PlatformConfig = Static<typeof PlatformEnvSchema>;

/**
 * Reads a config schema from an environment (process.env by default), applying
 * defaults and converting strings to numbers and booleans. Unknown variables are
 * ignored; every invalid or missing one is reported in a single ConfigError.
 */
export function loadConfig<T extends TObject>(schema: T, env: NodeJS.ProcessEnv = process.env): Static<T> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const withDefaults = Value.Default(schema, raw);
  const converted = Value.Convert(schema, withDefaults);
  const problems: string[] = [];
  for (const error of Value.Errors(schema, converted)) {
    const key = error.path.replace(/^\//, '').split('/')[0] || '(root)';
    const secret = (schema.properties[key] as { secret?: boolean } | undefined)?.secret;
    const shown = secret ? '' : ` (got ${JSON.stringify(raw[key] ?? null)})`;
    problems.push(raw[key] === undefined && error.value === undefined ? `${key}: is required` : `${key}: ${error.message}${shown}`);
  }
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  return converted as Static<T>;
}

/** The config with secret fields replaced, safe to log at start-up. */
export function describeConfig<T extends TObject>(schema: T, config: Static<T>): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    const secret = (schema.properties[key] as { secret?: boolean } | undefined)?.secret;
    shown[key] = secret && value !== undefined ? '[redacted]' : value;
  }
  return shown;
}

/** A comma-separated list in an environment variable. */
export function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
