import { BigQuery } from '@google-cloud/bigquery';
import { Storage } from '@google-cloud/storage';
import { S3Client } from '@aws-sdk/client-s3';

/** Emulator endpoints are explicit config, so the same code reaches GCP or the local stack. */
export interface GoogleClientSettings {
  projectId: string;
  bigqueryEmulatorHost?: string | undefined;
  storageEmulatorHost?: string | undefined;
  location?: string | undefined;
}

function asUrl(host: string): string {
  return /^https?:\/\//.test(host) ? host : `http://${host}`;
}

export function createBigQuery(settings: GoogleClientSettings): BigQuery {
  if (settings.bigqueryEmulatorHost) {
    return new BigQuery({
      projectId: settings.projectId,
      apiEndpoint: asUrl(settings.bigqueryEmulatorHost),
      ...(settings.location ? { location: settings.location } : {}),
    });
  }
  return new BigQuery({ projectId: settings.projectId, ...(settings.location ? { location: settings.location } : {}) });
}

export function createStorage(settings: GoogleClientSettings): Storage {
  if (settings.storageEmulatorHost) {
    return new Storage({
      projectId: settings.projectId,
      apiEndpoint: asUrl(settings.storageEmulatorHost),
    });
  }
  return new Storage({ projectId: settings.projectId });
}

export interface S3Settings {
  region: string;
  /** S3-compatible endpoint (MinIO locally); unset for AWS. */
  endpoint?: string | undefined;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
}

export function createS3(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
    ...(settings.accessKeyId && settings.secretAccessKey
      ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } }
      : {}),
  });
}

