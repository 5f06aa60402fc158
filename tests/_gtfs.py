"""A small GTFS feed the tests write (shared by the GTFS and command-line tests)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pyproj import Transformer

X0, Y0 = 540_000.0, 4_010_000.0
STATIONS = {
    "S1": (X0, Y0),
    "S2": (X0 + 2000, Y0),
    "S3": (X0 + 4000, Y0),
    "S4": (X0 + 4000, Y0 + 2400),
}


def _hms(s: float) -> str:
    s = round(s)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def write_feed(folder: Path, *, with_extras: bool = True) -> Path:
    """A small feed: two timetabled lines; with extras, a platform stop under a parent
    station, a frequency-based line and a weekend-only line."""
    folder.mkdir(parents=True, exist_ok=True)
    tr = Transformer.from_crs(4549, 4326, always_xy=True)
    stops = []
    for sid, (x, y) in STATIONS.items():
        lon, lat = tr.transform(x, y)
        stops.append(
            {
                "stop_id": sid,
                "stop_name": f"站{sid}",
                "stop_lat": lat,
                "stop_lon": lon,
                "location_type": 1 if with_extras and sid == "S3" else 0,
                "parent_station": "",
            }
        )
    if with_extras:
        lon, lat = tr.transform(X0 + 4010, Y0 + 5)
        stops.append(
            {
                "stop_id": "S3p",
                "stop_name": "站S3 platform 2",
                "stop_lat": lat,
                "stop_lon": lon,
                "location_type": 0,
                "parent_station": "S3",
            }
        )
    pd.DataFrame(stops).to_csv(folder / "stops.txt", index=False)
    pd.DataFrame(
        [
            {
                "agency_id": "T",
                "agency_name": "Toy Transit",
                "agency_url": "http://example.org",
                "agency_timezone": "Asia/Shanghai",
            }
        ]
    ).to_csv(folder / "agency.txt", index=False)
    routes = [
        {
            "route_id": "R1",
            "agency_id": "T",
            "route_short_name": "1",
            "route_long_name": "Line 1",
            "route_type": 1,
            "route_color": "FF0000",
        },
        {
            "route_id": "R2",
            "agency_id": "T",
            "route_short_name": "2",
            "route_long_name": "Line 2",
            "route_type": 1,
            "route_color": "0000FF",
        },
    ]
    if with_extras:
        routes += [
            {
                "route_id": "R3",
                "agency_id": "T",
                "route_short_name": "3",
                "route_long_name": "Line 3",
                "route_type": 1,
                "route_color": "00AA00",
            },
            {
                "route_id": "R4",
                "agency_id": "T",
                "route_short_name": "4",
                "route_long_name": "Weekend",
                "route_type": 1,
                "route_color": "",
            },
        ]
    pd.DataFrame(routes).to_csv(folder / "routes.txt", index=False)
    days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    pd.DataFrame(
        [
            {
                "service_id": "WK",
                **{d: int(i < 5) for i, d in enumerate(days)},
                "start_date": "20260101",
                "end_date": "20271231",
            },
            {
                "service_id": "WE",
                **{d: int(i >= 5) for i, d in enumerate(days)},
                "start_date": "20260101",
                "end_date": "20271231",
            },
        ]
    ).to_csv(folder / "calendar.txt", index=False)
    trips, times, freqs = [], [], []
    s3_r2 = "S3p" if with_extras else "S3"
    lines = {
        "R1": (["S1", "S2", "S3"], [180, 240], 600, "WK"),
        "R2": ([s3_r2, "S4"], [150], 360, "WK"),
    }
    if with_extras:
        lines["R4"] = (["S1", "S4"], [100], 600, "WE")
    for rid, (seq, run, hw, service) in lines.items():
        for did, order in ((0, seq), (1, seq[::-1])):
            runs = run if did == 0 else run[::-1]
            for k, t0 in enumerate(range(6 * 3600, 10 * 3600, hw)):
                tid = f"{rid}_{did}_{k}"
                trips.append(
                    {"route_id": rid, "service_id": service, "trip_id": tid, "direction_id": did}
                )
                t = t0
                for i, s in enumerate(order):
                    times.append(
                        {
                            "trip_id": tid,
                            "arrival_time": _hms(t),
                            "departure_time": _hms(t + (20 if 0 < i < len(order) - 1 else 0)),
                            "stop_id": s,
                            "stop_sequence": i + 1,
                        }
                    )
                    if i < len(runs):
                        t += runs[i] + (20 if i > 0 else 0)
    if with_extras:
        for did, order in ((0, ["S2", "S4"]), (1, ["S4", "S2"])):
            tid = f"R3_{did}"
            trips.append(
                {"route_id": "R3", "service_id": "WK", "trip_id": tid, "direction_id": did}
            )
            times.append(
                {
                    "trip_id": tid,
                    "arrival_time": "00:00:00",
                    "departure_time": "00:00:00",
                    "stop_id": order[0],
                    "stop_sequence": 1,
                }
            )
            times.append(
                {
                    "trip_id": tid,
                    "arrival_time": "00:07:00",
                    "departure_time": "00:07:00",
                    "stop_id": order[1],
                    "stop_sequence": 2,
                }
            )
            freqs.append(
                {
                    "trip_id": tid,
                    "start_time": "06:30:00",
                    "end_time": "08:00:00",
                    "headway_secs": 300,
                }
            )
            freqs.append(
                {
                    "trip_id": tid,
                    "start_time": "08:00:00",
                    "end_time": "10:00:00",
                    "headway_secs": 600,
                }
            )
        pd.DataFrame(freqs).to_csv(folder / "frequencies.txt", index=False)
    pd.DataFrame(trips).to_csv(folder / "trips.txt", index=False)
    pd.DataFrame(times).to_csv(folder / "stop_times.txt", index=False)
    return folder
