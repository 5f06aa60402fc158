"""``corridor-geo monitor``, ``compare`` and ``spillover``, run in-process as a user would.

The command's tables are checked against the API run on the same files (the CLI must add
nothing and lose nothing), and the pages against HTML injection.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from corridor_geo import cli
from corridor_geo.monitoring import _demo_snapshots, monitor

READ = ["--datum", "WGS84", "--weight", "weight"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("snapshots")
    paths, frames = {}, []
    for year, frame in _demo_snapshots().items():
        table = pd.DataFrame(
            {
                "lon": frame.geometry.x,
                "lat": frame.geometry.y,
                "category": frame["category"],
                "weight": frame["weight"],
                "name": frame["name"],
            }
        )
        paths[year] = folder / f"labs_{year}.csv"
        table.to_csv(paths[year], index=False)
        frames.append(table.assign(year=year))
    # One row no reader can use, to see it in rejected_2025.
    with open(paths[2025], "a", encoding="utf-8") as fh:
        fh.write(",,state_key_lab,1,no coordinates\n")
    all_years = folder / "all.csv"
    pd.concat(frames, ignore_index=True).to_csv(all_years, index=False)
    return paths, all_years


def test_monitor_command_writes_table_chart_and_page(files, tmp_path, capsys):
    paths, _ = files
    out = tmp_path / "mon"
    argv = [
        "monitor",
        *[f"--snapshot={y}={p}" for y, p in paths.items()],
        *READ,
        "--out",
        str(out),
    ]
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert "monitoring 2023-2025 (base 2023), projected to 2027" in printed
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        ".corridor_geo.json",
        "monitoring.csv",
        "monitoring.html",
        "monitoring.png",
        "projection.csv",
        "rejected_2023.csv",
        "rejected_2024.csv",
        "rejected_2025.csv",
    ]
    assert (out / "monitoring.png").read_bytes()[:4] == b"\x89PNG"
    rejected = pd.read_csv(out / "rejected_2025.csv", encoding="utf-8-sig")
    assert len(rejected) == 1
    table = pd.read_csv(out / "monitoring.csv", encoding="utf-8-sig", dtype={"zone": str})
    api = monitor(_demo_snapshots(), layers=["corridor", "cities"])
    assert table["value"].to_numpy() == pytest.approx(api.table["value"].to_numpy())
    projection = pd.read_csv(out / "projection.csv", encoding="utf-8-sig")
    assert projection["projected"].to_numpy() == pytest.approx(api.projection["projected"])
    page = (out / "monitoring.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "data:image/png;base64," in page


def test_monitor_command_one_file_with_a_year_column(files, tmp_path):
    _, all_years = files
    out = tmp_path / "one"
    argv = [
        "monitor",
        "--resources",
        str(all_years),
        *READ,
        "--layers",
        "corridor",
        "--methods",
        "linear",
        "--out",
        str(out),
        "--quiet",
        "--format",
        "xlsx",
    ]
    assert cli.main(argv) == 0
    projection = pd.read_excel(out / "projection.xlsx")
    assert set(projection["method"]) == {"linear"}
    assert (out / "rejected.xlsx").is_file()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "either as --snapshot"),
        (["--snapshot", "2023"], "--snapshot takes YEAR=FILE, e.g. --snapshot 2024="),
        (["--snapshot", "20x3=a.csv", "--snapshot", "2024=b.csv"], "no such file"),
        (["--methods", "spline", "--snapshot", "2023=__FILE__"], "unknown projection method"),
    ],
)
def test_monitor_command_errors_in_one_line(files, tmp_path, capsys, extra, message):
    paths, _ = files
    extra = [e.replace("__FILE__", str(paths[2023])) for e in extra]
    assert cli.main(["monitor", *extra, *READ, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "x").exists()


def test_compare_command_scenario(files, tmp_path, capsys):
    paths, _ = files
    out = tmp_path / "cmp"
    argv = [
        "compare",
        "--resources",
        str(paths[2025]),
        *READ,
        "--scenario-name",
        "北延",
        "--add-subdistrict",
        "370215/鳌山卫街道",
        "--buffer",
        "300",
        "--out",
        str(out),
    ]
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert "A -> 北延: corridor" in printed
    table = pd.read_csv(out / "comparison.csv", encoding="utf-8-sig")
    corr = table.loc[table["layer"] == "corridor"].set_index("metric")
    changed = gpd.read_file(out / "changed_area.gpkg", layer="changed_area")
    gained = changed.loc[changed["change"] == "gained"]
    assert gained["resources"].sum() == corr.loc["resources", "difference"]
    assert corr.loc["area_km2", "difference"] > 0
    for name in (
        "comparison_map.html",
        "comparison.html",
        "boundary_features.csv",
        "boundary_segments.gpkg",
        "comparison_wide.csv",
        "rejected.csv",
    ):
        assert (out / name).is_file(), name


def test_compare_command_replacing_a_layer_of_b(layout, files, tmp_path, capsys):
    paths, _ = files
    moved = layout.cities.copy()
    moved.geometry = moved.geometry.translate(xoff=0.003)  # about 270 m east
    path = tmp_path / "moved_cities.gpkg"
    moved.to_file(path)
    out = tmp_path / "cmp2"
    argv = [
        "compare",
        "--resources",
        str(paths[2025]),
        *READ,
        "--b-replace",
        f"cities={path}",
        "--scenario-name",
        "moved",
        "--no-coverage",
        "--out",
        str(out),
    ]
    assert cli.main(argv) == 0
    captured = capsys.readouterr()
    assert "replaced in report mode" in captured.err  # the warning, one line each
    report = pd.read_csv(out / "replace_cities.csv", encoding="utf-8-sig")
    assert (report["check"] == "boundary against the replaced layer").sum() == 3
    table = pd.read_csv(out / "comparison.csv", encoding="utf-8-sig")
    assert not table["metric"].str.startswith("coverage").any()


def test_compare_command_boundaries_only(layout, tmp_path, capsys):
    a = tmp_path / "a.gpkg"
    b = tmp_path / "b.geojson"
    layout.cities[["key", "name_zh", "geometry"]].to_file(a)
    from corridor_geo import crs

    shifted = crs.to_datum(layout.cities[["key", "geometry"]], "GCJ02")
    shifted.set_crs("EPSG:4326", allow_override=True).to_file(b)
    out = tmp_path / "bnd"
    argv = [
        "compare",
        "--boundaries",
        str(a),
        str(b),
        "--on",
        "key",
        "--name-column",
        "name_zh",
        "--out",
        str(out),
    ]
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert "b.geojson looks like GCJ-02" in printed
    features = pd.read_csv(out / "boundary_features.csv", encoding="utf-8-sig")
    assert set(features["name"]) == {"海洋科技城", "青年科创城", "数智产业城"}
    segments = gpd.read_file(out / "boundary_segments.gpkg", layer="segments")
    assert set(segments["class"]) <= {"b_gcj02", "agrees"}
    assert "iframe" in (out / "boundaries.html").read_text(encoding="utf-8")


def test_compare_command_needs_resources_or_boundaries(tmp_path, capsys):
    assert cli.main(["compare", "--out", str(tmp_path / "x")]) == 2
    assert "give --resources" in capsys.readouterr().err


def test_spillover_command(files, tmp_path, capsys):
    from corridor_geo.spillover import spillover_sweep

    paths, _ = files
    out = tmp_path / "sp"
    argv = [
        "spillover",
        "--resources",
        str(paths[2025]),
        *READ,
        "--decay",
        "exponential=0.1,0.2",
        "--decay",
        "power=2",
        "--layers",
        "districts",
        "--out",
        str(out),
        "--lang",
        "en",
    ]
    assert cli.main(argv) == 0
    assert "districts, strongest first (exponential, beta 0.1)" in capsys.readouterr().out
    table = pd.read_csv(out / "spillover.csv", encoding="utf-8-sig", dtype={"zone": str})
    assert table.groupby(["decay", "beta"]).size().to_dict() == {
        ("exponential", 0.1): 10,
        ("exponential", 0.2): 10,
        ("power", 2.0): 10,
    }
    api = spillover_sweep(
        _demo_snapshots()[2025],
        layers="districts",
        decays={"exponential": [0.1, 0.2], "power": [2]},
    )
    assert table["potential"].to_numpy() == pytest.approx(api["potential"].to_numpy())
    assert (out / "spillover.png").read_bytes()[:4] == b"\x89PNG"
    assert "share of the potential" in (out / "spillover_map.html").read_text(encoding="utf-8")


def test_spillover_command_rejects_a_bad_decay(files, tmp_path, capsys):
    paths, _ = files
    argv = [
        "spillover",
        "--resources",
        str(paths[2025]),
        *READ,
        "--decay",
        "power=1,x",
        "--out",
        str(tmp_path / "x"),
    ]
    assert cli.main(argv) == 2
    assert "is not a list of numbers" in capsys.readouterr().err


def test_pages_escape_names_from_files(layout, tmp_path):
    """A resource name with markup never reaches the compare page raw."""
    pts = gpd.GeoDataFrame(
        {"name": ["<script>alert(1)</script>"], "category": ["state_key_lab"]},
        geometry=[shapely.Point(120.49, 36.165)],
        crs="EPSG:4326",
    )
    path = tmp_path / "evil.gpkg"
    pts.to_file(path)
    out = tmp_path / "e"
    argv = [
        "compare",
        "--resources",
        str(path),
        "--scenario-name",
        "<b>x</b>",
        "--buffer",
        "100",
        "--no-coverage",
        "--layers",
        "corridor",
        "--out",
        str(out),
        "--quiet",
    ]
    assert cli.main(argv) == 0
    page = (out / "comparison.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page and "<b>x</b>" not in page


def _gcj_csv(path, rows) -> None:
    """A CSV as planners keep it: 名称, 经度, 纬度 (GCJ-02), 类别."""
    from corridor_geo.crs import wgs84_to_gcj02

    lon, lat = wgs84_to_gcj02(
        [p.x for _, p in rows], [p.y for _, p in rows]
    )  # the oracle points are WGS84
    pd.DataFrame(
        {
            "名称": [f"机构{i}" for i in range(len(rows))],
            "经度": lon,
            "纬度": lat,
            "类别": [c for c, _ in rows],
        }
    ).to_csv(path, index=False)


def test_monitor_command_targets_without_data_are_not_assessable(layout, tmp_path, capsys):
    inside = layout.union("corridor", crs="EPSG:4326").representative_point()
    outside = shapely.Point(120.0, 36.3)  # 胶州市
    files = {}
    for year, labs_in, firms in ((2024, 3, 20), (2025, 6, 24)):
        rows = [("全国重点实验室", inside)] * labs_in + [("全国重点实验室", outside)] * (
            10 - labs_in
        )
        rows += [("高新技术企业", inside)] * firms
        files[year] = tmp_path / f"labs_{year}.csv"
        _gcj_csv(files[year], rows)
    out = tmp_path / "mon"
    argv = ["monitor", *[f"--snapshot={y}={p}" for y, p in files.items()]]
    assert cli.main([*argv, "--datum", "GCJ02", "--out", str(out), "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    patents = next(line for line in printed.splitlines() if "invention patents" in line)
    assert patents.strip().endswith(
        "0.00 in 2025; not assessable: base 0: no rows of category invention_patents in "
        "corridor in 2024"
    )
    assert "on track" not in patents
    share = next(line for line in printed.splitlines() if "Share of the city" in line)
    assert "linear 100.0% (on track, capped at 100 %)" in share
    proj = pd.read_csv(out / "projection.csv", encoding="utf-8-sig")
    own = proj.loc[proj["layer"] == "corridor"].set_index(["key", "method"])
    for key in ("patents_per_10k_growth", "st_talent_growth"):
        assert own.loc[key, "on_track"].isna().all()  # empty, neither True nor False
        assert own.loc[key, "status"].str.startswith("not assessable: base 0").all()
    assert own.loc[("key_resources_share", "cagr"), "projected"] == 1.0
    assert bool(own.loc[("key_resources_share", "cagr"), "capped"])
    assert bool(own.loc[("high_tech_enterprise_growth", "linear"), "on_track"])
    page = (out / "monitoring.html").read_text(encoding="utf-8")
    assert "not assessable: base 0: no rows of category invention_patents" in page


def test_compare_and_spillover_maps_open_offline_unless_tiles_are_asked_for(
    files, layout, tmp_path, capsys
):
    from ._browser import errors, inspect_page

    paths, _ = files
    common = ["--resources", str(paths[2025]), *READ, "--quiet"]
    a, b = tmp_path / "a.gpkg", tmp_path / "b.gpkg"
    layout.cities[["key", "geometry"]].to_file(a)
    layout.cities[["key", "geometry"]].to_file(b)
    runs = {
        "cmp": ["compare", *common, "--buffer", "300", "--no-coverage"],
        "sp": ["spillover", *common, "--decay", "power=2", "--layers", "districts"],
        "bnd": ["compare", "--boundaries", str(a), str(b), "--on", "key", "--quiet"],
    }
    for name, argv in runs.items():
        assert cli.main([*argv, "--out", str(tmp_path / name)]) == 0, name
    pages = {
        "cmp": ["comparison_map.html", "comparison.html"],
        "sp": ["spillover_map.html"],
        "bnd": ["boundaries.html"],
    }
    for name, files_ in pages.items():
        for page in files_:
            html = (tmp_path / name / page).read_text(encoding="utf-8")
            assert "tileLayer" not in html and "tile.openstreetmap.org" not in html, page
    # Asked for, the tiles are there.
    argv = [*runs["sp"], "--basemap", "osm", "--out", str(tmp_path / "sp_osm")]
    assert cli.main(argv) == 0
    html = (tmp_path / "sp_osm" / "spillover_map.html").read_text(encoding="utf-8")
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in html
    # In a browser without the internet: no failed request, the layers drawn.
    facts, logs = inspect_page(tmp_path / "sp" / "spillover_map.html")
    assert errors(logs) == [], logs
    assert facts["maps"] == 1 and "滨海大道 (轴线) Binhai Avenue (axis)" in facts["controlLabels"]
    facts, logs = inspect_page(tmp_path / "cmp" / "comparison.html", frames=True)
    assert errors(logs) == [], logs
    assert [f["maps"] for f in facts["frames"]] == [1]
