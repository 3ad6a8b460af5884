import { BigQuery } from '@google-cloud/bigquery';
import { Storage } from '@google-cloud/storage';
import { S3Client } from '@aws-sdk/client-s3';
import { OAuth2Client } from 'google-auth-library';

/** Emulator endpoints are explicit config, so the same code reaches GCP or the local stack. */
export interface GoogleClientSettings {
  projectId: string;
  /** BigQuery API root of an emulator (http://host:port). */
  bigqueryApiEndpoint?: string | undefined;
  /** Cloud Storage API root of an emulator (http://host:port). */
  storageApiEndpoint?: string | undefined;
  location?: string | undefined;
}

function asUrl(host: string): string {
  return /^https?:\/\//.test(host) ? host : `http://${host}`;
}

export function createBigQuery(settings: GoogleClientSettings): BigQuery {
  if (settings.bigqueryApiEndpoint) {
    return new BigQuery({
      projectId: settings.projectId,
      apiEndpoint: asUrl(settings.bigqueryApiEndpoint),
      authClient: emulatorCredentials(),
      ...(settings.location ? { location: settings.location } : {}),
    });
  }
  return new BigQuery({ projectId: settings.projectId, ...(settings.location ? { location: settings.location } : {}) });
}

export function createStorage(settings: GoogleClientSettings): Storage {
  if (settings.storageApiEndpoint) {
    return new Storage({
      projectId: settings.projectId,
      apiEndpoint: asUrl(settings.storageApiEndpoint),
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


/**
 * Emulators accept any token. A fixed one keeps the client from searching for
 * credentials (and from probing the GCE metadata server, which stalls for seconds).
 */
function emulatorCredentials(): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: 'emulator', expiry_date: Date.now() + 10 * 365 * 24 * 3600 * 1000 });
  return client;
}
