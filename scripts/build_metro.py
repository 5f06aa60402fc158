"""Rebuild Qingdao's bundled metro network in ``data/metro/`` from its sources.

Sources (local copies the user made; see ``data/metro/SOURCES.md`` for how to get them):

``--network``
    ``L2/Qingdao-L.json`` of the East Asian metro dataset (GitHub
    ``hanyuchengatdelft/east-asian-metro-dataset``, CC BY 4.0): 177 stations in WGS84 and
    376 directed links with the average in-vehicle time in seconds and the route id.
``--routes``
    ``data/route_information.csv`` of the same repository: line names and the published
    frequency of every route (only the Qingdao rows are read).
``--frequencies``
    ``data/route_frequency_sources.csv`` of the same repository: peak and off-peak headways
    and the statements they were read from (only the Qingdao rows are read).
``--palette``
    ``public/resources/palettes/qingdao.json`` of ``railmapgen/rmg-palette``: the line
    colours of Qingdao Metro.

Outputs: ``stations.csv``, ``links.csv``, ``lines.csv`` and ``metadata.json`` in
``data/metro/``.  ``SOURCES.md`` beside them is written by hand.  Coordinates keep 7
decimals (about 1 cm), lengths are geodesic on the WGS 84 ellipsoid.  Files are written
atomically (temporary file, then rename); two runs give identical files.

Usage::

    python scripts/build_metro.py --network Qingdao-L.json \\
        --routes route_information.csv --frequencies route_frequency_sources.csv \\
        --palette qingdao.json
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
from pathlib import Path

import pandas as pd
from pyproj import Geod

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "metro"
PRECISION = 7
GEOD = Geod(ellps="WGS84")

REPOSITORY = "https://github.com/hanyuchengatdelft/east-asian-metro-dataset"
NETWORK_COMMIT = "cc26f1b7c0db57492b78f98d5365891d5922f214"
ROUTES_COMMIT = "15128330872ccb683a4ebef7eadbdc091e76b658"
FREQUENCIES_COMMIT = "27b1475cfc4ceec36c806a8699587bbece9cff4e"
# sha256 of L2/Qingdao-L.json as published in the repository's MANIFEST.csv (commit above).
NETWORK_SHA256 = "64259cc1ff15ca3f57a300a24495982403f5462e7d0a93250c802da427c6d32a"
PALETTE_SOURCE = (
    "railmapgen/rmg-palette@00a5aa2ed1ffbb47a20d07875e7bc358bae7e963:"
    "public/resources/palettes/qingdao.json"
)
# Largest disagreement with Amap's subway map (GCJ-02, converted), measured in
# tests/test_metro.py and described in SOURCES.md: the median is under 2 m, hubs reach 201 m.
STATION_ACCURACY_M = 200
ATTRIBUTION = (
    "Qingdao metro network: Cheng, H., Verma, R., Cats, O. Accessibility of East Asian "
    "metro systems: networks, service attributes and provenance. Delft University of "
    "Technology. East Asian metro dataset, " + REPOSITORY + ", licensed CC BY 4.0 "
    "(https://creativecommons.org/licenses/by/4.0/); station names cleaned, route 7 "
    "relabelled Line 8, lengths computed by corridor_geo."
)

# Line reference (the number on the operator's signs) of each route name in the register.
LINE_REF = {
    "1号线": "1",
    "2号线": "2",
    "3号线": "3",
    "4号线": "4",
    "6号线": "6",
    "8号线": "8",
    "蓝谷快线": "11",
    "西海岸快线": "13",
}

# Route 7 (青岛北站-曲戈庄-闫家山-南昌路北-嘉定山-西吴家村-澳柯玛桥-五四广场) is registered as
# "3号线" with assignment_confidence "low".  It shares only its two end stations with Line 3
# (route 3) and is the southern section of Line 8: "8号线南段(二期)起于青岛北站,终止五四广场站
# ... 青岛北站,曲戈庄站,闫家山站,东山公园站,嘉定山站,鞍山路站,澳柯玛桥站,五四广场站"
# (https://3dmxku.com/daquan/zonghe/3787778.html, planning names) and "8号线 ... 过海至青岛北站
# 枢纽,然后经沧口机场沿周口路、南昌路、山东路至香港路五四广场站" (http://qd.bendibao.com/ditie/xl_547.shtml).
CORRECTIONS = {
    "7": {
        "name_zh": "8号线",
        "name_en": "Line 8",
        "name_note": (
            "registered as 3号线 (assignment confidence low); relabelled Line 8 (southern "
            "section): its stations are those of Line 8's southern section, see SOURCES.md"
        ),
        "frequency_note": (
            "frequency of Line 3 carried over by the register's low-confidence name; no "
            "published figure for this section was found"
        ),
    }
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(tmp, path)


def _csv_text(frame: pd.DataFrame) -> str:
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def clean_name(raw: str) -> str:
    """Station name without Amap's search decorations: ``青岛X(地铁站)`` -> ``X``."""
    name = raw.removesuffix("(地铁站)")
    return name.removeprefix("青岛") if name.startswith("青岛") else name


def read_network(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    nodes = pd.DataFrame(data["nodes"]).set_index("id", drop=False)
    rows = []
    for link in data["links"]:
        directions = list(link["direction_id"])
        if len(directions) != 1:
            sys.exit(f"link {link['source']}->{link['target']} has directions {directions}")
        # A link served by several routes becomes one row per route (parallel edges).
        for route in sorted(link["route_I_counts"], key=int):
            rows.append(
                {
                    "u": int(link["source"]),
                    "v": int(link["target"]),
                    "route_id": str(route),
                    "direction_id": int(directions[0]),
                    "travel_time_s": float(link["duration_avg"]),
                }
            )
    return nodes, pd.DataFrame(rows), data.get("graph", {})


def route_sequence(links: pd.DataFrame, route: str) -> list[int]:
    """Stations of ``route`` in the order of its direction-0 links."""
    fw = links[(links["route_id"] == route) & (links["direction_id"] == 0)]
    nxt = dict(zip(fw["u"], fw["v"]))
    if len(nxt) != len(fw):
        sys.exit(f"route {route} branches: a station has two direction-0 successors")
    starts = set(nxt) - set(nxt.values())
    if len(starts) != 1:
        sys.exit(f"route {route} is not a simple path (starts: {sorted(starts)})")
    seq = [starts.pop()]
    while seq[-1] in nxt:
        seq.append(nxt[seq[-1]])
    if len(seq) != len(fw) + 1:
        sys.exit(f"route {route}: direction-0 links do not form one path")
    return seq


def build(network: Path, routes: Path, frequencies: Path, palette: Path) -> None:
    sha = _sha256(network)
    if sha != NETWORK_SHA256:
        print(
            f"warning: {network} differs from the published file (sha256 {sha}); "
            "the metadata records the sha256 of the file used",
            file=sys.stderr,
        )
    nodes, links, graph_meta = read_network(network)

    lengths = GEOD.inv(
        nodes.loc[links["u"], "lon"].to_numpy(),
        nodes.loc[links["u"], "lat"].to_numpy(),
        nodes.loc[links["v"], "lon"].to_numpy(),
        nodes.loc[links["v"], "lat"].to_numpy(),
    )[2]
    links["length_m"] = [round(float(x), 1) for x in lengths]
    links = links.sort_values(["route_id", "direction_id", "u", "v"], key=_route_key)
    links = links.reset_index(drop=True)

    reg = pd.read_csv(routes, dtype=str, keep_default_na=False)
    reg = reg[reg["city"] == "Qingdao"].set_index("route_id")
    freq = pd.read_csv(frequencies, dtype=str, keep_default_na=False)
    freq = freq[freq["city"] == "Qingdao"].set_index("route_id")
    colours = {
        e["id"].removeprefix("qd"): e["colour"].upper()
        for e in json.loads(palette.read_text(encoding="utf-8"))
    }

    route_ids = sorted(links["route_id"].unique(), key=int)
    missing = [r for r in route_ids if r not in reg.index or r not in freq.index]
    if missing:
        sys.exit(f"routes {missing} are not in the route tables")

    line_rows = []
    station_routes: dict[int, list[str]] = {}
    for route in route_ids:
        seq = route_sequence(links, route)
        for s in seq:
            station_routes.setdefault(s, []).append(route)
        fw = links[(links["route_id"] == route) & (links["direction_id"] == 0)]
        r = reg.loc[route]
        f = freq.loc[route]
        fix = CORRECTIONS.get(route, {})
        name_zh = fix.get("name_zh", r["Line name (local language)"])
        ref = LINE_REF[name_zh]
        tph = float(r["trains_per_hour"])
        names = nodes.loc[seq, "name"].map(clean_name).tolist()
        line_rows.append(
            {
                "route_id": route,
                "line": ref,
                "name_zh": name_zh,
                "name_en": fix.get("name_en", r["Line name (English)"]),
                "termini": f"{names[0]}–{names[-1]}",
                "colour": colours[ref],
                "n_stations": len(seq),
                "stations": "|".join(str(s) for s in seq),
                "length_m": round(float(fw["length_m"].sum()), 1),
                "running_time_s": float(fw["travel_time_s"].sum()),
                "trains_per_hour": tph,
                "headway_min": round(60.0 / tph, 2),
                "peak_headway_min": float(f["published_peak_headway_min"]),
                "offpeak_headway_min": float(f["published_offpeak_headway_min"]),
                "frequency_basis": f["basis"],
                "frequency_sources": f["urls"],
                "frequency_note": fix.get("frequency_note", ""),
                "name_note": fix.get("name_note", ""),
                "operator": r["operator"],
                "technology": r["technology"],
                "colour_source": PALETTE_SOURCE.split(":")[0],
                "source": (
                    f"east-asian-metro-dataset data/route_information.csv@{ROUTES_COMMIT[:7]}"
                ),
                "licence": "CC BY 4.0",
            }
        )
    lines = pd.DataFrame(line_rows)
    unserved = sorted(set(nodes["id"]) - set(station_routes))
    if unserved:
        sys.exit(f"stations {unserved} are served by no route")

    ref_of = dict(zip(lines["route_id"], lines["line"]))
    stations = pd.DataFrame(
        {
            "station_id": nodes["id"].astype(int),
            "name_zh": nodes["name"].map(clean_name),
            "source_name": nodes["name"],
            "lon": nodes["lon"].round(PRECISION),
            "lat": nodes["lat"].round(PRECISION),
            "lines": [
                "|".join(dict.fromkeys(ref_of[r] for r in station_routes[i])) for i in nodes["id"]
            ],
            "route_ids": ["|".join(station_routes[i]) for i in nodes["id"]],
            "datum": "WGS84",
            "accuracy_m": STATION_ACCURACY_M,
            "source": f"east-asian-metro-dataset L2/Qingdao-L.json@{NETWORK_COMMIT[:7]}",
            "licence": "CC BY 4.0",
        }
    )
    if stations["name_zh"].duplicated().any():
        sys.exit("two stations share a name after cleaning")

    metadata = {
        "title": "Qingdao metro network (L-space)",
        "attribution": ATTRIBUTION,
        "licence": "CC BY 4.0",
        "licence_url": "https://creativecommons.org/licenses/by/4.0/",
        "source": REPOSITORY,
        "source_files": {
            "network": f"L2/Qingdao-L.json@{NETWORK_COMMIT}",
            "routes": f"data/route_information.csv@{ROUTES_COMMIT}",
            "frequencies": f"data/route_frequency_sources.csv@{FREQUENCIES_COMMIT}",
            "colours": PALETTE_SOURCE,
        },
        "network_sha256": sha,
        "frozen_on": graph_meta.get("freeze", {}).get("frozen_on", ""),
        "reference_date": "2025-09-24",
        "datum": "WGS84",
        "stations": len(stations),
        "links": len(links),
        "routes": len(lines),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    _write_atomic(OUT / "stations.csv", _csv_text(stations))
    _write_atomic(OUT / "links.csv", _csv_text(links))
    _write_atomic(OUT / "lines.csv", _csv_text(lines))
    _write_atomic(OUT / "metadata.json", json.dumps(metadata, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {len(stations)} stations, {len(links)} links, {len(lines)} routes to {OUT}")


def _route_key(col: pd.Series) -> pd.Series:
    return col.astype(int) if col.name == "route_id" else col


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--network", type=Path, required=True, help="L2/Qingdao-L.json")
    parser.add_argument("--routes", type=Path, required=True, help="route_information.csv")
    parser.add_argument(
        "--frequencies", type=Path, required=True, help="route_frequency_sources.csv"
    )
    parser.add_argument("--palette", type=Path, required=True, help="rmg-palette qingdao.json")
    args = parser.parse_args(argv)
    for path in (args.network, args.routes, args.frequencies, args.palette):
        if not path.is_file():
            sys.exit(f"no such file: {path}")
    build(args.network, args.routes, args.frequencies, args.palette)


if __name__ == "__main__":
    main()
