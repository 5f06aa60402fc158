"""Resources: reading and validating what planners actually have.

Planners hold lists of laboratories, institutes, firms, talent and patent counts as
spreadsheets exported by Chinese offices (CSV in UTF-8 or GBK, XLSX), as GIS files, or as
DataFrames, with coordinates picked from Amap (GCJ-02), Baidu (BD-09) or a GPS (WGS84).
:func:`read_resources` turns any of them into a WGS84 GeoDataFrame of points, one per
resource, and accounts for every row: each is accepted or rejected with a reason, and
``accepted + rejected = rows read``.

Categories follow the plan and live in a registry that is data
(``data/indicators/categories.csv``, see :func:`category_registry`): Chinese and English
names, accepted spellings, whether a row is one entity (a laboratory) or carries a count
(patents, people) in its weight, and which of the plan's targets it counts towards.

Rules applied to every row, all reasons reported (joined with ``"; "``):

* coordinates missing, empty or not numbers -> rejected;
* the point is outside Qingdao (the ``city`` layer, optionally widened by
  ``tolerance_m`` for facilities at sea) -> rejected, and if swapping longitude and
  latitude would put it inside, the reason says so (``fix_swapped=True`` swaps instead);
* an id repeats an earlier row's id -> the later row is rejected;
* the category is missing or not in the registry -> rejected;
* the weight is missing, not a number, negative or infinite -> rejected.

Data labelled WGS84 that looks like GCJ-02 (many points just off the east-facing coast
that land ashore when read as GCJ-02, or named points that match a reference far better
as GCJ-02) raise a :class:`~corridor_geo.DatumMislabelWarning` saying how to declare it.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import datasets
from ._errors import DatumMislabelWarning, InputError, MissingCRSError
from .crs import (
    ANALYSIS_CRS,
    WGS84,
    datum_of,
    normalize_datum,
    set_datum,
    to_datum,
    transform_coords,
)

__all__ = [
    "ResourceTable",
    "as_points",
    "category_registry",
    "extend_categories",
    "institution_register",
    "read_resources",
    "sample_resources",
    "synthetic_resources",
    "target_categories",
]

log = logging.getLogger(__name__)

LON_NAMES = ("lon", "lng", "longitude", "经度", "x", "gcj_lon", "wgs_lon", "bd_lon")
LAT_NAMES = ("lat", "latitude", "纬度", "y", "gcj_lat", "wgs_lat", "bd_lat")
CATEGORY_NAMES = ("category", "类别", "类型", "资源类别", "type", "kind")
NAME_NAMES = ("name", "名称", "机构名称", "单位名称", "name_zh")
REGISTRY_COLUMNS = ("key", "name_zh", "name_en", "aliases", "kind", "targets")
STATUS_SAMPLE = "sample"
STATUS_SYNTHETIC = "synthetic"
STATUS_USER = "user-supplied"
STATUS_REGISTER = "register"


# --------------------------------------------------------------------------------------
# Category registry
# --------------------------------------------------------------------------------------
def category_registry(source: str | os.PathLike[str] | pd.DataFrame | None = None) -> pd.DataFrame:
    """The resource category registry: names, spellings, kind and targets, as a table.

    Parameters
    ----------
    source : path or DataFrame, optional
        A registry of your own with the columns ``key``, ``name_zh``, ``name_en``,
        ``aliases`` (``|``-separated), ``kind`` (``"entity"`` or ``"count"``) and
        ``targets`` (``|``-separated target keys, may be empty).  Defaults to the bundled
        ``categories.csv`` (see ``corridor_geo.datasets.get_path("indicators/SOURCES.md")``).

    Returns
    -------
    DataFrame
        One row per category, validated (unique keys, known kinds, no spelling shared
        by two categories).

    Examples
    --------
    >>> reg = category_registry()
    >>> reg.set_index("key").loc["new_rd_institution", "name_zh"]
    '新型研发机构'
    >>> sorted(target_categories("key_resources_share"))[:2]
    ['national_lab', 'new_rd_institution']
    """
    if source is None:
        table = pd.read_csv(datasets.get_path("categories.csv"), dtype=str, keep_default_na=False)
    elif isinstance(source, pd.DataFrame):
        table = source.copy()
    else:
        path = Path(source)
        if not path.is_file():
            raise InputError(f"category registry: no such file {str(path)!r}")
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in REGISTRY_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(
            f"the category registry is missing the column(s) {missing}; it needs "
            f"{', '.join(REGISTRY_COLUMNS)}"
        )
    table = table.fillna("")
    for col in REGISTRY_COLUMNS:
        table[col] = table[col].astype(str).str.strip()
    if (table["key"] == "").any() or table["key"].duplicated().any():
        dup = sorted(set(table.loc[table["key"].duplicated(), "key"]))
        raise InputError(f"category keys must be present and unique; repeated: {dup}")
    bad_kind = sorted(set(table["kind"]) - {"entity", "count"})
    if bad_kind:
        raise InputError(f"category kind must be 'entity' or 'count', got {bad_kind}")
    _lookup(table)  # raises on ambiguous spellings
    return table.reset_index(drop=True)


def extend_categories(
    rows: Iterable[Mapping[str, Any]] | pd.DataFrame, *, base: pd.DataFrame | None = None
) -> pd.DataFrame:
    """A registry with more categories (or replaced ones, by key).

    Parameters
    ----------
    rows : iterable of mappings or DataFrame
        New categories with at least ``key``, ``name_zh`` and ``name_en``; ``aliases``,
        ``kind`` (default ``"entity"``) and ``targets`` are optional.
    base : DataFrame, optional
        The registry to extend; the bundled one by default.

    Returns
    -------
    DataFrame
        A new, validated registry; ``base`` is not modified.

    Examples
    --------
    >>> reg = extend_categories([{"key": "pilot_base", "name_zh": "中试基地",
    ...                            "name_en": "Pilot-scale base"}])
    >>> reg.set_index("key").loc["pilot_base", "kind"]
    'entity'
    """
    base = category_registry() if base is None else category_registry(base)
    new = pd.DataFrame(list(rows) if not isinstance(rows, pd.DataFrame) else rows)
    for col, default in (("aliases", ""), ("kind", "entity"), ("targets", "")):
        if col not in new.columns:
            new[col] = default
    new = new.fillna("")
    kept = base.loc[~base["key"].isin(new["key"].astype(str))]
    return category_registry(pd.concat([kept, new], ignore_index=True))


def target_categories(target: str, registry: pd.DataFrame | None = None) -> list[str]:
    """Keys of the categories that count towards a target (as the registry says).

    Examples
    --------
    >>> target_categories("high_tech_enterprise_growth")
    ['high_tech_enterprise']
    """
    reg = category_registry(registry)
    return [
        k
        for k, t in zip(reg["key"], reg["targets"])
        if target in [s.strip() for s in t.split("|") if s.strip()]
    ]


def _norm_name(value: Any) -> str:
    return "".join(str(value).split()).lower()


def _lookup(registry: pd.DataFrame) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for row in registry.itertuples():
        names = {row.key, row.name_zh, row.name_en, *str(row.aliases).split("|")}
        for name in names:
            n = _norm_name(name)
            if not n:
                continue
            if lookup.get(n, row.key) != row.key:
                raise InputError(
                    f"the category registry gives the spelling {name!r} to both "
                    f"{lookup[n]!r} and {row.key!r}"
                )
            lookup[n] = row.key
    return lookup


# --------------------------------------------------------------------------------------
# The result of reading
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ResourceTable:
    """What :func:`read_resources` read: accepted points, rejected rows and provenance.

    Attributes
    ----------
    accepted : GeoDataFrame
        One point per accepted row, WGS84, with ``source_row`` (1-based data row of
        the source; a CSV's line number is one more, for its header), ``id``,
        ``name``, ``category`` (registry key), ``category_zh``, ``category_en``,
        ``category_source``, ``weight``, ``status``, ``lon_source``, ``lat_source``,
        ``datum_source`` and the source's other columns.
    rejected : DataFrame
        The rejected rows as read, with ``source_row`` and ``reason``.
    n_read : int
        Rows read; always ``len(accepted) + len(rejected)``.
    source : str
        What was read (a path or a description).
    encoding : str or None
        The text encoding used for a CSV.
    notes : tuple of str
        Notes of the reading (datum conversions, swaps fixed, warnings raised).
    """

    accepted: gpd.GeoDataFrame
    rejected: pd.DataFrame
    n_read: int
    source: str
    encoding: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if len(self.accepted) + len(self.rejected) != self.n_read:  # pragma: no cover
            raise AssertionError("accepted + rejected must equal the rows read")

    def summary(self) -> str:
        """A short text: rows read, accepted, rejected by reason, counts by category.

        Examples
        --------
        >>> print(sample_resources().summary().splitlines()[0])
        5 rows read from resources_sample.csv: 5 accepted, 0 rejected
        """
        name = Path(self.source).name if os.sep in self.source else self.source
        lines = [
            f"{self.n_read} rows read from {name}: {len(self.accepted)} accepted, "
            f"{len(self.rejected)} rejected"
        ]
        if len(self.rejected):
            reasons = self.rejected["reason"].str.split("; ").explode()
            reasons = reasons.str.replace(r"\s*\(.*$|:.*$", "", regex=True)
            for reason, n in reasons.value_counts().items():
                lines.append(f"  rejected: {n} x {reason}")
        if len(self.accepted):
            counts = self.accepted.groupby("category_zh", sort=True).size()
            lines.append(
                "  accepted by category: " + ", ".join(f"{k} {v}" for k, v in counts.items())
            )
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        first = self.summary().splitlines()[0]
        return f"<ResourceTable: {first}>"

    def _repr_html_(self) -> str:
        """Jupyter display: the summary, then the first rejected rows."""
        from .maps import esc

        head = "".join(f"<div>{esc(line)}</div>" for line in self.summary().splitlines())
        rejected = ""
        if len(self.rejected):
            rejected = "<p>rejected rows:</p>" + self.rejected.head(10).to_html(escape=True)
        return f"<div>{head}{rejected}</div>"

    def explore(self, layout: Any = None, **kwargs: Any):
        """A folium map of the accepted resources over the layout.

        Parameters
        ----------
        layout : CorridorLayout, optional
            Defaults to :func:`corridor_geo.load_layout`.
        **kwargs
            Passed to :func:`corridor_geo.maps.explore_layout` (``basemap``, ``lang``...).

        Examples
        --------
        >>> m = sample_resources().explore(basemap="blank")
        >>> "resources" in m.get_root().render()
        True
        """
        from .layout import load_layout
        from .maps import add_points, explore_layout

        layout = layout if layout is not None else load_layout()
        m = explore_layout(layout, **kwargs)
        popup = [
            c
            for c in ("name", "category_zh", "category_en", "weight", "status")
            if c in self.accepted.columns
        ]
        label = "name" if "name" in self.accepted.columns else None
        return add_points(
            m, self.accepted, name="resources", label_column=label, popup_columns=popup
        )


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------
_VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".zip", ".fgb", ".kml"}


def _read_csv(path: Path, encoding: str | None) -> tuple[pd.DataFrame, str]:
    tried = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    last: Exception | None = None
    for enc in tried:
        try:
            return pd.read_csv(path, dtype=str, encoding=enc, keep_default_na=False), enc
        except UnicodeDecodeError as exc:
            last = exc
    raise InputError(
        f"cannot decode {path.name!r} as {' or '.join(tried)}: pass encoding='...' "
        f"(e.g. 'gbk', 'big5'); {last}"
    )


def _read_source(
    source: Any, *, encoding: str | None, sheet: str | int, layer: str | None
) -> tuple[pd.DataFrame | gpd.GeoDataFrame, str, str | None]:
    if isinstance(source, gpd.GeoDataFrame):
        return source.copy(), "GeoDataFrame supplied by the caller", None
    if isinstance(source, pd.DataFrame):
        return source.copy(), "DataFrame supplied by the caller", None
    if not isinstance(source, (str, os.PathLike)):
        raise InputError(
            "read_resources reads a path (CSV, XLSX, GeoJSON, GeoPackage, Shapefile), a "
            f"DataFrame or a GeoDataFrame, got {type(source).__name__}"
        )
    path = Path(source)
    if not path.is_file():
        raise InputError(f"no such file: {str(path)!r}")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        table, enc = _read_csv(path, encoding)
        return table, str(path), enc
    if suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            table = pd.read_excel(path, sheet_name=sheet, dtype=object)
        except Exception as exc:
            raise InputError(f"cannot read {path.name!r} as a spreadsheet: {exc}") from exc
        return table, str(path), None
    if suffix in _VECTOR_SUFFIXES:
        kwargs: dict[str, Any] = {"layer": layer} if layer is not None else {}
        if encoding:
            kwargs["encoding"] = encoding
        try:
            frame = gpd.read_file(path, **kwargs)
        except Exception as exc:
            raise InputError(f"cannot read {path.name!r} as a vector file: {exc}") from exc
        return frame, str(path), encoding
    raise InputError(
        f"{path.name!r}: unknown file type {suffix!r}; use .csv, .xlsx, .geojson, .gpkg or .shp"
    )


def _find_column(table: pd.DataFrame, given: str | None, names: tuple[str, ...], what: str) -> str:
    if given is not None:
        if given not in table.columns:
            raise InputError(
                f"no column {given!r} for the {what}; the table has "
                f"{', '.join(map(repr, map(str, table.columns)))}"
            )
        return given
    lowered = {str(c).strip().lower(): c for c in table.columns}
    for name in names:
        if name in lowered:
            return lowered[name]
    raise InputError(
        f"cannot tell which column holds the {what}: name it (e.g. "
        f"{'lon' if what == 'longitude' else 'lat' if what == 'latitude' else 'category'}"
        f"='...'); the table has {', '.join(map(repr, map(str, table.columns)))}"
    )


def _to_float(values: pd.Series) -> np.ndarray:
    return np.array(pd.to_numeric(values, errors="coerce"), dtype=float)


def _infer_types(table: pd.DataFrame, skip: set[str]) -> pd.DataFrame:
    out = table.copy()
    for col in out.columns:
        if col in skip or not (out[col].dtype == object or pd.api.types.is_string_dtype(out[col])):
            continue
        text = out[col].astype(str).str.strip()
        blank = text.eq("") | out[col].isna()
        nums = pd.to_numeric(text.where(~blank), errors="coerce")
        if (nums.notna() | blank).all() and (~blank).any():
            out[col] = nums
        else:
            out[col] = out[col].where(~blank, None)
    return out


def _city_polygon(layout: Any, tolerance_m: float) -> Any:
    from .crs import to_analysis_crs
    from .layout import load_layout

    lay = load_layout() if layout is None else layout
    city = lay.city if hasattr(lay, "city") else lay
    geom = shapely.union_all(to_datum(city, "WGS84").geometry.values)
    if tolerance_m > 0:
        metric = shapely.union_all(to_analysis_crs(city).geometry.values)
        wide = gpd.GeoSeries([shapely.buffer(metric, tolerance_m)], crs=ANALYSIS_CRS)
        geom = to_datum(wide, "WGS84").iloc[0]
    shapely.prepare(geom)
    return geom


def read_resources(
    source: str | os.PathLike[str] | pd.DataFrame | gpd.GeoDataFrame,
    *,
    lon: str | None = None,
    lat: str | None = None,
    datum: str | None = None,
    category: str | None = None,
    id: str | None = None,
    name: str | None = None,
    weight: str | None = None,
    default_category: str | None = None,
    encoding: str | None = None,
    sheet: str | int = 0,
    layer: str | None = None,
    categories: pd.DataFrame | str | os.PathLike[str] | None = None,
    layout: Any = None,
    tolerance_m: float = 0.0,
    fix_swapped: bool = False,
    status: str = STATUS_USER,
    reference: gpd.GeoDataFrame | None = None,
    check_datum: bool = True,
) -> ResourceTable:
    """Read a table or layer of resources into validated WGS84 points.

    Parameters
    ----------
    source : path, DataFrame or GeoDataFrame
        CSV (UTF-8, with or without BOM, or GBK/GB18030, detected), XLSX, GeoJSON,
        GeoPackage, Shapefile, a DataFrame with coordinate columns or a GeoDataFrame of
        points with a CRS.
    lon, lat : str, optional
        Coordinate columns of a table; found by common names (``lon``/``lng``/``经度``,
        ``lat``/``纬度``...) when omitted.
    datum : str, optional
        Datum of the coordinates: ``"WGS84"``, ``"CGCS2000"``, ``"GCJ02"``
        (Amap/Gaode, Tencent) or ``"BD09"`` (Baidu).  Required for a table unless it has
        a ``datum`` column (one datum per row); for a GeoDataFrame or vector file it
        overrides the CRS (declare Amap data saved as "WGS84" GeoJSON this way).
    category : str, optional
        The category column (names, keys or spellings of the registry); found by common
        names (``category``/``类别``/``类型``) when omitted.
    id, name, weight : str, optional
        Columns of a unique identifier (duplicates are rejected), a display name and a
        weight (a count of patents or people, or any non-negative number; 1 per row
        when omitted).  The name column is found by common names (``name``/``名称``)
        when omitted.
    default_category : str, optional
        Category of every row when the source has no category column.
    encoding : str, optional
        Text encoding of a CSV (or of a Shapefile's ``.dbf``); detected when omitted.
    sheet, layer : optional
        Spreadsheet sheet, GeoPackage layer.
    categories : DataFrame or path, optional
        A registry (see :func:`category_registry`); the bundled one by default.
    layout : CorridorLayout, optional
        Whose ``city`` layer decides what is "in Qingdao"; the bundled layout by default.
    tolerance_m : float
        Accept points up to this distance outside the city's land boundary (offshore
        test sites, piers).  Default 0: on the land polygon or its boundary.
    fix_swapped : bool
        Swap longitude and latitude where that puts a point inside Qingdao, instead of
        rejecting the row (the fix is noted in a ``note`` column).
    status : str
        Label of the rows (``"user-supplied"``; the sample uses ``"sample"``).
    reference : GeoDataFrame, optional
        Known positions with a ``name`` column, WGS84 or any CRS: rows whose name matches
        are used to detect GCJ-02 data labelled WGS84.
    check_datum : bool
        Look for GCJ-02 data labelled WGS84 (see the module notes).

    Returns
    -------
    ResourceTable
        ``accepted`` (WGS84 GeoDataFrame), ``rejected`` (rows with a ``reason``),
        ``n_read``, ``source``, ``encoding`` and ``notes``.

    Raises
    ------
    InputError
        If the file cannot be read or a named column is missing.
    MissingCRSError
        If a table has no ``datum`` argument or column, or a GeoDataFrame no CRS.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({
    ...     "名称": ["海洋大学", "无坐标", "颠倒"],
    ...     "类别": ["高校", "高校", "高新技术企业"],
    ...     "经度": [120.49547, None, 36.16],
    ...     "纬度": [36.16504, None, 120.49]})
    >>> res = read_resources(table, datum="GCJ02", name="名称")
    >>> len(res.accepted), len(res.rejected)
    (1, 2)
    >>> for reason in res.rejected["reason"]:
    ...     print(reason)
    missing coordinates
    outside Qingdao; latitude and longitude look swapped (swap the columns or pass
    fix_swapped=True)
    >>> res.accepted.crs.to_epsg(), res.accepted["category"].iloc[0]
    (4326, 'university')
    """
    registry = category_registry(categories)
    lookup = _lookup(registry)
    by_key = registry.set_index("key")
    raw, label, used_encoding = _read_source(source, encoding=encoding, sheet=sheet, layer=layer)
    raw = raw.reset_index(drop=True)
    n = len(raw)
    notes: list[str] = []
    reasons: list[list[str]] = [[] for _ in range(n)]

    def reject(mask: np.ndarray, reason: str | np.ndarray) -> None:
        for i in np.flatnonzero(mask):
            reasons[i].append(reason if isinstance(reason, str) else str(reason[i]))

    is_geo = isinstance(raw, gpd.GeoDataFrame)
    if is_geo:
        frame = raw if datum is None else set_datum(raw, datum)
        src_datum = datum_of(frame)  # raises MissingCRSError
        if src_datum is None or not frame.crs.is_geographic:
            notes.append(f"projected from {frame.crs.name} to WGS84 with PROJ")
            frame = to_datum(frame, "WGS84")
            src_datum = "WGS84"
        geoms = frame.geometry.values
        missing_geom = np.asarray(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        not_point = ~missing_geom & (np.asarray(shapely.get_type_id(geoms)) != 0)
        reject(missing_geom, "missing geometry")
        types = np.asarray(frame.geometry.geom_type.astype(str))
        reject(
            not_point,
            np.array([f"geometry is a {t}, not a point" for t in types], dtype=object),
        )
        xs = np.full(n, np.nan)
        ys = np.full(n, np.nan)
        pts = ~missing_geom & ~not_point
        xs[pts] = shapely.get_x(geoms[pts])
        ys[pts] = shapely.get_y(geoms[pts])
        table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        datums = np.full(n, src_datum, dtype=object)
        lon_col = lat_col = None
    else:
        table = raw
        lon_col = _find_column(table, lon, LON_NAMES, "longitude")
        lat_col = _find_column(table, lat, LAT_NAMES, "latitude")
        xs = _to_float(table[lon_col])
        ys = _to_float(table[lat_col])
        if datum is not None:
            datums = np.full(n, normalize_datum(datum), dtype=object)
        elif "datum" in table.columns:
            datums = np.empty(n, dtype=object)
            for i, d in enumerate(table["datum"]):
                try:
                    datums[i] = normalize_datum(str(d))
                except InputError:
                    datums[i] = None
                    reasons[i].append(f"unknown datum {d!r}")
        else:
            raise MissingCRSError(
                "the table does not say which datum its coordinates are in: pass "
                "datum='WGS84' (GPS), 'CGCS2000', 'GCJ02' (Amap/Gaode, Tencent) or "
                "'BD09' (Baidu), or add a 'datum' column"
            )
        blank_x = table[lon_col].isna() | table[lon_col].astype(str).str.strip().eq("")
        blank_y = table[lat_col].isna() | table[lat_col].astype(str).str.strip().eq("")
        blank = np.asarray(blank_x | blank_y)
        reject(blank, "missing coordinates")
        bad_num = ~blank & ~(np.isfinite(xs) & np.isfinite(ys))
        shown = np.array(
            [
                f"coordinates are not numbers ({a!r}, {b!r})"
                for a, b in zip(table[lon_col].tolist(), table[lat_col].tolist())
            ],
            dtype=object,
        )
        reject(bad_num, shown)

    finite = np.isfinite(xs) & np.isfinite(ys)
    # Convert each datum group to WGS84.
    wlon = np.full(n, np.nan)
    wlat = np.full(n, np.nan)
    swlon = np.full(n, np.nan)
    swlat = np.full(n, np.nan)
    valid_datum = np.array([d is not None for d in datums], dtype=bool)
    for d in sorted(set(datums[valid_datum])):
        idx = np.flatnonzero(finite & (datums == d))
        if len(idx):
            wlon[idx], wlat[idx] = transform_coords(xs[idx], ys[idx], source=d, target="WGS84")
            swlon[idx], swlat[idx] = transform_coords(ys[idx], xs[idx], source=d, target="WGS84")
        if d != "WGS84":
            notes.append(f"{len(idx)} rows converted from {d} to WGS84 (corridor_geo.crs)")
    city = _city_polygon(layout, tolerance_m)
    checked = finite & valid_datum
    inside = np.zeros(n, dtype=bool)
    inside[checked] = shapely.intersects_xy(city, wlon[checked], wlat[checked])
    outside = checked & ~inside
    swapped_in = np.zeros(n, dtype=bool)
    if outside.any():
        swapped_in[outside] = shapely.intersects_xy(city, swlon[outside], swlat[outside])
    row_note = np.full(n, "", dtype=object)
    if fix_swapped and swapped_in.any():
        wlon[swapped_in], wlat[swapped_in] = swlon[swapped_in], swlat[swapped_in]
        xs[swapped_in], ys[swapped_in] = ys[swapped_in].copy(), xs[swapped_in].copy()
        row_note[swapped_in] = "longitude and latitude were swapped in the source; fixed"
        notes.append(f"{int(swapped_in.sum())} rows had longitude and latitude swapped; fixed")
        outside = outside & ~swapped_in
        swapped_in[:] = False
    reject(
        outside & swapped_in,
        "outside Qingdao; latitude and longitude look swapped "
        "(swap the columns or pass fix_swapped=True)",
    )
    reject(outside & ~swapped_in, "outside Qingdao")

    # Identifier.
    ids = pd.Series([f"R{i + 1}" for i in range(n)], dtype=object)
    if id is not None:
        if id not in table.columns:
            raise InputError(f"no id column {id!r}; the table has {list(map(str, table.columns))}")
        raw_ids = table[id]
        blank_id = raw_ids.isna() | raw_ids.astype(str).str.strip().eq("")
        reject(np.asarray(blank_id), "missing id")
        ids = raw_ids.astype(str).str.strip().where(~blank_id, None)
        first: dict[str, int] = {}
        for i, v in enumerate(ids):
            if v is None:
                continue
            if v in first:
                reasons[i].append(f"duplicate id {v!r} (first at row {first[v] + 1})")
            else:
                first[v] = i

    # Name: a column with a common name is used when none is named.
    if name is None:
        lowered = {str(c).strip().lower(): c for c in table.columns}
        name = next((lowered[n] for n in NAME_NAMES if n in lowered), None)

    # Category.
    if default_category is not None and not any(
        c in map(str, table.columns) for c in ([category] if category else CATEGORY_NAMES)
    ):
        cat_values = pd.Series([default_category] * n, dtype=object)
        cat_col = None
    else:
        cat_col = _find_column(table, category, CATEGORY_NAMES, "category")
        cat_values = table[cat_col]
    cat_keys = np.empty(n, dtype=object)
    for i, v in enumerate(cat_values):
        if v is None or (isinstance(v, float) and np.isnan(v)) or not str(v).strip():
            reasons[i].append("missing category")
            continue
        key = lookup.get(_norm_name(v))
        if key is None:
            reasons[i].append(
                f"unknown category {str(v).strip()!r} (known: "
                + ", ".join(registry["name_zh"].tolist()[:6])
                + "... - see corridor_geo.resources.category_registry(), or extend it)"
            )
        cat_keys[i] = key

    # Weight.
    if weight is not None:
        if weight not in table.columns:
            raise InputError(
                f"no weight column {weight!r}; the table has {list(map(str, table.columns))}"
            )
        w = _to_float(table[weight])
        bad_w = ~np.isfinite(w) | (w < 0)
        reject(
            bad_w,
            np.array(
                [
                    f"bad weight {v!r} (must be a finite number >= 0)"
                    for v in table[weight].tolist()
                ],
                dtype=object,
            ),
        )
    else:
        w = np.ones(n)

    ok = np.array([not r for r in reasons], dtype=bool)
    keep_cols = [c for c in table.columns if c not in (lon_col, lat_col)]
    extra = _infer_types(table[keep_cols], {id, weight} - {None}) if not is_geo else table
    accepted = pd.DataFrame(
        {
            "source_row": np.arange(1, n + 1),
            "id": ids.to_numpy(),
            "name": table[name].astype(str).to_numpy() if name is not None else None,
            "category": cat_keys,
            "category_zh": [by_key["name_zh"].get(k) if k else None for k in cat_keys],
            "category_en": [by_key["name_en"].get(k) if k else None for k in cat_keys],
            "category_source": cat_values.astype(str).to_numpy(),
            "weight": w,
            "status": status,
            "lon_source": xs,
            "lat_source": ys,
            "datum_source": datums,
        }
    )
    if name is not None and name not in table.columns:
        raise InputError(f"no name column {name!r}; the table has {list(map(str, table.columns))}")
    if row_note.any():
        accepted["note"] = row_note
    drop = {c for c in (id, name, weight, cat_col, "datum") if c is not None}
    for col in extra.columns:
        if col not in drop and col not in accepted.columns:
            accepted[col] = extra[col].to_numpy()
    accepted = gpd.GeoDataFrame(
        accepted.loc[ok].reset_index(drop=True),
        geometry=gpd.points_from_xy(wlon[ok], wlat[ok]),
        crs=WGS84,
    )
    rejected = raw.loc[~ok].copy()
    if isinstance(rejected, gpd.GeoDataFrame):
        rejected = pd.DataFrame(rejected)
    if "source_row" in rejected.columns:
        rejected = rejected.drop(columns="source_row")
    rejected.insert(0, "source_row", np.flatnonzero(~ok) + 1)
    rejected["reason"] = ["; ".join(r) for r, k in zip(reasons, ~ok) if k]
    rejected = rejected.reset_index(drop=True)

    if check_datum:
        origin = set(datums[ok]) if ok.any() else set()
        if origin <= {"WGS84", "CGCS2000"} and (
            _looks_like_gcj02(xs, ys, finite & valid_datum, city, label)
            or (reference is not None and _matches_gcj02(accepted, reference, label))
        ):
            notes.append("looks like GCJ-02 data labelled WGS84 (warning raised)")
    log.info(
        "read %d rows from %s: %d accepted, %d rejected",
        n,
        label,
        int(ok.sum()),
        int((~ok).sum()),
    )
    return ResourceTable(
        accepted=accepted,
        rejected=rejected,
        n_read=n,
        source=label,
        encoding=used_encoding,
        notes=tuple(notes),
    )


_MISLABEL_ADVICE = (
    "it is probably Amap/Tencent (GCJ-02) data labelled WGS84, about 450 m east of where "
    "it should be. Declare it: read_resources(..., datum='GCJ02') (corridor-geo ... "
    "--datum GCJ02), or corridor_geo.crs.set_datum(data, 'GCJ02')."
)


def _looks_like_gcj02(
    xs: np.ndarray, ys: np.ndarray, usable: np.ndarray, city: Any, label: str
) -> bool:
    idx = np.flatnonzero(usable)
    if len(idx) < 3:
        return False
    x, y = xs[idx], ys[idx]
    as_is = shapely.intersects_xy(city, x, y)
    gx, gy = transform_coords(x, y, source="GCJ02", target="WGS84")
    as_gcj = shapely.intersects_xy(city, gx, gy)
    fixed = int((~as_is & as_gcj).sum())
    broken = int((as_is & ~as_gcj).sum())
    if fixed >= 3 and fixed > 3 * max(broken, 1):
        warnings.warn(
            f"{label}: {fixed} points labelled WGS84 fall outside Qingdao's land (mostly "
            f"just off the coast) but inside it when read as GCJ-02 ({broken} the other way): "
            + _MISLABEL_ADVICE,
            DatumMislabelWarning,
            stacklevel=3,
        )
        return True
    return False


def _matches_gcj02(accepted: gpd.GeoDataFrame, reference: gpd.GeoDataFrame, label: str) -> bool:
    if "name" not in reference.columns or accepted["name"].isna().all():
        return False
    ref = to_datum(reference, "WGS84")
    ref = ref.loc[ref["name"].isin(accepted["name"])].drop_duplicates("name")
    if len(ref) < 2:
        return False
    from .crs import to_analysis_crs

    acc = accepted.loc[accepted["name"].isin(ref["name"])].drop_duplicates("name")
    acc = acc.set_index("name").loc[ref["name"]]
    ref_m = to_analysis_crs(ref.set_index("name"))
    as_is = to_analysis_crs(gpd.GeoSeries(acc.geometry.values, index=acc.index, crs=WGS84))
    shifted = gpd.GeoSeries(
        gpd.points_from_xy(acc["lon_source"], acc["lat_source"]), index=acc.index
    )
    as_gcj = to_analysis_crs(set_datum(shifted, "GCJ02"))
    d_is = float(np.median(shapely.distance(as_is.values, ref_m.geometry.values)))
    d_gcj = float(np.median(shapely.distance(as_gcj.values, ref_m.geometry.values)))
    if d_is > 150.0 and d_gcj < 0.5 * d_is:
        warnings.warn(
            f"{label}: {len(ref)} named points sit a median {d_is:.0f} m from their reference "
            f"positions as labelled, {d_gcj:.0f} m if read as GCJ-02: " + _MISLABEL_ADVICE,
            DatumMislabelWarning,
            stacklevel=3,
        )
        return True
    return False


# --------------------------------------------------------------------------------------
# Points for the analyses
# --------------------------------------------------------------------------------------
def as_points(resources: ResourceTable | gpd.GeoDataFrame | gpd.GeoSeries) -> gpd.GeoDataFrame:
    """The accepted points of a :class:`ResourceTable`, or a GeoDataFrame, in WGS84.

    GCJ-02/BD-09 input is converted with the exact inverse; a frame without a CRS raises
    :class:`~corridor_geo.MissingCRSError`.  A frame without ``category`` or ``weight``
    columns gets ``category = None`` and ``weight = 1``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> pts = gpd.GeoDataFrame(geometry=[shapely.Point(120.5, 36.2)], crs="EPSG:4549")
    >>> as_points(gpd.GeoDataFrame(geometry=[shapely.Point(120.5, 36.2)])).crs
    Traceback (most recent call last):
    ...
    corridor_geo._errors.MissingCRSError: the data has no CRS: ...
    """
    if isinstance(resources, ResourceTable):
        frame = resources.accepted
    elif isinstance(resources, gpd.GeoSeries):
        frame = gpd.GeoDataFrame(geometry=resources)
    elif isinstance(resources, gpd.GeoDataFrame):
        frame = resources
    else:
        raise InputError(
            "resources must be a ResourceTable (from read_resources) or a GeoDataFrame of "
            f"points, got {type(resources).__name__}; read tables with read_resources first"
        )
    if frame.crs is None:
        datum_of(frame)  # raises MissingCRSError with the fix
    frame = (
        frame.copy()
        if datum_of(frame) == "WGS84" and frame.crs.is_geographic
        else (to_datum(frame, "WGS84"))
    )
    if "category" not in frame.columns:
        frame["category"] = None
    if "weight" not in frame.columns:
        frame["weight"] = 1.0
    return frame


def sample_resources() -> ResourceTable:
    """The bundled sample of real institutions, labelled ``status = "sample"``.

    A handful of institutions named in the plan, each with a cited public position and
    its accuracy (``accuracy_m``, up to 3 km where only the town is known); see
    ``corridor_geo.datasets.get_path("samples/SOURCES.md")``.  Sample data, not an
    inventory: never use it for indicator figures.

    Examples
    --------
    >>> res = sample_resources()
    >>> first = res.accepted.iloc[0]
    >>> first["name"], first["category"], int(first["accuracy_m"])
    ('中国海洋大学(崂山校区)', 'university', 500)
    """
    return read_resources(
        datasets.get_path("resources_sample.csv"),
        id="id",
        name="name_zh",
        status=STATUS_SAMPLE,
        check_datum=False,
    )


def institution_register() -> ResourceTable:
    """The bundled register of real institutions in Qingdao, labelled ``status = "register"``.

    Universities and colleges (one row per campus placed), the institutions the plan
    names, and the laboratories and research institutes a public source places, each with
    its category key, the position a cited source gives in that source's own datum
    (``datum`` per row: WGS84, GCJ-02 or BD-09, converted to WGS84 on reading), what the
    point marks (``position_of``: a campus point, a host campus, a metro station used as
    a proxy), an honest ``accuracy_m`` (a radius: campus size, kilometres for town-level
    proxies), ``position_source``, ``identity_source`` and ``founded`` where a source
    gives it.  Coverage against the city's published counts, and what is known but not
    placed, are in ``corridor_geo.datasets.get_path("register/SOURCES.md")``.

    Returns
    -------
    ResourceTable
        Every row accepted (``rejected`` is empty); ``accepted`` is a WGS84
        GeoDataFrame with the register's columns (``host``, ``address``, ``district``,
        ``position_of``, ``accuracy_m``, ``position_source``, ``identity_source``,
        ``founded``...) next to those of :func:`read_resources`.

    See Also
    --------
    sample_resources : the few institutions used in examples.

    Examples
    --------
    >>> reg = institution_register()
    >>> len(reg.rejected), reg.accepted["status"].unique().tolist()
    (0, ['register'])
    >>> row = reg.accepted.set_index("id").loc["U01"]
    >>> row["name"], row["category"], row["datum_source"], int(row["accuracy_m"])
    ('中国海洋大学(崂山校区)', 'university', 'BD09', 1000)
    >>> int(reg.accepted.loc[reg.accepted["category"] == "national_lab", "founded"].iloc[0])
    2013
    """
    return read_resources(
        datasets.get_path("register/institutions.csv"),
        id="id",
        name="name_zh",
        status=STATUS_REGISTER,
        check_datum=False,
    )


def synthetic_resources(
    n: int,
    *,
    seed: int = 0,
    layout: Any = None,
    corridor_share: float = 0.4,
    categories: Mapping[str, float] | None = None,
    weight_mean: Mapping[str, float] | None = None,
) -> gpd.GeoDataFrame:
    """Seeded random resources for tests and benchmarks, labelled ``"synthetic"``.

    Points are uniform inside the corridor (a share ``corridor_share`` of them) and
    uniform over the rest of Qingdao's land (the ``city`` layer) otherwise.

    Parameters
    ----------
    n : int
        Number of resources.
    seed : int
        Seed of the generator: same seed, same resources.
    layout : CorridorLayout, optional
        The bundled layout by default.
    corridor_share : float
        Expected share of the points drawn inside the corridor.
    categories : mapping, optional
        Category key to relative frequency; by default every category of the registry
        with equal frequency.
    weight_mean : mapping, optional
        Category key to the mean of a Poisson weight (e.g. patents per firm); weight 1
        for the others.

    Returns
    -------
    GeoDataFrame
        Columns as :attr:`ResourceTable.accepted` (``id``, ``category``, ``weight``,
        ``status = "synthetic"``...), WGS84.

    Examples
    --------
    >>> pts = synthetic_resources(100, seed=1)
    >>> len(pts), pts["status"].unique().tolist(), pts.crs.to_epsg()
    (100, ['synthetic'], 4326)
    >>> pts.geometry.equals(synthetic_resources(100, seed=1).geometry)
    True
    """
    if n < 0:
        raise InputError(f"n must be >= 0, got {n}")
    from .layout import load_layout

    lay = load_layout() if layout is None else layout
    reg, cats = _synthetic_setup(categories, corridor_share)
    rng = np.random.default_rng(seed)
    corridor = shapely.union_all(lay.corridor.geometry.values)
    city = shapely.union_all(lay.city.geometry.values)
    rest = shapely.difference(city, corridor)
    n_in = int(rng.binomial(n, corridor_share)) if n else 0
    xy = np.vstack([_uniform_in(corridor, n_in, rng), _uniform_in(rest, n - n_in, rng)])
    order = rng.permutation(n)
    xy = xy[order]
    keys = np.array(list(cats))
    p = np.array([cats[k] for k in keys], dtype=float)
    chosen = rng.choice(keys, size=n, p=p / p.sum()) if n else np.array([], dtype=object)
    weights = np.ones(n)
    for key, mean in (weight_mean or {}).items():
        sel = chosen == key
        weights[sel] = rng.poisson(mean, int(sel.sum()))
    return gpd.GeoDataFrame(
        {
            "source_row": np.arange(1, n + 1),
            "id": pd.Series(np.arange(n)).map("SYN{:07d}".format).to_numpy(dtype=object),
            "name": np.char.add("synthetic ", np.arange(n).astype(str)).astype(object),
            "category": chosen.astype(object),
            "category_zh": pd.Series(chosen).map(reg["name_zh"]).to_numpy(),
            "category_en": pd.Series(chosen).map(reg["name_en"]).to_numpy(),
            "weight": weights,
            "status": STATUS_SYNTHETIC,
        },
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=WGS84,
    )


def _synthetic_setup(
    categories: Mapping[str, float] | None, corridor_share: float
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Checked inputs of the synthetic generators: the registry and category weights."""
    if not 0.0 <= corridor_share <= 1.0:
        raise InputError(f"corridor_share must be between 0 and 1, got {corridor_share}")
    reg = category_registry().set_index("key")
    cats = dict(categories) if categories else dict.fromkeys(reg.index, 1.0)
    unknown = sorted(set(cats) - set(reg.index))
    if unknown:
        raise InputError(f"unknown category keys {unknown}; see category_registry()")
    return reg, cats


def _uniform_in(geom: Any, n: int, rng: np.random.Generator) -> np.ndarray:
    """n points uniform in a WGS84 polygon (uniform in area: sampled in EPSG:4549)."""
    if n == 0:
        return np.empty((0, 2))
    from .crs import to_analysis_crs

    metric = to_analysis_crs(gpd.GeoSeries([geom], crs=WGS84)).iloc[0]
    shapely.prepare(metric)
    x0, y0, x1, y1 = metric.bounds
    frac = max(metric.area / ((x1 - x0) * (y1 - y0)), 1e-3)
    out: list[np.ndarray] = []
    got = 0
    while got < n:
        m = int((n - got) / frac * 1.2) + 16
        x = rng.uniform(x0, x1, m)
        y = rng.uniform(y0, y1, m)
        keep = shapely.contains_xy(metric, x, y)
        pts = np.column_stack([x[keep], y[keep]])[: n - got]
        out.append(pts)
        got += len(pts)
    xy = np.vstack(out)
    back = to_datum(
        gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=ANALYSIS_CRS), "WGS84"
    )
    return shapely.get_coordinates(back.values)
