"""Build ``data/boundaries/subdistricts.geojson``: Qingdao's 街道/镇 clipped to the district land.

Source: the OpenStreetMap administrative relations in
``../shared/sources/osm-admin/qingdao_admin_osm.geojson`` (ODbL 1.0, "© OpenStreetMap
contributors"; see ``../shared/sources/README.md``): 135 relations of admin_level 8.

The rule, applied to each bundled district *D* of ``data/boundaries/districts.geojson``
(Amap-derived land polygons in WGS84) independently:

1. **Assignment.** Each OSM sub-district goes to the bundled district it overlaps most
   (areas in EPSG:4549).  The choice is checked against the OSM parent (the admin_level-6
   relation holding most of it; 370282, OSM's code of 即墨区, read as 370215) and, where
   the sub-district is tagged with a ``division_code``, against the code's first six
   digits.  A disagreement stops the build.
2. **Faces.** The boundary of *D* and the boundaries of its sub-districts are noded
   together on the 1e-7 degree grid of the output (GEOS snap-rounding) and polygonised.
   Every face inside *D* lies wholly inside one OSM sub-district of *D* (it belongs to it)
   or in none (a *leftover* face: land the offset OSM coast, or a stretch where OSM's
   district border differs from the bundled one, leaves uncovered).  Parts of an OSM
   sub-district outside *D* (sea beyond the bundled coast, or land of a neighbouring
   district) are dropped.
3. **Leftovers.** Each leftover face goes to the sub-district of *D* with which it shares
   the longest border (lengths in EPSG:4549); a face sharing no border of positive length
   (an islet) goes to the nearest sub-district of *D*.  Ties go to the lower OSM id.
4. Each sub-district is the coverage union of its faces, written as a MultiPolygon with
   7 decimals.  The build checks that the sub-districts of each district cover it without
   gaps or overlaps (planar areas in EPSG:4549, to 1 m² per district).

The faces share their edges exactly, so the layer is a topologically consistent
coverage of the districts.  No simplification is applied.

English names: the OSM ``name:en`` where tagged, otherwise Hanyu Pinyin of the specific
name (pypinyin, with the overrides below for readings it gets wrong) followed by
"Subdistrict" (街道) or "Town" (镇).

Usage: ``python scripts/build_subdistricts.py`` (needs ``pip install
"corridor-geo[build-data]"`` for pypinyin).  Deterministic: two runs give identical files.
It prints the figures recorded in ``data/boundaries/SOURCES.md``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from corridor_geo import official
from corridor_geo.crs import ANALYSIS_CRS, WGS84
from corridor_geo.io import write_vector_atomic

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "sources" / "osm-admin" / "qingdao_admin_osm.geojson"
OUT = ROOT / "data" / "boundaries"
POP = ROOT / "data" / "population"
PRECISION = 7
GRID = 10.0**-PRECISION
COVERAGE_TOLERANCE = 1e-6  # share of a district's area: snap-rounding to the grid
OSM_CODE_FIXES = {"370282": "370215"}  # 即墨市 became 即墨区 in 2017
SOURCE_TEXT = (
    "OpenStreetMap administrative relations (admin_level 8), via "
    "github.com/AngleYet/Qingdao-Transportation-Road-Map-Network layers/qing_dao_1.js "
    "@ 997e410; clipped to districts.geojson"
)
LICENCE = "ODbL 1.0, © OpenStreetMap contributors"
DATUM = "WGS84 as published by OSM; clipped to districts.geojson (WGS84, Amap-derived)"
ACCURACY = (
    "internal borders as OSM (generalised, tens of metres to a few hundred metres against "
    "the official cadastre); sea and outer land edges are the bundled districts' edges; "
    "land OSM leaves uncovered is given to a neighbouring sub-district (added_km2)"
)

# Readings pypinyin gets wrong for these place names (checked against the official
# romanisations where the places use them).
PINYIN_OVERRIDES = {
    "藏马": "Cangma",
    "铺集": "Puji",
    "泊里": "Boli",
    "大场": "Dachang",
    "长江路": "Changjianglu",
    "蓼兰": "Liaolan",
    "六汪": "Liuwang",
}


def _to_metric(geoms: np.ndarray) -> np.ndarray:
    tf = Transformer.from_crs(WGS84, ANALYSIS_CRS, always_xy=True)
    return shapely.transform(geoms, lambda xy: np.column_stack(tf.transform(xy[:, 0], xy[:, 1])))


def _kind(name: str) -> str:
    if name.endswith("街道"):
        return "街道"
    if name.endswith("镇"):
        return "镇"
    if name.endswith("自然保护区"):
        return "自然保护区"
    raise SystemExit(f"unknown kind of division: {name}")


def _name_en(name: str, tagged: object) -> str:
    kind = _kind(name)
    if isinstance(tagged, str) and tagged.strip():
        en = re.sub(r"\s+(Subdistrict|Town)$", "", tagged.strip())
    elif kind == "自然保护区":
        return "Lingshan Island Provincial Nature Reserve" if name.startswith("灵山岛") else name
    else:
        from pypinyin import lazy_pinyin

        stem = name[: -len(kind)]
        en = next((v for k, v in PINYIN_OVERRIDES.items() if stem == k), None)
        if en is None:
            syllables = lazy_pinyin(stem)
            # Pinyin orthography: an apostrophe before a syllable starting with a, o, e.
            en = syllables[0] + "".join(("'" if s[0] in "aoe" else "") + s for s in syllables[1:])
            en = en.capitalize()
    return f"{en} {'Subdistrict' if kind == '街道' else 'Town'}"


def _read_source() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    if not SOURCE.is_file():
        sys.exit(f"source missing: {SOURCE} (see ../shared/sources/README.md)")
    osm = gpd.read_file(SOURCE)
    osm["admin_level"] = osm["admin_level"].astype(str)
    subs = osm[osm["admin_level"] == "8"].copy()
    parents = osm[osm["admin_level"] == "6"].copy()
    subs["osm_id"] = subs["osm_id"].astype("int64")
    subs = subs.sort_values("osm_id").reset_index(drop=True)
    parents["code"] = parents["division_code"].astype(str).replace(OSM_CODE_FIXES)
    return subs, parents.reset_index(drop=True)


def _assign(subs: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, parents: gpd.GeoDataFrame):
    s_m = _to_metric(subs.geometry.values)
    d_m = _to_metric(districts.geometry.values)
    p_m = _to_metric(parents.geometry.values)
    overlap = np.array([[shapely.intersection(a, b).area for b in d_m] for a in s_m])
    parent = np.array([[shapely.intersection(a, b).area for b in p_m] for a in s_m])
    district = districts["code"].to_numpy()[overlap.argmax(axis=1)]
    osm_parent = parents["code"].to_numpy()[parent.argmax(axis=1)]
    tagged = subs["division_code"].astype("string").str.slice(0, 6).fillna("")
    bad = (district != osm_parent) | ((tagged != "") & (tagged.to_numpy() != district))
    if bad.any():
        sys.exit(f"assignment disagrees with OSM parents: {subs.loc[bad, 'name'].tolist()}")
    return district, osm_parent


def _faces(districts: gpd.GeoDataFrame, subs: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """All faces of the noded boundaries, and the district code of each ("" outside)."""
    lines = [*shapely.boundary(districts.geometry.values), *shapely.boundary(subs.geometry.values)]
    # Floating-point noding keeps every district edge exactly where it is, so each face
    # lies wholly inside or outside each district; the faces are rounded to the grid last.
    noded = shapely.union_all(lines)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    faces = faces[~shapely.is_empty(faces)]
    pts = shapely.point_on_surface(faces)
    owner = np.full(len(faces), "", dtype=object)
    for code, geom in zip(districts["code"], districts.geometry):
        owner[shapely.within(pts, geom)] = code
    return faces, owner


def build() -> pd.DataFrame:
    districts = gpd.read_file(OUT / "districts.geojson")
    subs, parents = _read_source()
    district, osm_parent = _assign(subs, districts, parents)
    subs["district_code"] = district
    subs["osm_parent_code"] = osm_parent
    rows, figures = [], []
    all_faces, face_district = _faces(districts, subs)
    for d_code, d_geom in zip(districts["code"], districts.geometry):
        mine = subs[subs["district_code"] == d_code]
        sub_geoms = list(mine.geometry.values)
        faces = all_faces[face_district == d_code]
        pts = shapely.point_on_surface(faces)
        owner = np.full(len(faces), -1)
        for k, g in enumerate(sub_geoms):
            hit = shapely.within(pts, g) & (owner < 0)
            owner[hit] = k
        # Leftover land: merged into connected parts (other districts' lines cut it).
        leftover = shapely.get_parts(shapely.coverage_union_all(faces[owner < 0]))
        faces = np.concatenate([faces[owner >= 0], leftover])
        owner = np.concatenate([owner[owner >= 0], np.full(len(leftover), -1)])
        faces_m = _to_metric(faces)
        piece = owner >= 0
        left = np.flatnonzero(~piece)
        tree = shapely.STRtree(faces_m[piece])
        piece_idx = np.flatnonzero(piece)
        ids = mine["osm_id"].to_numpy()
        final_owner = owner.copy()
        for f in left:
            cand = piece_idx[tree.query(faces_m[f], predicate="intersects")]
            shared: dict[int, float] = {}
            for c in cand:
                length = shapely.intersection(
                    shapely.boundary(faces_m[f]), shapely.boundary(faces_m[c])
                ).length
                shared[owner[c]] = shared.get(owner[c], 0.0) + length
            best = [(-v, ids[k], k) for k, v in shared.items() if v > 0]
            if best:
                final_owner[f] = min(best)[2]
            else:
                dist = {}
                for c in piece_idx:
                    dd = shapely.distance(faces_m[f], faces_m[c])
                    k = owner[c]
                    dist[k] = min(dist.get(k, np.inf), dd)
                final_owner[f] = min((v, ids[k], k) for k, v in dist.items())[2]
        areas_m = shapely.area(faces_m)
        osm_area = float(shapely.area(_to_metric(np.array(sub_geoms))).sum())
        geoms = []
        for k, (_, row) in enumerate(mine.iterrows()):
            g = shapely.coverage_union_all(faces[final_owner == k])
            g = shapely.set_precision(g, GRID)
            if g.geom_type == "Polygon":
                g = shapely.MultiPolygon([g])
            geoms.append(g)
            added = float(areas_m[(final_owner == k) & ~piece].sum()) / 1e6
            rows.append(
                {
                    "key": f"{d_code}/{row['name']}",
                    "code": (
                        row["division_code"] if isinstance(row["division_code"], str) else None
                    ),
                    "name_zh": row["name"],
                    "name_en": _name_en(row["name"], row.get("name:en")),
                    "kind": _kind(row["name"]),
                    "district_code": d_code,
                    "district_zh": official.DISTRICTS[d_code][0],
                    "osm_id": int(row["osm_id"]),
                    "osm_parent_code": row["osm_parent_code"],
                    "added_km2": round(added, 4),
                    "geometry": g,
                }
            )
        geoms_m = _to_metric(np.array(geoms))
        union = shapely.union_all(geoms_m)
        d_m = _to_metric(np.array([d_geom]))[0]
        overlap = float(shapely.area(geoms_m).sum() - union.area)
        gap = float(shapely.difference(d_m, union).area)
        spill = float(shapely.difference(union, d_m).area)
        if max(abs(overlap), gap, spill) > COVERAGE_TOLERANCE * d_m.area:
            sys.exit(f"{d_code}: coverage broken (overlap {overlap}, gap {gap}, spill {spill})")
        kept = float(areas_m[piece].sum())
        moved = float(areas_m[~piece].sum())
        figures.append(
            {
                "district": f"{d_code} {official.DISTRICTS[d_code][0]}",
                "sub-districts": len(mine),
                "land km²": round(d_m.area / 1e6, 2),
                "from OSM km²": round(kept / 1e6, 2),
                "given from leftovers km²": round(moved / 1e6, 2),
                "moved %": round(100 * moved / d_m.area, 2),
                "leftover parts": len(left),
                "OSM dropped km²": round((osm_area - kept) / 1e6, 2),
                "gap m²": round(gap, 1),
                "spill m²": round(spill, 1),
                "overlap m²": round(max(overlap, 0.0), 1),
            }
        )
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
    out["status"] = "indicative"
    out["source"] = SOURCE_TEXT
    out["licence"] = LICENCE
    out["datum"] = DATUM
    out["method"] = (
        "OSM sub-district assigned to the bundled district it overlaps most (checked "
        "against the OSM parent), clipped to that district's land; land left uncovered "
        "given to the sub-district sharing the longest border (islets: the nearest)"
    )
    out["accuracy"] = ACCURACY
    out = out.sort_values(["district_code", "key"], kind="stable").reset_index(drop=True)
    cols = [c for c in out.columns if c != "geometry"] + ["geometry"]
    write_vector_atomic(out[cols], OUT / "subdistricts.geojson", precision=PRECISION)
    table = pd.DataFrame(figures)
    total = table.select_dtypes("number").sum()
    total["moved %"] = round(100 * total["given from leftovers km²"] / total["land km²"], 2)
    table.loc[len(table)] = {"district": "total", **total.to_dict()}
    return table


# Sub-district counts of the 2020 census from citable sources: key -> (population, source).
# None were found (see data/population/SOURCES.md for what was searched); every row is
# then estimated from its district total.  Add counted rows here, with their source.
CITED: dict[str, tuple[int, str]] = {}


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` that add up to ``total`` exactly."""
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(int)
    order = np.lexsort((np.arange(len(raw)), -(raw - out)))
    out[order[: total - out.sum()]] += 1
    return out


def build_population() -> pd.DataFrame:
    """Write ``data/population/census_2020_subdistricts.csv``; return the district check."""
    from corridor_geo.crs import geodesic_area

    subs = gpd.read_file(OUT / "subdistricts.geojson")
    subs["area_km2"] = geodesic_area(subs).to_numpy() / 1e6
    districts = pd.read_csv(POP / "census_2020_districts.csv", dtype={"code": str})
    totals = dict(zip(districts["code"], districts["population"].astype(int)))
    rows, check = [], []
    for d_code, part in subs.groupby("district_code", sort=True):
        total = totals[d_code]
        cited = part["key"].isin(CITED).to_numpy()
        counted = sum(CITED[k][0] for k in part.loc[cited, "key"])
        rest = _largest_remainder(total - counted, part.loc[~cited, "area_km2"].to_numpy())
        pops = np.zeros(len(part), dtype=int)
        pops[cited] = [CITED[k][0] for k in part.loc[cited, "key"]]
        pops[~cited] = rest
        for (_, r), pop, is_cited in zip(part.iterrows(), pops, cited):
            rows.append(
                {
                    "key": r["key"],
                    "code": r["code"],
                    "name_zh": r["name_zh"],
                    "name_en": r["name_en"],
                    "kind": r["kind"],
                    "district_code": d_code,
                    "population": int(pop),
                    "status": "census" if is_cited else "estimated",
                    "year": 2020,
                    "reference_date": "2020-11-01",
                    "method": (
                        "census count as published"
                        if is_cited
                        else "district census total (less any counted sub-districts) spread "
                        "by land area of subdistricts.geojson, largest-remainder rounding"
                    ),
                    "source": (
                        CITED[r["key"]][1]
                        if is_cited
                        else f"estimated from S1 (district total {total}) and "
                        "boundaries/subdistricts.geojson"
                    ),
                }
            )
        check.append(
            {
                "district": f"{d_code} {official.DISTRICTS[d_code][0]}",
                "counted": int(cited.sum()),
                "estimated": int((~cited).sum()),
                "sum of sub-districts": int(pops.sum()),
                "district total (S1)": total,
                "difference": int(pops.sum()) - total,
            }
        )
    table = pd.DataFrame(rows)
    tmp = POP / "census_2020_subdistricts.csv.tmp"
    table.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    tmp.replace(POP / "census_2020_subdistricts.csv")
    return pd.DataFrame(check)


def main() -> int:
    table = build()
    print(table.to_string(index=False))
    print()
    print(build_population().to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
