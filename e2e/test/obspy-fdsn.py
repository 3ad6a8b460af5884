"""ObsPy's FDSN client against the platform's FDSN web services; prints what it read as JSON.

Usage: obspy-fdsn.py BASE_URL NETWORK STATION START END [START END ...]
Reads the station's inventory (level=response) and, for each window, its waveforms.
"""
import json
import sys
import warnings

from obspy import UTCDateTime
from obspy.clients.fdsn import Client
from obspy.clients.fdsn.header import FDSNNoDataException

warnings.simplefilter("ignore")
base, network, station, *times = sys.argv[1:]
client = Client(base_url=base, _discover_services=True)
out = {"services": sorted(k for k, v in client.services.items() if v), "windows": []}
inv = client.get_stations(network=network, station=station, level="response")
out["channels"] = [{"id": f"{network}.{station}.{c.location_code}.{c.code}", "latitude": c.latitude, "longitude": c.longitude, "elevation": c.elevation,
                    "depth": c.depth, "sampleRate": c.sample_rate, "gain": c.response.instrument_sensitivity.value,
                    "start": str(c.start_date)} for c in inv[0][0].channels]
out["stationExtra"] = {k: v["value"] for k, v in (getattr(inv[0][0], "extra", None) or {}).items()}
for start, end in zip(times[0::2], times[1::2]):
    try:
        st = client.get_waveforms(network, station, "*", "*", UTCDateTime(start), UTCDateTime(end))
        out["windows"].append([{"id": tr.id, "start": tr.stats.starttime.ns // 1000, "rate": tr.stats.sampling_rate, "data": [int(v) for v in tr.data]} for tr in st.merge()])
    except FDSNNoDataException:
        out["windows"].append("nodata")
print(json.dumps(out))
