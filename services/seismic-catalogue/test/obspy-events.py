# Reads the catalogue through ObsPy's FDSN client (a client the platform did not write) and
# prints what it understood as JSON, for the integration test to compare with the catalogue.
import json
import sys

from obspy import UTCDateTime
from obspy.clients.fdsn import Client

base_url, start, end = sys.argv[1], sys.argv[2], sys.argv[3]
client = Client(base_url=base_url, _discover_services=True)
catalog = client.get_events(starttime=UTCDateTime(start), endtime=UTCDateTime(end), includearrivals=True, orderby="time-asc")
events = []
for event in catalog:
    origin = event.preferred_origin()
    magnitude = event.preferred_magnitude()
    uncertainty = origin.origin_uncertainty
    events.append({
        "id": str(event.resource_id),
        "type": event.event_type,
        "time": str(origin.time),
        "latitude": origin.latitude,
        "longitude": origin.longitude,
        "depth": origin.depth,
        "magnitude": magnitude.mag,
        "magnitudeType": magnitude.magnitude_type,
        "arrivals": len(origin.arrivals),
        "picks": len(event.picks),
        "pickStations": sorted({p.waveform_id.station_code for p in event.picks}),
        "maxHorizontalUncertainty": uncertainty.max_horizontal_uncertainty,
        "confidenceLevel": uncertainty.confidence_level,
        "magnitudes": sorted(m.magnitude_type for m in event.magnitudes),
    })
try:
    client.get_events(starttime=UTCDateTime(start), endtime=UTCDateTime(end), minmagnitude=9)
    nodata = False
except Exception as error:  # ObsPy raises FDSNNoDataException on 204
    nodata = type(error).__name__
print(json.dumps({"services": sorted(client.services.keys()), "events": events, "nodata": nodata}))
