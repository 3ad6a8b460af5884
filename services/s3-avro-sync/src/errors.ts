/** Why a file is quarantined: stable names that reports, metrics and alerts can key on. */
export type QuarantineReason = 'corrupt' | 'truncated' | 'incompatible_schema' | 'unsupported_codec';

/** A file that is not loadable as it is; its `detail` is written by this service, never a raw exception text. */
export class AvroFileError extends Error {
  constructor(
    readonly reason: QuarantineReason,
    readonly detail: string,
    /** more for the quarantine report (the writer schema, each schema problem) */
    readonly report: Record<string, unknown> = {},
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'AvroFileError';
  }
}
