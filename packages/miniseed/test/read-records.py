"""Reads miniSEED records with libmseed 3 (pymseed), which checks miniSEED 3 CRCs, and prints them as JSON.

Usage: read-records.py FILE; one object per record: sourceid, starttime (ns), samprate, encoding, samples.
"""
import json
import sys

from pymseed import MS3Record

records = []
for msr in MS3Record.from_file(sys.argv[1], unpack_data=True, validate_crc=True):
    records.append({"sourceid": msr.sourceid, "starttime": msr.starttime, "samprate": msr.samprate, "encoding": msr.encoding,
                    "formatversion": msr.formatversion, "reclen": msr.reclen, "samples": list(msr.datasamples[:])})
print(json.dumps(records))
