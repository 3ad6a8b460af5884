import type { Bucket } from '@google-cloud/storage';

export interface ManifestEntry {
  etag: string;
  size: number;
  status: 'loaded' | 'quarantined';
  gcsObject: string;
  rows?: number;
  loadJobId?: string;
  reason?: string;
  syncedAt: string;
}

export interface Manifest {
  files: Record<string, ManifestEntry>;
}

/**
 * What has been synced, keyed by S3 key, kept as one JSON object in the landing
 * bucket. It is written with a generation precondition, so two runs that
 * overlap cannot overwrite each other's record (the second fails and reruns).
 */
export class ManifestStore {
  private generation: number | undefined;

  constructor(
    private readonly bucket: Bucket,
    private readonly objectName: string,
  ) {}

  async load(): Promise<Manifest> {
    const file = this.bucket.file(this.objectName);
    const [exists] = await file.exists();
    if (!exists) {
      this.generation = 0;
      return { files: {} };
    }
    const [metadata] = await file.getMetadata();
    this.generation = Number(metadata.generation);
    const [content] = await file.download();
    return JSON.parse(content.toString()) as Manifest;
  }

  async save(manifest: Manifest): Promise<void> {
    const file = this.bucket.file(this.objectName);
    await file.save(JSON.stringify(manifest, null, 1), {
      resumable: false,
      contentType: 'application/json',
      preconditionOpts: { ifGenerationMatch: this.generation ?? 0 },
    });
    const [metadata] = await file.getMetadata();
    this.generation = Number(metadata.generation);
  }
}

/** The manifest's verdict on a listed object: new or changed (by ETag and size) objects are synced. */
export function needsSync(manifest: Manifest, key: string, etag: string, size: number): boolean {
  const entry = manifest.files[key];
  return !entry || entry.etag !== etag || entry.size !== size;
}

/** Where the manifest of a landing prefix is kept. */
export const manifestObject = (landingPrefix: string) => `${landingPrefix}_manifest/manifest.json`;
