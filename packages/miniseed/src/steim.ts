import { RecordDecodeError } from './types.js';

const FRAME_BYTES = 64;

/** The most samples `bytes` of Steim frames can hold: 15 data words per frame (minus X0 and Xn), 4 or 7 differences each. */
export function maxSteimSamples(bytes: number, version: 1 | 2): number {
  const frames = Math.floor(bytes / FRAME_BYTES);
  return frames === 0 ? 0 : (frames * 15 - 2) * (version === 1 ? 4 : 7);
}

/**
 * Decodes Steim-1 or Steim-2 frames into `count` samples. The first difference
 * (relative to the previous record) is skipped, as the standard says; the last
 * sample must equal the reverse integration constant Xn, which catches corrupt frames.
 */
export function decodeSteim(view: DataView, start: number, end: number, count: number, version: 1 | 2, littleEndian: boolean): Int32Array {
  if (count > maxSteimSamples(end - start, version)) {
    throw new RecordDecodeError('sample_count', `${count} samples cannot fit in ${end - start} bytes of Steim-${version} frames`);
  }
  const out = new Int32Array(count);
  if (count === 0) return out;
  const frames = Math.floor((end - start) / FRAME_BYTES);
  const x0 = view.getInt32(start + 4, littleEndian);
  const xn = view.getInt32(start + 8, littleEndian);
  // Differences go straight into `out` (d0, which refers to the previous record, lands in out[0] and is replaced
  // by X0); a word's last differences may run past `count`, so a word is only unpacked while room is left.
  let n = 0;
  for (let f = 0; f < frames && n < count; f++) {
    const frame = start + f * FRAME_BYTES;
    const ctrl = view.getUint32(frame, littleEndian);
    for (let w = f === 0 ? 3 : 1; w < 16 && n < count; w++) {
      const nibble = (ctrl >>> (30 - 2 * w)) & 3;
      if (nibble === 0) continue;
      const at = frame + 4 * w;
      if (nibble === 1) {
        // Four 8-bit differences in stored order; byte-swapped frames (libmseed 2) swap only wider fields.
        for (let b = 0; b < 4 && n < count; b++) out[n++] = view.getInt8(at + b);
        continue;
      }
      if (version === 1) {
        if (nibble === 2) {
          // Two 16-bit differences, each swapped on its own in little-endian frames.
          out[n++] = view.getInt16(at, littleEndian);
          if (n < count) out[n++] = view.getInt16(at + 2, littleEndian);
        } else out[n++] = view.getInt32(at, littleEndian);
        continue;
      }
      const word = view.getUint32(at, littleEndian);
      const dnib = word >>> 30;
      let k: number;
      let bits: number;
      if (nibble === 2) {
        if (dnib === 0) throw new RecordDecodeError('steim_integrity', `Steim-2 word ${w} of frame ${f} has an invalid dnib 0`);
        k = dnib;
        bits = dnib === 1 ? 30 : dnib === 2 ? 15 : 10;
      } else {
        if (dnib === 3) throw new RecordDecodeError('steim_integrity', `Steim-2 word ${w} of frame ${f} has an invalid dnib 3`);
        k = 5 + dnib;
        bits = dnib === 0 ? 6 : dnib === 1 ? 5 : 4;
      }
      const shift = 32 - bits;
      for (let i = k - 1; i >= 0 && n < count; i--) out[n++] = ((word >>> (i * bits)) << shift) >> shift;
    }
  }
  if (n !== count) throw new RecordDecodeError('sample_count', `header says ${count} samples, the Steim-${version} frames hold ${n}`);
  out[0] = x0;
  for (let i = 1; i < count; i++) out[i] = (out[i - 1]! + out[i]!) | 0;
  if (out[count - 1] !== xn) throw new RecordDecodeError('steim_integrity', `last sample ${out[count - 1]} is not the reverse integration constant ${xn}`);
  return out;
}
