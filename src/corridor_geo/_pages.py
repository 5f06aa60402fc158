"""Standalone HTML pages of a monitoring and of a comparison (private).

Written by ``corridor-geo monitor`` and ``corridor-geo compare`` and returned by
``Monitoring.to_html()`` / ``Comparison.to_html()``.  Every value that may come from a
user (names, zone identifiers, file names, notes) goes through
:func:`corridor_geo._html.esc`; figures are embedded as PNG, maps as an ``iframe`` whose
``srcdoc`` is escaped, so a page is one self-contained file.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._html import esc

_CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;
margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.25em .5em;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#1a7f37;font-weight:bold}.short{color:#cf222e;font-weight:bold}
.note{color:#555;font-size:.85em}img{max-width:100%}
iframe{width:100%;height:560px;border:1px solid #ccc}
"""


def page(title: str, body: str) -> str:
    """A complete HTML document (``title`` is escaped here; ``body`` must be HTML)."""
    return (
        '<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_CSS}</style></head>"
        f"<body><h1>{esc(title)}</h1>{body}"
        '<p class="note">corridor_geo</p></body></html>\n'
    )


def _cell(value: Any, fmt: str | None) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "<td></td>"
    if isinstance(value, (bool, np.bool_)):
        return f"<td>{'✓' if value else '✗'}</td>"
    if fmt and isinstance(value, (int, float, np.integer, np.floating)):
        return f'<td class="num">{esc(format(value, fmt))}</td>'
    return f"<td>{esc(value)}</td>"


def table_html(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    formats: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> str:
    """An escaped HTML table of some columns of a frame."""
    formats = dict(formats or {})
    headers = dict(headers or {})
    cols = [c for c in columns if c in frame.columns]
    head = "".join(f"<th>{esc(headers.get(c, c))}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(_cell(row[c], formats.get(c)) for c in cols) + "</tr>"
        for _, row in frame.iterrows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _png(fig: Any, dpi: int) -> str:
    from .plotting import figure_to_png_bytes

    data = base64.b64encode(figure_to_png_bytes(fig, dpi=dpi)).decode("ascii")
    return f'<img alt="chart" src="data:image/png;base64,{data}">'


def _value(value: Any, unit: str) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "n/a"
    if unit == "share":
        return f"{value:.1%}"
    return f"{value:,.2f}"


def monitoring_page(
    monitoring: Any, *, title: str | None = None, lang: str = "both", dpi: int = 110
) -> str:
    """The monitoring as one HTML page: what is on track, the chart and the tables."""
    import matplotlib.pyplot as plt

    m = monitoring
    title = title or f"青岛科创大走廊 monitoring {m.years[0]}–{m.years[-1]} → {m.target_year}"
    proj = m.projection.loc[m.projection["target"].notna()]
    items = []
    for _key, rows in proj.groupby("key", sort=False):
        first = rows.iloc[0]
        parts = []
        for r in rows.itertuples():
            if str(r.status).startswith("not assessable"):  # the target, not the method
                parts = [esc(r.status)]
                break
            if r.status != "ok":
                parts.append(f"{esc(r.method)}: {esc(r.status)}")
                continue
            cls, word = (
                ("ok", "on track")
                if pd.notna(r.on_track) and bool(r.on_track)
                else ("short", "short of the target")
            )
            if getattr(r, "capped", False):  # the bound applied, from the note
                word += f" ({str(r.note).rpartition('; ')[2]})"
            reached = (
                f", reached in {int(r.year_reached)}"
                if r.year_reached is not None and not pd.isna(r.year_reached)
                else ", not reached on this trend"
            )
            parts.append(
                f"{esc(r.method)}: {esc(_value(r.projected, r.unit))} in {m.target_year} "
                f'<span class="{cls}">{esc(word)}</span>{esc(reached)}'
            )
        items.append(
            f"<li><strong>{esc(first['name_zh'])}</strong> {esc(first['name_en'])} "
            f"({esc(first['zone_zh'])}): {esc(_value(first['last_value'], first['unit']))} "
            f"in {esc(first['last_year'])}, target "
            f"{esc(_value(first['target_value'], first['unit']))}"
            f"<br>{'; '.join(parts)}</li>"
        )
    fig = m.figure(lang="en" if lang == "en" else "zh")
    try:
        chart = _png(fig, dpi)
    finally:
        plt.close(fig)
    years = m.targets
    body = [
        f"<p>Snapshots {', '.join(esc(y) for y in m.years)}; base year {esc(m.base_year)}; "
        f"projection to {esc(m.target_year)}.</p>",
        f"<h2>Targets</h2><ul>{''.join(items)}</ul>",
        f"<h2>Chart</h2>{chart}",
        "<h2>Projections</h2>",
        table_html(
            m.projection,
            [
                "name_zh",
                "zone_zh",
                "method",
                "n_years",
                "last_year",
                "last_value",
                "rate",
                "projected",
                "target_value",
                "on_track",
                "year_reached",
                "capped",
                "status",
            ],
            formats={
                "last_value": ",.4g",
                "rate": ",.4g",
                "projected": ",.4g",
                "target_value": ",.4g",
            },
        ),
        "<h2>The targets year by year</h2>",
        table_html(
            years,
            [
                "year",
                "name_zh",
                "zone_zh",
                "amount",
                "city_amount",
                "share",
                "population",
                "per_10k",
                "value",
                "unit",
                "growth",
                "target",
                "target_value",
                "met",
                "status",
            ],
            formats={
                "amount": ",.4g",
                "city_amount": ",.4g",
                "share": ".2%",
                "population": ",.0f",
                "per_10k": ",.3f",
                "value": ",.4g",
                "growth": "+.1%",
                "target": ".0%",
                "target_value": ",.4g",
            },
        ),
        "<h2>Every indicator and zone</h2>",
        table_html(
            m.table,
            [
                "year",
                "key",
                "layer",
                "zone_zh",
                "zone_en",
                "amount",
                "share",
                "per_10k",
                "value",
                "change",
                "growth",
            ],
            formats={
                "amount": ",.4g",
                "share": ".2%",
                "per_10k": ",.3f",
                "value": ",.4g",
                "change": "+,.4g",
                "growth": "+.1%",
            },
        ),
        "<h2>Method</h2><p class='note'>"
        + esc(
            "linear: ordinary least squares of the value on the year over every year "
            "observed; cagr: compound annual growth between the first and the last year "
            "observed. Fewer than two years: not projectable. A projection extends a "
            "trend; with few years its uncertainty is large. Population: "
        )
        + esc("; ".join(sorted(set(m.table["population_method"].astype(str)))))
        + "</p>",
    ]
    return page(title, "".join(body))


def comparison_page(
    comparison: Any, *, title: str | None = None, map_html: str | None = None
) -> str:
    """The comparison of two layouts as one HTML page: table, changed area, boundaries."""
    c = comparison
    a, b = c.names
    title = title or f"青岛科创大走廊 scenario comparison: {a} → {b}"
    changed = pd.DataFrame(c.changed.drop(columns=c.changed.geometry.name))
    body = [
        f"<p>{esc(a)} against {esc(b)}, on the same resources.</p>",
        "<h2>Differences per zone</h2>",
        table_html(
            c.table,
            [
                "layer",
                "zone",
                "name_zh",
                "metric",
                "unit",
                "a",
                "b",
                "difference",
                "rel_difference",
            ],
            formats={"a": ",.4g", "b": ",.4g", "difference": "+,.4g", "rel_difference": "+.1%"},
            headers={"a": a, "b": b},
        ),
        "<h2>Changed area</h2>",
        table_html(
            changed,
            ["layer", "zone", "name_zh", "change", "area_km2", "resources", "weight"],
            formats={"area_km2": ",.3f", "weight": ",.4g"},
        ),
    ]
    if c.boundaries is not None:
        body += [
            "<h2>Boundaries</h2>",
            f"<p>{esc(c.boundaries.verdict)}</p>",
            table_html(
                c.boundaries.features,
                [
                    "key",
                    "name",
                    "status",
                    "area_a_km2",
                    "area_b_km2",
                    "iou",
                    "hausdorff_m",
                    "median_offset_m",
                    "share_agrees",
                    "share_b_gcj02",
                    "share_a_gcj02",
                ],
                formats={
                    "area_a_km2": ",.3f",
                    "area_b_km2": ",.3f",
                    "iou": ".4f",
                    "hausdorff_m": ",.0f",
                    "median_offset_m": ",.0f",
                    "share_agrees": ".0%",
                    "share_b_gcj02": ".0%",
                    "share_a_gcj02": ".0%",
                },
            ),
        ]
    if map_html:
        body.append(f'<h2>Map</h2><iframe srcdoc="{esc(map_html)}"></iframe>')
    notes = c.notes if isinstance(c.notes, (list, tuple)) else [c.notes]
    body.append("<h2>Method</h2><p class='note'>" + "<br>".join(esc(n) for n in notes) + "</p>")
    return page(title, "".join(body))
