"""The one documented way a model object reaches an output module (private).

Base objects (:class:`~corridor_geo.layout.CorridorLayout`,
:class:`~corridor_geo.resources.ResourceTable`, :class:`~corridor_geo.raster.Raster`) and
analysis results (:class:`~corridor_geo.monitoring.Monitoring`,
:class:`~corridor_geo.scenarios.Comparison`) offer convenience methods whose work is
done by an output module: ``explore()`` by :mod:`corridor_geo.maps`, ``to_file()`` by
:mod:`corridor_geo.io`, ``figure()`` by :mod:`corridor_geo.plotting`.  As geopandas'
``GeoDataFrame.explore`` does, the method delegates; here every such delegation goes
through :func:`delegate`, which imports the output module on first use by the name in
:data:`PROVIDERS`.  Model modules therefore never import an output module, and the
import graph keeps its layers (``tests/test_architecture.py`` checks it).
"""

from __future__ import annotations

import importlib
from typing import Any

PROVIDERS = {
    "explore": ("corridor_geo.maps", "explore_object"),
    "write_layers": ("corridor_geo.io", "write_layers"),
    "plot_sweep": ("corridor_geo.plotting", "plot_accessibility_sweep"),
    "plot_monitoring": ("corridor_geo.plotting", "plot_monitoring"),
    "monitoring_page": ("corridor_geo._pages", "monitoring_page"),
    "explore_comparison": ("corridor_geo.maps", "explore_comparison"),
    "comparison_page": ("corridor_geo._pages", "comparison_page"),
    "explore_boundaries": ("corridor_geo.maps", "explore_boundaries"),
}
"""Action -> (output module, function) that performs it."""


def delegate(action: str, *args: Any, **kwargs: Any) -> Any:
    """Run ``action`` in its output module (see :data:`PROVIDERS`)."""
    module, name = PROVIDERS[action]
    return getattr(importlib.import_module(module), name)(*args, **kwargs)
