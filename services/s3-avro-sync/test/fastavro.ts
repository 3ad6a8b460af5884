import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const script = fileURLToPath(new URL('./fixtures/write_avro.py', import.meta.url));
let python: string | undefined;

export const AVRO_CODECS = ['null', 'deflate', 'snappy', 'bzip2', 'xz', 'zstandard'] as const;

/** An Avro container file written by fastavro (PyPI), an implementation this project did not write. */
export function fastavroFile(schema: object, records: object[], codec: string, syncInterval = 16000): Buffer {
  python ??= (execFileSync(`${root}tools/avro-python.sh`, ['install'], { stdio: ['ignore', 'ignore', 'inherit'] }), execFileSync(`${root}tools/avro-python.sh`, ['python']).toString().trim());
  return execFileSync(python, [script], { input: JSON.stringify({ schema, records, codec, sync_interval: syncInterval }), maxBuffer: 256 * 1024 * 1024 });
}
