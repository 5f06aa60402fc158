from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "reference"


@pytest.fixture(scope="session")
def layout():
    from corridor_geo import load_layout

    return load_layout()


@pytest.fixture(scope="session")
def metro_reference():
    """Qingdao metro stations from Amap (GCJ-02), third-party reference data for tests."""
    import pandas as pd

    path = REFERENCE / "metro" / "qingdao_metro_stations_amap.csv"
    if not path.is_file():
        pytest.skip(f"reference data not available: {path}")
    return pd.read_csv(path)


@pytest.fixture(scope="session")
def layout_builders():
    """The build-time layout builders, ``scripts/layout_builders.py`` of the source tree."""
    import importlib
    import sys

    scripts = ROOT / "scripts"
    if not (scripts / "layout_builders.py").is_file():
        pytest.skip("not a source checkout: scripts/layout_builders.py is absent")
    if str(scripts) not in sys.path:
        sys.path.insert(0, str(scripts))
    return importlib.import_module("layout_builders")


@pytest.fixture(scope="session")
def styled_report(tmp_path_factory):
    """One default report, built as on a machine without a Chinese font.

    Returns ``(report, warnings)``: the :class:`~corridor_geo.report.Report` and the
    messages ``corridor_geo.plotting`` logged during the run.  Used by the QGIS checks,
    the browser checks of the report's maps and the one-font-warning-per-process test.
    """
    import logging

    from corridor_geo import plotting, report

    class Capture(logging.Handler):
        def __init__(self):
            super().__init__(level=logging.WARNING)
            self.messages: list[str] = []

        def emit(self, record):
            self.messages.append(record.getMessage())

    capture = Capture()
    logger = logging.getLogger("corridor_geo.plotting")
    logger.addHandler(capture)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(plotting, "cjk_font", lambda: None)
        mp.setitem(plotting._warned, "no_cjk_font", False)  # as in a fresh process
        try:
            rep = report.build_report(tmp_path_factory.mktemp("styled_report"))
        finally:
            logger.removeHandler(capture)
    return rep, capture.messages
