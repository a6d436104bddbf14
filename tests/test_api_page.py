"""The map page in a real headless Chromium (Debian's ``chromium``, driven by Playwright), over a real server.

``tools/install_chromium.sh`` installs the browser when it is missing (``.ci/run`` runs it first);
Playwright never downloads one: it is pointed at ``/usr/bin/chromium``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newswire.projector import synthetic as s
from newswire.projector.store import create_engine
from tests.fixtures import api as h

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        done = subprocess.run([str(ROOT / "tools" / "install_chromium.sh")], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(done.stderr.strip() or "chromium could not be installed")
    return CHROMIUM


@pytest.fixture
def browser_page(chromium: Path) -> Iterator[tuple[Any, list[str]]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
        page.on("requestfailed", lambda req: errors.append(f"request failed: {req.url}"))
        try:
            yield page, errors
        finally:
            browser.close()


def marker(page: Any, place: str) -> Any:
    return page.locator(f'path.place-marker[data-name="{place}"]')


def test_the_map_page(browser_page: tuple[Any, list[str]], tmp_path: Path) -> None:
    page, errors = browser_page
    db_url = f"sqlite:///{tmp_path / 'tables.db'}"
    engine = create_engine(db_url)
    h.apply_events(engine, h.history_events())
    try:
        with h.running_api(db_url) as base:
            page.goto(base + "/")
            page.wait_for_selector("body[data-ready=true]")
            page.wait_for_selector("#live.on")
            page.evaluate("window.loadedOnce = true")

            # A point for each seeded control row that has coordinates, coloured by its side (the legend's colour).
            assert sorted(page.eval_on_selector_all("path.place-marker", "els => els.map(e => e.dataset.name)")) == [
                "Alpha", "Charlie"]
            legend = dict(page.eval_on_selector_all(
                "#legend li", "els => els.map(e => [e.dataset.side, e.dataset.colour])"))
            fills = {}
            for name, side in (("Alpha", "government"), ("Charlie", "RSF")):
                m = marker(page, name)
                assert m.get_attribute("data-side") == side
                fills[name] = m.get_attribute("fill")
                assert fills[name] == legend[side]
            assert fills["Alpha"] != fills["Charlie"]
            # The row without coordinates is listed with the reason instead.
            unlocated = page.locator('#unlocated li[data-place-id="newswire:sy:bravo"]')
            assert "not in the gazetteer" in unlocated.inner_text()
            # Crossings show each side's status; meetings are listed and drawn.
            assert page.locator('.crossing-icon[data-crossing-id="test:xray-crossing"] span.s-closed').count() == 1
            assert page.locator("#meetings li").count() == 2
            assert page.locator(".meeting-icon").count() == 2

            # Hovering shows the place, the controller and since when. The events are dispatched on the marker
            # itself: a pointer at its screen position could miss it while the map is still fitting its bounds.
            marker(page, "Alpha").dispatch_event("mouseover")
            tooltip = page.locator(".leaflet-tooltip").first
            tooltip.wait_for()
            assert "Alpha" in tooltip.inner_text() and "government forces" in tooltip.inner_text()
            assert "since 2026-03-01" in tooltip.inner_text()

            # Clicking shows the history and the evidence, with the outlet and its link.
            marker(page, "Alpha").dispatch_event("click")
            page.wait_for_selector("#detail .evidence blockquote")
            detail = page.locator("#detail")
            assert "government forces took control of Alpha." in detail.inner_text()
            link = detail.locator(".evidence a").first
            assert link.inner_text() == "sana" and link.get_attribute("href").startswith("https://sana.example/")
            assert detail.locator("table.history tr").count() == 4  # a header and three transitions

            # The slider at an earlier date changes the controller shown.
            index = page.evaluate("(d) => Math.round((Date.parse(d) - state.firstDay) / 86400000)", "2026-02-15")
            page.locator("#asof").fill(str(index))
            page.wait_for_selector('path.place-marker[data-name="Alpha"][data-side="kurdish-led"]')
            assert page.locator("#asof-label").inner_text() == "2026-02-15"
            assert marker(page, "Alpha").get_attribute("fill") != fills["Alpha"]
            assert marker(page, "Charlie").count() == 0  # taken on 19 February
            # ...and as newswire knew it on 5 March, before the late report: the opposition.
            page.locator("#knownat").fill("2026-03-05T00:00:00")
            page.wait_for_selector('path.place-marker[data-name="Alpha"][data-side="opposition"]')
            page.locator("#knownat-now").click()
            page.wait_for_selector('path.place-marker[data-name="Alpha"][data-side="kurdish-led"]')
            page.locator("#asof").fill(page.locator("#asof").get_attribute("max"))
            page.wait_for_selector('path.place-marker[data-name="Alpha"][data-side="government"]')

            # A row projected while the page is open appears without a reload.
            delta = s.place("Delta", "town", "SY", lat=34.9, lon=38.2)
            h.apply_events(engine, [(s.control(("reuters", "2026-03-25"), delta, s.actor("sdf"), "2026-03-24"),
                                     h.T_DOHA_HELD)])
            page.wait_for_selector('path.place-marker[data-name="Delta"][data-side="kurdish-led"]', timeout=15000)
            assert page.evaluate("window.loadedOnce") is True

            shot = tmp_path / "map.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
    finally:
        engine.dispose()
    assert errors == [], errors
