"""Writes miniSEED records with implementations the platform did not write, for its decoder's tests.

libmseed 3 (through pymseed) writes SEED 2.4 (big-endian) and miniSEED 3 records; ObsPy (which
bundles libmseed 2) writes little-endian SEED 2.4. Usage: write-fixtures.py OUT_DIR; writes one
file per case and OUT_DIR/manifest.json listing each case and the samples it holds.
"""
import json
import math
import random
import struct
import sys
from pathlib import Path

from pymseed import DataEncoding, MS3Record

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
rng = random.Random(21)
N = 3000


def integers(limit):
    # A geophone-like signal: a decaying burst over noise, so Steim uses several difference widths.
    return [int(limit * math.exp(-i / 400) * math.sin(i / 7) + rng.gauss(0, limit / 50)) for i in range(N)]


SIGNALS = {
    "int16": (DataEncoding.INT16, "i", integers(20000)),
    "int32": (DataEncoding.INT32, "i", integers(2_000_000_000 // 2)),
    # Values float32 can hold exactly, so the expected samples are what was written.
    "float32": (DataEncoding.FLOAT32, "f", [struct.unpack("<f", struct.pack("<f", rng.uniform(-1e4, 1e4)))[0] for _ in range(N)]),
    "float64": (DataEncoding.FLOAT64, "d", [rng.uniform(-1e4, 1e4) for _ in range(N)]),
    "steim1": (DataEncoding.STEIM1, "i", integers(5_000_000)),
    # Steim-2 differences stay within 30 bits.
    "steim2": (DataEncoding.STEIM2, "i", integers(200_000_000)),
}
START = "2026-11-24T05:06:07.123456Z"
cases = []

for name, (encoding, kind, samples) in SIGNALS.items():
    for version in (2, 3):
        for reclen in (256, 512, 1024, 2048, 4096):
            msr = MS3Record(reclen=reclen, encoding=encoding)
            msr.sourceid = "FDSN:MN_G001_00_H_H_Z"
            msr.set_starttime_str(START)
            msr.samprate = 500.0
            msr.formatversion = version
            path = out / f"libmseed-v{version}-{name}-{reclen}.mseed"
            with open(path, "wb") as f:
                for record in msr.generate(data_samples=samples, sample_type=kind):
                    f.write(record)
            cases.append({"file": path.name, "writer": "libmseed " + __import__("pymseed").libmseed_version, "format": version,
                          "encoding": name, "recordLength": reclen, "byteOrder": "big" if version == 2 else "little",
                          "samples": samples})

# Little-endian SEED 2.4 (some digitizers write it): ObsPy's libmseed 2 writer.
import numpy as np
from obspy import Stream, Trace, UTCDateTime

for name, (encoding, kind, samples) in SIGNALS.items():
    dtype = {"i": np.int32, "f": np.float32, "d": np.float64}[kind]
    if name == "int16":
        dtype = np.int16
    for reclen in (256, 512, 4096):
        trace = Trace(np.array(samples, dtype=dtype), header={"network": "MN", "station": "G001", "location": "00", "channel": "HHN",
                                                               "starttime": UTCDateTime(START), "sampling_rate": 500.0})
        path = out / f"obspy-v2le-{name}-{reclen}.mseed"
        Stream([trace]).write(str(path), format="MSEED", encoding=name.upper(), reclen=reclen, byteorder="<")
        cases.append({"file": path.name, "writer": "obspy", "format": 2, "encoding": name, "recordLength": reclen, "byteOrder": "little",
                      "samples": [float(v) if kind != "i" else int(v) for v in samples]})

(out / "manifest.json").write_text(json.dumps({"start": START, "cases": cases}))
print(len(cases))
