import { scheduleOf } from '@mine/topology';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/** Helm placeholders: the chart's values decide images, replicas and schedules. */
export const values = {
  image: (service: string) => `{{ .Values.image.registry }}/${service}:{{ .Values.image.tag }}`,
  replicas: (service: string) => `{{ index .Values.replicas "${service}" }}`,
  schedule: (job: string) => `{{ index .Values.schedules "${job}" }}`,
  projectId: '{{ .Values.gcp.projectId }}',
};

export interface PlatformServiceProps {
  /** kebab-case, the same as the folder, package, image and metrics prefix */
  readonly name: string;
  /** the image's service (several workloads may share one image) */
  readonly image?: string;
  /** run as another workload's identity (the hourly compaction is the compactor's stage) */
  readonly identity?: string;
  /** Deployment for streaming stages, CronJob for batch ones */
  readonly kind: 'deployment' | 'cronjob';
  /** the script the container runs, relative to the image's /app */
  readonly entry?: string;
  readonly args?: string[];
  /** HTTP port for probes, metrics and (for ingest services) traffic */
  readonly port?: number;
  readonly env?: Record<string, string>;
  /** environment variables taken from Kubernetes Secrets: variable → [secret, key] */
  readonly secretEnv?: Record<string, [string, string]>;
  readonly cpu?: string;
  readonly memory?: string;
  /** size limit of the scratch volume at /tmp (default 2Gi) */
  readonly scratch?: string;
  readonly autoscale?: { min: number; max: number; cpuPercent: number };
  /** CronJob: the schedule key in values.schedules */
  readonly schedule?: string;
  readonly activeDeadlineSeconds?: number;
  /** receives traffic from the ingress (the two HTTP ingest endpoints) */
  readonly public?: boolean;
  /** HTTPS to the internet, not only to Google APIs (webhooks, an identity provider's keys, AWS S3) */
  readonly externalHttps?: boolean;
  /** files from ConfigMaps the operators keep (the station inventory), mounted read-only at /etc/mine/<configMap>/ */
  readonly configMapFiles?: string[];
  /** Secrets mounted read-only as files at /etc/mine/<secret>/ (the kubelet updates them in place, no restart) */
  readonly secretFiles?: string[];
  /** egress to databases outside the cluster (CIDR, port) */
  readonly databaseEgress?: { cidr: string; port: number }[];
  /** a GKE BackendConfig (IAP, for instance) the load balancer applies to this Service */
  readonly backendConfig?: string;
}

/** private.googleapis.com and restricted.googleapis.com (Private Google Access on the cluster's subnet). */
export const GOOGLE_API_RANGES = ['199.36.153.8/30', '199.36.153.4/30'];

/** The Google service account a workload runs as (Workload Identity). */
export const googleServiceAccount = (name: string) => `${name}@${values.projectId}.iam.gserviceaccount.com`;

/**
 * One platform workload, hardened by default: its own ServiceAccount bound to its
 * own Google service account, non-root, read-only root filesystem, no
 * capabilities, no privilege escalation, seccomp RuntimeDefault, probes and
 * resources, a NetworkPolicy, and for Deployments a Service, a
 * PodDisruptionBudget and (when streaming) a HorizontalPodAutoscaler.
 */
export class PlatformService extends Construct {
  constructor(scope: Construct, id: string, props: PlatformServiceProps) {
    super(scope, id);
    const labels = { 'app.kubernetes.io/name': props.name, 'app.kubernetes.io/part-of': 'mine-platform' };
    const metadata = { name: props.name, labels };

    if (!props.identity) {
      new ApiObject(this, 'service-account', {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { ...metadata, annotations: { 'iam.gke.io/gcp-service-account': googleServiceAccount(props.name) } },
      });
    }
    new ApiObject(this, 'config', { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { LOG_LEVEL: 'info', GCP_PROJECT_ID: values.projectId, ...(props.port ? { PORT: String(props.port), HOST: '0.0.0.0' } : {}), ...(props.env ?? {}) } });

    const container = {
      name: props.name,
      image: values.image(props.image ?? props.name),
      ...(props.entry || props.args ? { command: ['/usr/bin/tini', '--', 'node', props.entry ?? 'dist/main.js', ...(props.args ?? [])] } : {}),
      envFrom: [{ configMapRef: { name: props.name } }],
      env: Object.entries(props.secretEnv ?? {}).map(([variable, [secret, key]]) => ({ name: variable, valueFrom: { secretKeyRef: { name: secret, key } } })),
      ...(props.port ? { ports: [{ name: 'http', containerPort: props.port }] } : {}),
      resources: { requests: { cpu: props.cpu ?? '250m', memory: props.memory ?? '256Mi' }, limits: { memory: props.memory ?? '256Mi' } },
      securityContext: { runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...[...(props.configMapFiles ?? []), ...(props.secretFiles ?? [])].map((name) => ({ name, mountPath: `/etc/mine/${name}`, readOnly: true }))],
      ...(props.port && props.kind === 'deployment'
        ? {
            readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5 },
            livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 6 },
          }
        : {}),
    };
    const pod = {
      metadata: { labels },
      spec: {
        serviceAccountName: props.identity ?? props.name,
        automountServiceAccountToken: false,
        // Longer than the services' 25 s drain (runService's force-exit timer).
        terminationGracePeriodSeconds: 30,
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, fsGroup: 1000 },
        containers: [container],
        volumes: [
          { name: 'tmp', emptyDir: { sizeLimit: props.scratch ?? '2Gi' } },
          ...(props.configMapFiles ?? []).map((name) => ({ name, configMap: { name } })),
          ...(props.secretFiles ?? []).map((name) => ({ name, secret: { secretName: name } })),
        ],
        ...(props.kind === 'cronjob' ? { restartPolicy: 'Never' } : {}),
      },
    };

    if (props.kind === 'deployment') {
      new ApiObject(this, 'deployment', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata,
        spec: { replicas: values.replicas(props.name), selector: { matchLabels: labels }, template: pod, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } },
      });
      if (props.port) {
        const annotations = props.backendConfig ? { 'cloud.google.com/neg': '{"ingress": true}', 'cloud.google.com/backend-config': JSON.stringify({ default: props.backendConfig }) } : undefined;
        new ApiObject(this, 'service', { apiVersion: 'v1', kind: 'Service', metadata: { ...metadata, ...(annotations ? { annotations } : {}) }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
      }
      new ApiObject(this, 'pdb', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata, spec: { minAvailable: 1, selector: { matchLabels: labels } } });
      if (props.autoscale) {
        new ApiObject(this, 'hpa', {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata,
          spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.name },
            minReplicas: props.autoscale.min,
            maxReplicas: props.autoscale.max,
            metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: props.autoscale.cpuPercent } } }],
          },
        });
      }
    } else {
      new ApiObject(this, 'cronjob', {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata,
        spec: {
          schedule: values.schedule(props.schedule ?? props.name),
          // Never two runs of a job at once; a start missed by up to one period still runs. A run missed
          // beyond that is no loss: every job finds its pending work from durable state, so the next catches up.
          concurrencyPolicy: 'Forbid',
          startingDeadlineSeconds: scheduleOf(props.schedule ?? props.name).startingDeadlineSeconds,
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 5,
          jobTemplate: { spec: { backoffLimit: 3, activeDeadlineSeconds: props.activeDeadlineSeconds ?? 3 * 3600, template: pod } },
        },
      });
    }

    // Deny by default; admit the ingress controller to public services and Prometheus to metrics;
    // allow out DNS, the metadata server (Workload Identity tokens), Google APIs through Private
    // Google Access, the declared databases, and the internet over HTTPS only for services that need it.
    new ApiObject(this, 'network-policy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata,
      spec: {
        podSelector: { matchLabels: labels },
        policyTypes: ['Ingress', 'Egress'],
        ingress: props.port
          ? [
              {
                from: [
                  { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gmp-system' } } },
                  ...(props.public ? [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gke-gateway' } } }, { ipBlock: { cidr: '35.191.0.0/16' } }, { ipBlock: { cidr: '130.211.0.0/22' } }] : []),
                ],
                ports: [{ port: props.port, protocol: 'TCP' }],
              },
            ]
          : [],
        egress: [
          { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
          { to: [{ ipBlock: { cidr: '169.254.169.254/32' } }], ports: [{ port: 80, protocol: 'TCP' }, { port: 988, protocol: 'TCP' }] },
          { to: GOOGLE_API_RANGES.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ port: 443, protocol: 'TCP' }] },
          ...(props.externalHttps ? [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443, protocol: 'TCP' }] }] : []),
          ...(props.databaseEgress ?? []).map((d) => ({ to: [{ ipBlock: { cidr: d.cidr } }], ports: [{ port: d.port, protocol: 'TCP' }] })),
        ],
      },
    });
  }
}
