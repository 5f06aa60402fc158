"""Categories and shared helpers of the online place sources (private).

OpenStreetMap and Amap know kinds of place that the plan's registry
(``data/indicators/categories.csv``) does not list: hospitals, schools, metro stations
and laboratories whose level (national, state key, provincial...) the source does not
say.  :func:`place_registry` adds them with
:func:`corridor_geo.resources.extend_categories`; none counts towards a plan target.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from .._errors import GeometryError, InputError
from ..crs import ANALYSIS_CRS, datum_of, to_analysis_crs, to_datum

__all__ = ["EXTRA_CATEGORIES", "place_registry", "zone_polygon"]

EXTRA_CATEGORIES: tuple[dict[str, str], ...] = (
    {
        "key": "hospital",
        "name_zh": "医院",
        "name_en": "Hospital",
        "aliases": "医院|综合医院|专科医院|三级甲等医院|卫生院|hospital",
        "targets": "",
    },
    {
        "key": "school",
        "name_zh": "中小学",
        "name_en": "School",
        "aliases": "中小学|学校|中学|小学|职业技术学校|school",
        "targets": "",
    },
    {
        "key": "metro_station",
        "name_zh": "地铁站",
        "name_en": "Metro station",
        "aliases": "地铁站|轨道交通站|metro station|subway station",
        "targets": "",
    },
    {
        "key": "laboratory",
        "name_zh": "实验室(级别未知)",
        "name_en": "Laboratory (level not stated)",
        "aliases": "实验室|laboratory",
        "targets": "",
    },
)
"""Categories added for online places (hospital, school, metro_station, laboratory)."""


def place_registry(base: pd.DataFrame | None = None) -> pd.DataFrame:
    """The category registry with :data:`EXTRA_CATEGORIES` added (``base`` untouched).

    Examples
    --------
    >>> reg = place_registry().set_index("key")
    >>> reg.loc["metro_station", "name_zh"], reg.loc["hospital", "targets"]
    ('地铁站', '')
    """
    from ..resources import category_registry, extend_categories

    reg = category_registry() if base is None else category_registry(base)
    missing = [c for c in EXTRA_CATEGORIES if c["key"] not in set(reg["key"])]
    return extend_categories(missing, base=reg) if missing else reg


def zone_polygon(where: Any, *, zone: str, buffer_m: float) -> Any:
    """One WGS84 (Multi)Polygon: a layout's zone or any polygons, buffered in metres.

    ``where`` is a CorridorLayout (``zone`` names a layer, optionally ``"layer:value"``
    picking rows whose ``key``, ``code``, ``name_zh`` or ``name_en`` equals the value),
    a GeoDataFrame/GeoSeries of polygons with a CRS, or ``None`` for the bundled layout.
    """
    if buffer_m < 0:
        raise InputError(f"buffer_m must be >= 0, got {buffer_m}")
    if where is None or hasattr(where, "layers"):
        from ..layout import load_layout

        layout = load_layout() if where is None else where
        layer, _, value = str(zone).partition(":")
        if layer not in layout.layers:
            raise InputError(
                f"zone {zone!r}: the layout has no layer {layer!r}; use one of "
                f"{', '.join(sorted(layout.layers))}, optionally 'layer:value' "
                "(e.g. 'cities:ocean', 'districts:崂山区')"
            )
        frame = layout[layer]
        if value:
            hit = pd.Series(False, index=frame.index)
            for col in ("key", "code", "name_zh", "name_en"):
                if col in frame.columns:
                    hit |= frame[col].astype(str) == value
            if not hit.any():
                raise InputError(f"zone {zone!r}: no row of layer {layer!r} is named {value!r}")
            frame = frame.loc[hit]
    elif isinstance(where, (gpd.GeoDataFrame, gpd.GeoSeries)):
        frame = where
    elif isinstance(where, shapely.Geometry):
        raise InputError(
            "a bare shapely polygon has no CRS: pass gpd.GeoSeries([polygon], crs=...) "
            "(EPSG:4326 for longitude/latitude, or 'GCJ02' through corridor_geo.crs.set_datum)"
        )
    else:
        raise InputError(
            f"expected a CorridorLayout or a GeoDataFrame/GeoSeries of polygons, got "
            f"{type(where).__name__}"
        )
    datum_of(frame)  # raises MissingCRSError when the CRS is missing
    metric = shapely.union_all(to_analysis_crs(frame).geometry.values)
    if metric.is_empty or shapely.get_dimensions(metric) != 2:
        raise GeometryError("the area must be made of polygons")
    if buffer_m > 0:
        metric = shapely.buffer(metric, buffer_m)
    return to_datum(gpd.GeoSeries([metric], crs=ANALYSIS_CRS), "WGS84").iloc[0]
