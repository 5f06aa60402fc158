"""Open corridor_geo's outputs in a real QGIS and report what it sees (run by test_qgis.py).

QGIS's Python bindings (Debian's ``python3-qgis``) belong to the system interpreter, not
to the project's virtual environment, so the tests run this script with ``/usr/bin/python3``
and ``QT_QPA_PLATFORM=offscreen``::

    /usr/bin/python3 tests/qgis_check.py job.json result.json

``job.json`` lists layers (a GeoPackage layer, a Shapefile, a GeoJSON file, a GeoTIFF)
and projects (``.qgz``).  For each layer the script records whether QGIS finds it valid,
its CRS, whether its default style loads (from the GeoPackage's ``layer_styles`` table or
the ``.qml`` beside the file), the renderer and its classes, whether QGIS's SLD reader
accepts the ``.sld`` beside the file, and renders it alone on white to a PNG.  For each
project: whether it reads, its layers in drawing order (top first),
their validity, the project CRS, the extent it opens on, and a PNG of the whole project.
The test compares the pixels with the colours the layers should have.

Without QGIS (``import qgis`` fails) the script exits with status 3.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

try:
    from qgis.core import (
        Qgis,
        QgsApplication,
        QgsCoordinateReferenceSystem,
        QgsMapRendererSequentialJob,
        QgsMapSettings,
        QgsProject,
        QgsRasterLayer,
        QgsRectangle,
        QgsVectorLayer,
    )
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor
except ImportError:  # pragma: no cover - exercised where QGIS is absent
    sys.exit(3)


def _color(c) -> list[int]:
    return [c.red(), c.green(), c.blue(), c.alpha()]


def _rect(r) -> list[float]:
    return [r.xMinimum(), r.yMinimum(), r.xMaximum(), r.yMaximum()]


def render(layers, crs, extent, size, png) -> list[float]:
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(crs)
    settings.setOutputSize(QSize(*size))
    settings.setOutputDpi(96)
    settings.setBackgroundColor(QColor(255, 255, 255))
    settings.setExtent(extent)
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(png, "PNG")
    return _rect(settings.visibleExtent())


def symbol_colors(symbol) -> dict:
    layer = symbol.symbolLayer(0)
    props = layer.properties()
    return {
        "fill": _color(symbol.color()),
        "stroke": props.get("outline_color") or props.get("line_color"),
        "outline_style": props.get("outline_style"),
        "style": props.get("style"),
    }


def vector_facts(layer) -> dict:
    renderer = layer.renderer()
    facts = {"renderer": renderer.type(), "classes": []}
    if renderer.type() == "categorizedSymbol":
        facts["attribute"] = renderer.classAttribute()
        for c in renderer.categories():
            facts["classes"].append(
                {"value": c.value(), "label": c.label(), **symbol_colors(c.symbol())}
            )
    elif renderer.type() == "graduatedSymbol":
        facts["attribute"] = renderer.classAttribute()
        for r in renderer.ranges():
            facts["classes"].append(
                {
                    "lower": r.lowerValue(),
                    "upper": r.upperValue(),
                    "label": r.label(),
                    **symbol_colors(r.symbol()),
                }
            )
    elif renderer.type() == "singleSymbol":
        facts["classes"].append(symbol_colors(renderer.symbol()))
    elif renderer.type() == "RuleRenderer":  # what QGIS makes of an SLD
        for rule in renderer.rootRule().descendants():
            if rule.symbol() is not None:
                facts["classes"].append(
                    {"filter": rule.filterExpression(), **symbol_colors(rule.symbol())}
                )
    return facts


def check_layer(item: dict) -> dict:
    name = item["name"]
    if item.get("provider") == "gdal":
        layer = QgsRasterLayer(item["uri"], name, "gdal")
    else:
        layer = QgsVectorLayer(item["uri"], name, "ogr")
    out = {"name": name, "valid": layer.isValid()}
    if not layer.isValid():
        return out
    out["crs"] = layer.crs().authid()
    out["crs_valid"] = layer.crs().isValid()
    message, loaded = layer.loadDefaultStyle()
    out["style_loaded"], out["style_message"] = bool(loaded), message
    if isinstance(layer, QgsVectorLayer):
        out["features"] = layer.featureCount()
        out.update(vector_facts(layer))
        out["fields"] = [f.name() for f in layer.fields()]
        out["field_types"] = {f.name(): f.typeName() for f in layer.fields()}
        texts = (
            [str(f[item["text_field"]]) for f in layer.getFeatures()]
            if item.get("text_field")
            else []
        )
        out["texts"] = texts
        if item.get("sld"):  # the SLD beside the file, read by QGIS's SLD parser
            twin = QgsVectorLayer(item["uri"], name + " (SLD)", "ogr")
            message, ok = twin.loadSldStyle(item["sld"])
            out["sld"] = {"loaded": bool(ok), "message": message, **vector_facts(twin)}
        if item.get("provider_styles", False):
            count, _ids, names, _descriptions, error = layer.listStylesInDatabase()
            out["database_styles"] = {"count": count, "names": list(names), "error": error}
    else:
        renderer = layer.renderer()
        out["renderer"] = renderer.type()
        shader = renderer.shader().rasterShaderFunction()
        out["min"], out["max"] = shader.minimumValue(), shader.maximumValue()
        out["ramp"] = [[i.value, i.color.name()] for i in shader.colorRampItemList()]
        out["opacity"] = renderer.opacity()
    if item.get("png"):
        out["png"] = item["png"]
        extent = QgsRectangle(*item["extent"]) if item.get("extent") else layer.extent()
        out["rendered_extent"] = render(
            [layer], layer.crs(), extent, item.get("size", [800, 800]), item["png"]
        )
    return out


def check_project(item: dict) -> dict:
    canvas = None
    try:  # the canvas reads the extent a project opens on, as QGIS desktop does
        from qgis.gui import QgsMapCanvas

        canvas = QgsMapCanvas()
    except Exception:  # no GUI bindings: the canvas check is left out
        canvas = None
    project = QgsProject.instance()
    project.clear()
    ok = project.read(item["path"])
    out = {"read": bool(ok), "error": project.error()}
    if not ok:
        return out
    order = project.layerTreeRoot().layerOrder()  # top first
    out["layers"] = [
        {
            "name": layer.name(),
            "valid": layer.isValid(),
            "crs": layer.crs().authid(),
            "renderer": layer.renderer().type() if layer.renderer() else None,
        }
        for layer in order
    ]
    out["crs"] = project.crs().authid()
    view = project.viewSettings().defaultViewExtent()
    out["default_view"] = _rect(view)
    if canvas is not None:
        out["canvas_extent"] = _rect(canvas.extent())
        out["canvas_crs"] = canvas.mapSettings().destinationCrs().authid()
    if item.get("png"):
        out["png"] = item["png"]
        out["rendered_extent"] = render(
            order,
            project.crs(),
            QgsRectangle(view),
            item.get("size", [800, 800]),
            item["png"],
        )
    if item.get("png_without"):  # the same view with some layers hidden
        hidden = set(item.get("hide", []))
        render(
            [layer for layer in order if layer.name() not in hidden],
            project.crs(),
            QgsRectangle(view),
            item.get("size", [800, 800]),
            item["png_without"],
        )
        out["png_without"] = item["png_without"]
    project.clear()
    return out


def main(job_path: str, result_path: str) -> int:
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    app = QgsApplication([], True)
    app.initQgis()
    try:
        result = {
            "qgis": Qgis.QGIS_VERSION,
            "layers": [check_layer(item) for item in job.get("layers", [])],
            "projects": [check_project(item) for item in job.get("projects", [])],
        }
        crs = QgsCoordinateReferenceSystem("EPSG:4549")
        result["epsg4549"] = crs.isValid()
    finally:
        app.exitQgis()
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
