import { App, Chart } from 'cdk8s';
import { topology } from '@mine/topology';
import { GrafanaDashboards } from './dashboards.js';
import { GcpResources } from './gcp-resources.js';
import { Monitoring } from './monitoring.js';
import { CONTROL_ROOM_BACKEND_CONFIG, ControlRoomAccess, PlatformDatabase, POSTGRES_PRIVATE_RANGE } from './safety-path.js';
import { PlatformService, type PlatformServiceProps } from './platform-service.js';

const secret = (name: string, key: string): [string, string] => [name, key];
/** The platform's PostgreSQL (Cloud SQL, private IP): alarms and the mobile app's idempotency records. */
const platformPostgres = { cidr: POSTGRES_PRIVATE_RANGE, port: 5432 };
/** The station inventory (StationXML) the operators keep in the ConfigMap `station-inventory`, key `stationxml.xml`. */
const stationInventory = { configMapFiles: ['station-inventory'], stationXmlPath: '/etc/mine/station-inventory/stationxml.xml' };

/** The six stages (and the sink and hourly compaction) as the cluster runs them. */
export const services: PlatformServiceProps[] = [
  { name: 'sensor-gateway', kind: 'deployment', port: 8080, public: true, cpu: '500m', memory: '512Mi', autoscale: { min: 2, max: 10, cpuPercent: 60 }, env: { STATIONXML_PATH: stationInventory.stationXmlPath, DEVICES_FILE: '/etc/mine/sensor-devices/devices.json' }, configMapFiles: stationInventory.configMapFiles, secretFiles: ['sensor-devices'] },
  { name: 'mobile-issues-api', kind: 'deployment', port: 8080, public: true, externalHttps: true, databaseEgress: [platformPostgres], autoscale: { min: 2, max: 6, cpuPercent: 70 }, env: { JWKS_URL: '{{ .Values.mobile.jwksUrl }}', JWT_ISSUER: '{{ .Values.mobile.issuer }}' }, secretEnv: { DATABASE_URL: secret('platform-postgres', 'url'), PSEUDONYM_KEY: secret('mobile-pseudonym', 'key') } },
  { name: 'mobile-issues-sink', image: 'mobile-issues-api', entry: 'dist/sink-main.js', kind: 'deployment', port: 8080, autoscale: { min: 1, max: 4, cpuPercent: 70 } },
  { name: 'alert-evaluator', kind: 'deployment', port: 8080, public: true, backendConfig: CONTROL_ROOM_BACKEND_CONFIG, externalHttps: true, databaseEgress: [platformPostgres], memory: '512Mi', autoscale: { min: 2, max: 6, cpuPercent: 60 }, env: { WEBHOOK_URLS: '{{ .Values.alerts.webhookUrls }}' }, secretEnv: { DATABASE_URL: secret('platform-postgres', 'url'), API_TOKENS: secret('control-room-tokens', 'tokens'), WEBHOOK_SIGNING_SECRET: secret('alert-webhooks', 'signing-secret') } },
  // One leader consumes (a PostgreSQL lease) and the other stands by to take over: association needs all of a site's stations in one process, so more replicas would only wait.
  { name: 'seismic-catalogue', kind: 'deployment', port: 8080, autoscale: { min: 2, max: 2, cpuPercent: 80 }, memory: '512Mi', env: { STATIONXML_PATH: stationInventory.stationXmlPath, VELOCITY_MODELS_JSON: '{{ .Values.seismic.velocityModels | toJson }}' }, configMapFiles: stationInventory.configMapFiles, secretEnv: { DATABASE_URL: secret('platform-postgres', 'url'), API_TOKENS: secret('control-room-tokens', 'tokens') } },
  { name: 'lake-compactor', kind: 'deployment', port: 8080, cpu: '1', memory: '2Gi', autoscale: { min: 1, max: 4, cpuPercent: 70 } },
  // Measured on a full hour (services/lake-compactor/README.md): peak RSS 1.79 GiB with DuckDB held to 1 GB (a partial run),
  // scratch 1.8 GB (the hour's spool re-partitioned by sensor, 1.33 GB as spooled); limits leave a margin over both.
  { name: 'lake-compactor-hourly', image: 'lake-compactor', identity: 'lake-compactor', entry: 'dist/compact-main.js', kind: 'cronjob', schedule: 'lake-compactor-hourly', cpu: '1', memory: '3Gi', scratch: '4Gi', env: { DUCKDB_MEMORY_LIMIT: '1GB', WORK_DIR: '/tmp' }, activeDeadlineSeconds: 3000 },
  { name: 'fdsn-ws', kind: 'deployment', port: 8080, cpu: '500m', memory: '1Gi', autoscale: { min: 1, max: 4, cpuPercent: 70 }, env: { STATIONXML_PATH: stationInventory.stationXmlPath }, configMapFiles: stationInventory.configMapFiles },
  { name: 'quality-gate', kind: 'deployment', port: 8080, autoscale: { min: 1, max: 2, cpuPercent: 70 } },
  { name: 'db-extractor', kind: 'cronjob', port: 8080, cpu: '1', memory: '1Gi', env: { PLAN_JSON: '{{ .Values.dbExtractor.plan | toJson }}' }, secretEnv: { PRODUCTION_DATABASE_URL: secret('production-db', 'url'), ERP_ORACLE_URL: secret('erp-oracle', 'url') }, databaseEgress: [{ cidr: '{{ .Values.dbExtractor.productionCidr }}', port: 5432 }, { cidr: '{{ .Values.dbExtractor.erpCidr }}', port: 1521 }] },
  { name: 's3-avro-sync', kind: 'cronjob', port: 8080, externalHttps: true, env: { S3_BUCKET: '{{ .Values.rockQuality.bucket }}', S3_PREFIX: '{{ .Values.rockQuality.prefix }}', AWS_REGION: '{{ .Values.rockQuality.region }}' }, secretEnv: { AWS_ACCESS_KEY_ID: secret('rock-quality-s3', 'access-key-id'), AWS_SECRET_ACCESS_KEY: secret('rock-quality-s3', 'secret-access-key') } },
];

/** Google identities: one per workload that has its own (named as the topology's owners). */
const identities = services.filter((s) => !s.identity).map((s) => s.name);

/**
 * A subscriber is told its subscriptions' maxDeliveryAttempts, so it dead-letters the last
 * failing delivery itself with the error as the reason (Pub/Sub's own dead letter has none).
 */
function withDeliveryAttempts(service: PlatformServiceProps): PlatformServiceProps {
  const attempts = topology.subscriptions.filter((s) => s.owner === service.name && s.deadLetterTopic).map((s) => s.maxDeliveryAttempts ?? 5);
  if (attempts.length === 0) return service;
  if (new Set(attempts).size > 1) throw new Error(`${service.name}'s subscriptions differ in maxDeliveryAttempts; MAX_DELIVERY_ATTEMPTS holds one`);
  return { ...service, env: { ...service.env, MAX_DELIVERY_ATTEMPTS: String(attempts[0]) } };
}

export function synthesize(): string {
  const app = new App();
  const chart = new Chart(app, 'mine-platform', { disableResourceNameHashes: true });
  for (const service of services) new PlatformService(chart, service.name, withDeliveryAttempts(service));
  new GcpResources(chart, 'gcp', topology, identities);
  new GrafanaDashboards(chart, 'grafana');
  new Monitoring(chart, 'monitoring', topology, services);
  new PlatformDatabase(chart, 'database');
  new ControlRoomAccess(chart, 'control-room', 'alert-evaluator');
  return app.synthYaml();
}
