"""Resources: reading and validating what planners actually have.

Planners hold lists of laboratories, institutes, firms, talent and patent counts as
spreadsheets exported by Chinese offices (CSV in UTF-8, GBK or Big5, TSV, XLSX with title
rows), as GIS files, or as DataFrames, with coordinates picked from Amap (GCJ-02), Baidu
(BD-09) or a GPS (WGS84).  :func:`read_resources` (and :func:`read_points`, the same
reader without the need for categories) turns any of them into WGS84 points, one per row,
and accounts for every row: each is accepted or rejected with a reason, and
``accepted + rejected = rows read`` (ragged lines of a text file included, with their
line number).  Every reader of corridor_geo - facilities for coverage, origins for
access, every command of the CLI - goes through the same private reader with one column
vocabulary: Chinese and English names, datum-suffixed names (``lng_gcj02``, ``bd09_lat``,
which declare the datum), and a per-row ``datum`` column.

Categories follow the plan and live in a registry that is data
(``data/indicators/categories.csv``, see :func:`category_registry`): Chinese and English
names, accepted spellings, whether a row is one entity (a laboratory) or carries a count
(patents, people) in its weight, and which of the plan's targets it counts towards.  A
category outside the registry is kept as a **user category** under its own name (a note
says so) unless ``strict_categories=True`` asks for such rows to be rejected.

Rules applied to every row, all reasons reported (joined with ``"; "``):

* coordinates missing, empty or not numbers -> rejected;
* the point is outside Qingdao (the ``city`` layer, optionally widened by
  ``tolerance_m`` for facilities at sea) -> rejected, and if swapping longitude and
  latitude would put it inside, the reason says so (``fix_swapped=True`` swaps instead);
* an id repeats an earlier row's id -> the later row is rejected;
* the category is missing (:func:`read_resources`) -> rejected;
* the weight is missing, not a number, negative or infinite -> rejected;
* a line of a text file with more or fewer fields than the header -> rejected, with its
  line number.

User columns are kept verbatim (number-like text keeps its leading zeros); where the
source has a column named like one the reader adds (``status``, ``weight``...), the
reader's is called ``cg_<name>`` and :attr:`ResourceTable.columns` says so.

Data labelled WGS84 that looks like GCJ-02 (many points just off the east-facing coast
that land ashore when read as GCJ-02, or named points that match a reference far better
as GCJ-02) raise a :class:`~corridor_geo.DatumMislabelWarning` saying how to declare it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import datasets
from ._errors import InputError
from ._readers import (
    CATEGORY_NAMES,
    LAT_NAMES,
    LON_NAMES,
    NAME_NAMES,
    ResourceTable,
    read_table,
    registry_lookup,
)
from ._synthetic import STATUS_SYNTHETIC, synthetic_setup, uniform_in
from ._text import listing
from .crs import ANALYSIS_CRS, WGS84, datum_of, to_crs

__all__ = [
    "CATEGORY_NAMES",
    "LAT_NAMES",
    "LON_NAMES",
    "NAME_NAMES",
    "STATUS_SYNTHETIC",
    "ResourceTable",
    "as_points",
    "category_registry",
    "city_polygon",
    "extend_categories",
    "institution_register",
    "read_points",
    "read_resources",
    "sample_resources",
    "synthetic_resources",
    "target_categories",
]

log = logging.getLogger(__name__)

REGISTRY_COLUMNS = ("key", "name_zh", "name_en", "aliases", "kind", "targets")
STATUS_SAMPLE = "sample"
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
            f"the category registry is missing the column(s) {listing(missing)}; it needs "
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
    registry_lookup(table)  # raises on ambiguous spellings
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


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------
def admin_layers(layout: Any = None) -> dict[str, gpd.GeoDataFrame] | None:
    """The layout's districts and sub-districts (WGS84), for a table's district columns.

    A table that names each row's district (``区``, ``district``...) or sub-district
    (``街道``, ``镇街``...) is checked against them for GCJ-02 coordinates labelled WGS84:
    near internal borders the 450 m shift moves points into a neighbouring district.
    None when ``layout`` is not a :class:`~corridor_geo.CorridorLayout` (e.g. a bare
    GeoDataFrame of the city's land).

    Examples
    --------
    >>> sorted(admin_layers())
    ['district', 'subdistrict']
    >>> len(admin_layers()["district"])
    10
    """
    from .layout import load_layout

    lay = load_layout() if layout is None else layout
    if not hasattr(lay, "layers"):
        return None
    return {"district": lay["districts"], "subdistrict": lay["subdistricts"]}


def city_polygon(layout: Any = None, *, tolerance_m: float = 0.0) -> Any:
    """What counts as "in Qingdao": the layout's ``city`` land, widened by ``tolerance_m``.

    A prepared WGS84 shapely geometry (the layout's cached union, buffered in EPSG:4549
    when a tolerance is given).

    Examples
    --------
    >>> import shapely
    >>> land = city_polygon()
    >>> bool(shapely.intersects_xy(land, 120.49, 36.16))  # Ocean University of China
    True
    >>> bool(shapely.intersects_xy(land, 122.0, 36.0))  # the Yellow Sea
    False
    """
    from .layout import load_layout

    if not (np.isfinite(tolerance_m) and tolerance_m >= 0):
        raise InputError(f"tolerance_m must be a finite distance >= 0 metres, got {tolerance_m!r}")
    lay = load_layout() if layout is None else layout
    if hasattr(lay, "layers"):
        if tolerance_m > 0:
            metric = shapely.buffer(lay.union("city"), tolerance_m)
            geom = to_crs(gpd.GeoSeries([metric], crs=ANALYSIS_CRS), WGS84).iloc[0]
        else:
            geom = lay.union("city", crs=WGS84)
    else:  # a GeoDataFrame/GeoSeries of the city's land
        metric = shapely.union_all(to_crs(lay, ANALYSIS_CRS).geometry.values)
        wide = gpd.GeoSeries([shapely.buffer(metric, tolerance_m)], crs=ANALYSIS_CRS)
        geom = to_crs(wide, WGS84).iloc[0]
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
    strict_categories: bool = False,
    delimiter: str | None = None,
    header_row: int | None = None,
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
        CSV, TSV or TXT (encoding detected: UTF-8 with or without BOM, GBK/GB18030,
        Big5...; delimiter sniffed), XLSX (title rows above the header skipped),
        GeoJSON, GeoPackage, Shapefile, FlatGeobuf, GeoParquet, a DataFrame with
        coordinate columns or a GeoDataFrame of points with a CRS.
    lon, lat : str, optional
        Coordinate columns of a table; found by common names (``lon``/``lng``/``经度``,
        ``lat``/``纬度``, and datum-suffixed ones such as ``lng_gcj02``) when omitted.
    datum : str, optional
        Datum of the coordinates: ``"WGS84"``, ``"CGCS2000"``, ``"GCJ02"``
        (Amap/Gaode, Tencent) or ``"BD09"`` (Baidu).  Required for a table unless it has
        a ``datum`` column (one datum per row, honoured row by row) or datum-suffixed
        coordinate columns; for a GeoDataFrame or vector file in longitude/latitude it
        overrides the CRS (declare Amap data saved as "WGS84" GeoJSON this way), and it
        must not contradict any other CRS: a projected file (EPSG:3857...) declared
        ``"GCJ02"`` raises :class:`~corridor_geo.CRSError` (its own CRS is used without
        ``datum``).
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
    strict_categories : bool
        Reject rows whose category is not in the registry; by default they are kept as
        user categories under their own name, with a note.
    delimiter : str, optional
        Delimiter of a text file; sniffed among ``,``, tab, ``;`` and ``|`` when omitted.
    header_row : int, optional
        1-based row of the header in a text file or sheet; by default the first row, or
        the first of the first ten rows naming coordinate columns (title rows above it
        are skipped, with a note).
    layout : CorridorLayout, optional
        Whose ``city`` layer decides what is "in Qingdao"; the bundled layout by default.
    tolerance_m : float
        Accept points up to this distance outside the city's land boundary (offshore
        test sites, piers).  Default 0: on the land polygon or its boundary.
    fix_swapped : bool
        Swap longitude and latitude where that puts a point inside Qingdao, instead of
        rejecting the row (the fix is noted in a ``note`` column); ``--fix-swapped`` on
        the command line.
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
    CRSError
        If ``datum`` contradicts the CRS of a GeoDataFrame or vector file.

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
    return _read(
        source,
        layout=layout,
        tolerance_m=tolerance_m,
        categories=categories,
        check_datum=check_datum,
        lon=lon,
        lat=lat,
        datum=datum,
        category=category,
        id=id,
        name=name,
        weight=weight,
        default_category=default_category,
        require_category=True,
        strict_categories=strict_categories,
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet,
        header_row=header_row,
        layer=layer,
        fix_swapped=fix_swapped,
        status=status,
        reference=reference,
        what="resources",
    )


def read_points(
    source: str | os.PathLike[str] | pd.DataFrame | gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    lon: str | None = None,
    lat: str | None = None,
    datum: str | None = None,
    id: str | None = None,
    name: str | None = None,
    category: str | None = None,
    weight: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int = 0,
    header_row: int | None = None,
    layer: str | None = None,
    categories: pd.DataFrame | str | os.PathLike[str] | None = None,
    layout: Any = None,
    tolerance_m: float = 0.0,
    fix_swapped: bool = False,
    status: str = STATUS_USER,
    reference: gpd.GeoDataFrame | None = None,
    check_datum: bool = True,
    **parquet_options: Any,
) -> ResourceTable:
    """Read any table or layer of points (facilities, origins, stations...): one contract.

    The reader of :func:`read_resources` without the need for a category: every row
    accepted or rejected with a reason, the same column vocabulary, per-row datums,
    encodings, delimiters and formats (see :func:`read_resources` for the parameters).
    A category column, when there is one (or ``category`` names it), is looked up in the
    registry and kept; its absence is no error.

    For partitioned (Geo)Parquet data as a lazy dask frame, see
    :func:`corridor_geo.scale.read_parquet_points` (this function's name and Parquet
    options, ``split_row_groups``, ``columns``, ``index``, ``crs``, ``xy``, forward
    there for one release, with a FutureWarning).

    Returns
    -------
    ResourceTable

    Examples
    --------
    >>> import pandas as pd
    >>> stations = pd.DataFrame({"站名": ["苗岭路", "石老人浴场"],
    ...                          "lng_gcj02": [120.464755, "?"], "lat_gcj02": [36.100452, 36.1]})
    >>> st = read_points(stations, name="站名")
    >>> len(st.accepted), st.rejected["reason"].tolist()
    (1, ["coordinates are not numbers ('?', 36.1)"])
    >>> round(float(st.accepted.geometry.x.iloc[0]), 4)  # GCJ-02, from the column names
    120.4597
    """
    if parquet_options:
        if set(parquet_options) <= {"columns", "index", "split_row_groups", "crs", "xy"}:
            from ._compat import warn
            from ._partition import read_parquet_frame

            warn(
                "read_points() with Parquet options is now corridor_geo.scale."
                "read_parquet_points(); read_points reads any table into a ResourceTable"
            )
            return read_parquet_frame(source, **parquet_options)
        raise TypeError(
            f"read_points() got unexpected keyword argument(s) {sorted(parquet_options)}"
        )
    return _read(
        source,
        layout=layout,
        tolerance_m=tolerance_m,
        categories=categories,
        check_datum=check_datum,
        lon=lon,
        lat=lat,
        datum=datum,
        category=category,
        id=id,
        name=name,
        weight=weight,
        require_category=False,
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet,
        header_row=header_row,
        layer=layer,
        fix_swapped=fix_swapped,
        status=status,
        reference=reference,
        what="points",
    )


def _read(
    source: Any,
    *,
    layout: Any,
    tolerance_m: float,
    categories: Any,
    check_datum: bool,
    **options: Any,
) -> ResourceTable:
    """The one reader with what a layout decides: Qingdao's land, its districts, the registry."""
    from .layout import load_layout

    lay = load_layout() if layout is None else layout  # loaded once for both uses
    return read_table(
        source,
        registry=category_registry(categories),
        city=city_polygon(lay, tolerance_m=tolerance_m),
        admin=(lambda: admin_layers(lay)) if check_datum else None,
        check_datum=check_datum,
        **options,
    )


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
    datum_of(frame)  # raises MissingCRSError with the fix
    frame = to_crs(frame, WGS84)
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
    gives it.  Coverage against the city's published counts is in
    ``corridor_geo.datasets.get_path("register/SOURCES.md")``; the institutions known but
    not placed (no citable position), with their sources, are listed in
    ``datasets.get_path("register/known_not_placed.csv")``.

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
    reg, cats = synthetic_setup(category_registry(), categories, corridor_share)
    rng = np.random.default_rng(seed)
    corridor = lay.union("corridor", crs=WGS84)
    rest = shapely.difference(lay.union("city", crs=WGS84), corridor)
    n_in = int(rng.binomial(n, corridor_share)) if n else 0
    xy = np.vstack([uniform_in(corridor, n_in, rng), uniform_in(rest, n - n_in, rng)])
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
