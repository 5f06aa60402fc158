"""Headless Chromium for page tests (Debian ``chromium`` and ``chromium-driver``).

Tests using it skip cleanly when the browser is not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

# Open every tooltip and popup so their content is in the DOM, then report what a test
# needs to know about the page.
INSPECT = """
const keys = Object.keys(window).filter(k => k.startsWith('map_'));
const out = {maps: keys.length, layers: 0};
const tips = new Set(), pops = new Set();
const collect = () => {
  document.querySelectorAll('.leaflet-tooltip').forEach(e => tips.add(e.innerText));
  document.querySelectorAll('.leaflet-popup-content').forEach(e => pops.add(e.innerText));
};
for (const key of keys) {
  const m = window[key];
  m.eachLayer(l => {
    out.layers++;
    if (l.feature) {
      const where = l.getBounds ? l.getBounds().getCenter() : l.getLatLng();
      l.fire('mouseover', {latlng: where}, true);
      collect();
      l.fire('click', {latlng: where}, true);
      collect();
    }
    if (l.getTooltip && l.getTooltip()) { l.openTooltip(); collect(); }
  });
}
out.tooltips = Array.from(tips);
out.popups = Array.from(pops);
out.controlLabels = Array.from(
  document.querySelectorAll('.leaflet-control-layers-overlays label')
).map(e => e.innerText.trim());
out.legend = Array.from(document.querySelectorAll('.corridor-geo-legend')).map(e => e.innerText);
// Where each map and its legend are (page pixels) and what the map shows.
const box = e => {
  const r = e.getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom];
};
out.views = keys.map(k => {
  const m = window[k], c = m.getContainer(), b = m.getBounds();
  const legend = c.querySelector('.corridor-geo-legend');
  const control = c.querySelector('.leaflet-control-layers');
  const attribution = c.querySelector('.leaflet-control-attribution');
  return {
    zoom: m.getZoom(), size: [m.getSize().x, m.getSize().y], box: box(c),
    bounds: [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()],
    legend: legend ? box(legend) : null,
    control: control ? box(control) : null,
    attribution: attribution ? box(attribution) : null,
  };
});
out.xss = window.__xss === undefined ? null : window.__xss;
out.iframes = Array.from(document.querySelectorAll('iframe')).map(e => box(e));
out.sections = Array.from(document.querySelectorAll('section[id]')).map(e => e.id);
out.imgs = Array.from(document.querySelectorAll('img')).map(
  e => ({src: e.src.slice(0, 30), ok: e.complete && e.naturalWidth > 0}));
out.text = document.body ? document.body.innerText : '';
return out;
"""


def require_browser() -> None:
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("headless Chromium not installed (apt-get install chromium chromium-driver)")


def inspect_page(
    path: Path, *, settle: float = 1.0, frames: bool = False
) -> tuple[dict, list[dict]]:
    """Open a local HTML file headless; return (page facts, browser console entries).

    With ``frames=True`` the facts of every iframe (e.g. maps embedded in a report) are
    listed under ``"frames"``.
    """
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
    ):
        opts.add_argument(arg)
    opts.binary_location = CHROMIUM
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        driver.get(Path(path).resolve().as_uri())
        time.sleep(settle)
        facts = driver.execute_script(INSPECT)
        if frames:
            facts["frames"] = []
            for frame in driver.find_elements("tag name", "iframe"):
                driver.switch_to.frame(frame)
                facts["frames"].append(driver.execute_script(INSPECT))
                driver.switch_to.default_content()
        time.sleep(0.2)
        logs = driver.get_log("browser")
    finally:
        driver.quit()
    return facts, logs


def errors(logs: list[dict]) -> list[dict]:
    return [e for e in logs if e.get("level") == "SEVERE"]
