import { Type, type Static } from '@sinclair/typebox';
import { PlatformEnv, Secret } from '@mine/platform';

export const AlertEvaluatorEnv = Type.Object({
  ...PlatformEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8083 }),
  HOST: Type.String({ default: '0.0.0.0' }),
  DATABASE_URL: Secret(Type.String({ minLength: 1, description: 'PostgreSQL holding alarm state' })),
  PG_SCHEMA: Type.String({ pattern: '^[a-z_][a-z0-9_]*$', default: 'alert_evaluator' }),
  SENSOR_SUBSCRIPTION: Type.String({ default: 'alert-evaluator.sensor-readings-ordered', description: 'an ordered subscription (ordering key = sensor id)' }),
  SENSOR_DEAD_LETTER_TOPIC: Type.String({ default: 'sensor-readings-dead-letter' }),
  SEISMIC_EVENT_SUBSCRIPTION: Type.String({ default: 'alert-evaluator.seismic-events', description: 'the event catalogue (seismic-catalogue): one alarm per event' }),
  SEISMIC_EVENT_DEAD_LETTER_TOPIC: Type.String({ default: 'seismic-events-dead-letter' }),
  ISSUE_SUBSCRIPTION: Type.String({ default: 'alert-evaluator.machinery-issues' }),
  ISSUE_DEAD_LETTER_TOPIC: Type.String({ default: 'machinery-issues-dead-letter' }),
  ALERTS_TOPIC: Type.String({ default: 'alerts' }),
  ALARM_HISTORY_TABLE: Type.String({ pattern: '^[A-Za-z0-9_]+\\.[A-Za-z0-9_]+$', default: 'ops.alarm_transitions', description: 'dataset.table' }),
  ALARM_HISTORY_SUBSCRIPTION: Type.String({ default: 'alert-evaluator.alerts-history', description: 'subscription to the alerts topic that feeds the BigQuery history' }),
  ALERTS_DEAD_LETTER_TOPIC: Type.String({ default: 'alerts-dead-letter', description: 'where a message on alerts that is not a transition goes' }),
  RULES_JSON: Type.String({ default: '{}', description: 'alarm rules: defaults and per-site/zone overrides (see README)' }),
  WEBHOOK_URLS: Type.String({ default: '', description: 'comma-separated URLs notified of every transition' }),
  WEBHOOK_SIGNING_SECRET: Secret(Type.String({ default: '', description: 'HMAC-SHA256 key for the x-mine-signature header; set it wherever webhooks are' })),
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 30_000, description: 'a slow receiver holds only its own lane, so wait for it rather than send again' }),
  WEBHOOK_MIN_BACKOFF_MS: Type.Integer({ minimum: 1, default: 500, description: 'first retry delay of any notification channel; doubles per failure' }),
  DELIVERY_MAX_BACKOFF_MS: Type.Integer({ minimum: 1, default: 30_000, description: 'cap of the retry delay' }),
  DELIVERY_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 100, default: 4, description: 'deliveries in flight per channel and replica' }),
  DELIVERY_ALARM_AFTER_ATTEMPTS: Type.Integer({ minimum: 1, default: 5, description: 'failed attempts of one notification before the notification-failing alarm' }),
  API_TOKENS: Secret(
    Type.String({ default: '', description: 'comma-separated name:role:sha256(token); roles viewer, operator' }),
  ),
  RETENTION_DEDUPE_HOURS: Type.Integer({ minimum: 1, default: 48, description: 'how long a packet or issue event is recognised as a redelivery' }),
  RETENTION_ZONE_PPV_HOURS: Type.Integer({ minimum: 24, default: 48 }),
  RETENTION_EVENT_DAYS: Type.Integer({ minimum: 1, default: 30, description: 'seismic events; keep above the longest rate/forecast look-back' }),
  RETENTION_HISTORY_DAYS: Type.Integer({ minimum: 1, default: 90, description: 'closed alarms with their transitions and deliveries, issue positions' }),
  RETENTION_INTERVAL_MINUTES: Type.Integer({ minimum: 1, default: 60 }),
  SWEEP_INTERVAL_SECONDS: Type.Integer({ minimum: 1, default: 15 }),
  MAX_IN_FLIGHT: Type.Integer({ minimum: 1, default: 200 }),
});
export type AlertEvaluatorConfig = Static<typeof AlertEvaluatorEnv>;
