import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { values } from './platform-service.js';

/** The private services access range Cloud SQL takes its private IP from (a /20 at `postgres.rangeAddress`). */
export const POSTGRES_PRIVATE_RANGE = '{{ .Values.postgres.rangeAddress }}/20';
export const CONTROL_ROOM_BACKEND_CONFIG = 'control-room-iap';

const annotations = { 'cnrm.cloud.google.com/project-id': values.projectId };
const network = `projects/${values.projectId}/global/networks/{{ .Values.postgres.network }}`;

/**
 * The platform's PostgreSQL (alarm lifecycle, mobile idempotency records) as Cloud SQL
 * with a private IP only, through Config Connector: the peering range and connection
 * for private services access, the instance (regional, backups with point-in-time
 * recovery, TLS required), its database and the services' user, whose password is
 * the `password` key of the `platform-postgres` Secret (its `url` key is what the
 * services read).
 */
export class PlatformDatabase extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const object = (kind: string, apiVersion: string, name: string, spec: object) =>
      new ApiObject(this, `${kind}-${name}`, { apiVersion, kind, metadata: { name, annotations, labels: { 'app.kubernetes.io/part-of': 'mine-platform' } }, spec });
    object('ComputeAddress', 'compute.cnrm.cloud.google.com/v1beta1', 'mine-platform-private-services', {
      location: 'global',
      addressType: 'INTERNAL',
      purpose: 'VPC_PEERING',
      address: '{{ .Values.postgres.rangeAddress }}',
      prefixLength: 20,
      networkRef: { external: network },
    });
    object('ServiceNetworkingConnection', 'servicenetworking.cnrm.cloud.google.com/v1beta1', 'mine-platform-private-services', {
      networkRef: { external: network },
      service: 'servicenetworking.googleapis.com',
      reservedPeeringRanges: [{ name: 'mine-platform-private-services' }],
    });
    object('SQLInstance', 'sql.cnrm.cloud.google.com/v1beta1', 'mine-platform-postgres', {
      databaseVersion: 'POSTGRES_15',
      region: '{{ .Values.postgres.region }}',
      settings: {
        tier: '{{ .Values.postgres.tier }}',
        availabilityType: 'REGIONAL',
        diskAutoresize: true,
        backupConfiguration: { enabled: true, pointInTimeRecoveryEnabled: true },
        // No public IP: reachable only from the VPC, where the NetworkPolicies admit exactly its clients.
        ipConfiguration: { ipv4Enabled: false, requireSsl: true, privateNetworkRef: { external: network } },
        databaseFlags: [{ name: 'max_connections', value: '200' }],
      },
    });
    object('SQLDatabase', 'sql.cnrm.cloud.google.com/v1beta1', 'platform', { instanceRef: { name: 'mine-platform-postgres' }, charset: 'UTF8' });
    object('SQLUser', 'sql.cnrm.cloud.google.com/v1beta1', 'platform', {
      instanceRef: { name: 'mine-platform-postgres' },
      password: { valueFrom: { secretKeyRef: { name: 'platform-postgres', key: 'password' } } },
    });
  }
}

/**
 * The control room screen and the alarm API (alert-evaluator) behind Identity-Aware
 * Proxy: a GCE Ingress with TLS whose backend carries an IAP BackendConfig, so only
 * people granted `roles/iap.httpsResourceAccessor` reach it; the service's own
 * operator tokens still apply behind it.
 */
export class ControlRoomAccess extends Construct {
  constructor(scope: Construct, id: string, service: string) {
    super(scope, id);
    new ApiObject(this, 'backend-config', {
      apiVersion: 'cloud.google.com/v1',
      kind: 'BackendConfig',
      metadata: { name: CONTROL_ROOM_BACKEND_CONFIG },
      spec: {
        iap: { enabled: true, oauthclientCredentials: { secretName: 'control-room-iap-oauth' } },
        healthCheck: { type: 'HTTP', requestPath: '/healthz', port: 8080 },
        // The live alarm stream is a long-lived response.
        timeoutSec: 3600,
      },
    });
    new ApiObject(this, 'ingress', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'mine-control-room', annotations: { 'kubernetes.io/ingress.class': 'gce', 'kubernetes.io/ingress.allow-http': 'false' } },
      spec: {
        tls: [{ hosts: ['{{ .Values.controlRoom.host }}'], secretName: '{{ .Values.controlRoom.tlsSecret }}' }],
        rules: [{ host: '{{ .Values.controlRoom.host }}', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] } }],
      },
    });
  }
}
