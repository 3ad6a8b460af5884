"""ObsPy's StationXML reader and writer, for the inventory's tests.

  obspy-inventory.py read FILE    prints what ObsPy read, as JSON
  obspy-inventory.py write FILE   writes an inventory ObsPy built itself (two epochs of one channel)
"""
import json
import sys

from obspy import UTCDateTime, read_inventory
from obspy.core.inventory import Channel, Inventory, Network, Response, Site, Station
from obspy.core.inventory.response import InstrumentSensitivity

mode, path = sys.argv[1], sys.argv[2]
if mode == "read":
    inv = read_inventory(path, format="STATIONXML")
    out = []
    for net in inv:
        for sta in net:
            extra = {k: v["value"] for k, v in (getattr(sta, "extra", None) or {}).items()}
            for cha in sta.channels or [None]:
                row = {"network": net.code, "station": sta.code, "stationStart": str(sta.start_date), "latitude": sta.latitude,
                       "longitude": sta.longitude, "elevation": sta.elevation, "site": sta.site.name, "extra": extra}
                if cha is not None:
                    sens = cha.response.instrument_sensitivity if cha.response else None
                    row.update({"location": cha.location_code, "channel": cha.code, "channelStart": str(cha.start_date),
                                "channelEnd": str(cha.end_date) if cha.end_date else None, "channelLatitude": cha.latitude,
                                "depth": cha.depth, "azimuth": cha.azimuth, "dip": cha.dip, "sampleRate": cha.sample_rate,
                                "gain": sens.value if sens else None, "inputUnits": sens.input_units if sens else None})
                out.append(row)
    print(json.dumps(out))
else:
    def channel(code, start, end, gain):
        return Channel(code=code, location_code="10", latitude=-30.75, longitude=121.47, elevation=375.0, depth=420.5,
                       azimuth=90.0 if code.endswith("E") else 0.0, dip=-90.0 if code.endswith("Z") else 0.0, sample_rate=1000.0,
                       start_date=UTCDateTime(start), end_date=UTCDateTime(end) if end else None,
                       response=Response(instrument_sensitivity=InstrumentSensitivity(value=gain, frequency=10.0, input_units="M/S", output_units="COUNTS")))
    station = Station(code="UG07", latitude=-30.7512, longitude=121.4713, elevation=375.0, site=Site(name="south-decline"),
                      start_date=UTCDateTime("2025-03-01"),
                      channels=[channel("GPZ", "2025-03-01", "2026-02-01", 5.2e6), channel("GPZ", "2026-02-01", None, 7.8e6),
                                channel("GPN", "2025-03-01", None, 7.8e6), channel("GPE", "2025-03-01", None, 7.8e6)])
    inv = Inventory(networks=[Network(code="MN", stations=[station], description="mine network")], source="ObsPy test")
    inv.write(path, format="STATIONXML")
