"""Every docstring example runs (numpydoc Examples sections are tested code)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import corridor_geo

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(corridor_geo.__path__, prefix="corridor_geo.")
)


@pytest.mark.parametrize("name", ["corridor_geo", *MODULES])
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_public_functions_have_examples():
    missing = []
    for name in MODULES:
        if name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            is_function = callable(obj) and not isinstance(obj, type)
            if is_function and obj.__doc__ is not None and ">>>" not in obj.__doc__:
                missing.append(f"{name}.{attr}")
    assert not missing, missing


def test_the_report_guide_lists_every_section_the_report_has():
    import re
    from pathlib import Path

    from corridor_geo.report import SECTIONS, TRANSIT_MINUTES

    guide = Path(__file__).resolve().parents[1] / "docs" / "report.md"
    text = guide.read_text(encoding="utf-8")
    table = text.split("## What the default report shows", 1)[1].split("\n## ", 1)[0]
    keys = re.findall(r"^\| `(\w+)`", table, flags=re.M)
    assert keys == list(SECTIONS)  # every section, in the report's order
    row = next(line for line in table.splitlines() if line.startswith("| `transit` |"))
    bands = " and ".join(f"{m:g}" for m in TRANSIT_MINUTES)
    assert f"within {bands} minutes of a metro station" in row
