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
  let n = 0;
  let last = x0;
  let first = true;
  const push = (diff: number) => {
    if (first) {
      first = false;
      out[0] = x0;
      n = 1;
      return;
    }
    last = (last + diff) | 0;
    out[n++] = last;
  };
  for (let f = 0; f < frames && n < count; f++) {
    const frame = start + f * FRAME_BYTES;
    const ctrl = view.getUint32(frame, littleEndian);
    for (let w = f === 0 ? 3 : 1; w < 16 && n < count; w++) {
      const nibble = (ctrl >>> (30 - 2 * w)) & 3;
      if (nibble === 0) continue;
      const at = frame + 4 * w;
      const word = view.getUint32(at, littleEndian);
      if (nibble === 1) {
        // Four 8-bit differences in stored order; byte-swapped frames (libmseed 2) swap only wider fields.
        for (let b = 0; b < 4 && n < count; b++) push(view.getInt8(at + b));
      } else if (version === 1) {
        if (nibble === 2) {
          // Two 16-bit differences, each swapped on its own in little-endian frames.
          push(view.getInt16(at, littleEndian));
          if (n < count) push(view.getInt16(at + 2, littleEndian));
        } else push(word | 0);
      } else {
        const dnib = word >>> 30;
        if (nibble === 2) {
          if (dnib === 1) unpack(word, 30, 1, push, count, () => n);
          else if (dnib === 2) unpack(word, 15, 2, push, count, () => n);
          else if (dnib === 3) unpack(word, 10, 3, push, count, () => n);
          else throw new RecordDecodeError('steim_integrity', `Steim-2 word ${w} of frame ${f} has an invalid dnib 0`);
        } else {
          if (dnib === 0) unpack(word, 6, 5, push, count, () => n);
          else if (dnib === 1) unpack(word, 5, 6, push, count, () => n);
          else if (dnib === 2) unpack(word, 4, 7, push, count, () => n);
          else throw new RecordDecodeError('steim_integrity', `Steim-2 word ${w} of frame ${f} has an invalid dnib 3`);
        }
      }
    }
  }
  if (n !== count) throw new RecordDecodeError('sample_count', `header says ${count} samples, the Steim-${version} frames hold ${n}`);
  if (out[count - 1] !== xn) throw new RecordDecodeError('steim_integrity', `last sample ${out[count - 1]} is not the reverse integration constant ${xn}`);
  return out;
}

/** `k` signed differences of `bits` bits each, right-aligned in the word's low 30 bits, first difference highest. */
function unpack(word: number, bits: number, k: number, push: (d: number) => void, count: number, n: () => number): void {
  const shift = 32 - bits;
  for (let i = 0; i < k && n() < count; i++) {
    const value = word >>> ((k - 1 - i) * bits);
    push((value << shift) >> shift);
  }
}
