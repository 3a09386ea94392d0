"""The dashboard in a real browser: Debian's Chromium driven by Playwright, offline.

The server runs as a subprocess (``python -m mtor_abm.experiments dashboard --port <port>``) with
Solara's CDN pointed at a dead local address, and the browser aborts any request that is not
to 127.0.0.1: the page must load and work from what the installation holds. Skipped only when
``/usr/bin/chromium`` is absent AND ``MTOR_SKIP_BROWSER=1`` is set (CI installs chromium).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(os.environ.get("MTOR_SCREENSHOT_DIR", "/tmp/mtor-dashboard-shots"))

if not Path(CHROMIUM).exists() and os.environ.get("MTOR_SKIP_BROWSER") == "1":
    pytest.skip("no /usr/bin/chromium and MTOR_SKIP_BROWSER=1", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    log = open(tmp_path_factory.mktemp("dashboard") / "server.log", "w+")  # noqa: SIM115
    env = {**os.environ, "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/npm/"}  # no internet fallback
    proc = subprocess.Popen(
        [sys.executable, "-m", "mtor_abm.experiments", "dashboard", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                log.seek(0)
                pytest.fail(f"dashboard did not start: {log.read()}")
            time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
            ],
        )
        yield b
        b.close()


class Visit:
    """One browser page on the dashboard, recording what left the machine and what failed."""

    def __init__(self, browser, url: str):
        self.external: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1500, "height": 2300})
        self.page.route("**/*", self._route)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "response",
            lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        self.page.goto(url)
        self.time_text()  # wait for the first render

    def _route(self, route):
        url = route.request.url
        if re.match(r"^(https?|wss?)://(127\.0\.0\.1|localhost)[:/]", url) or url.startswith(
            "data:"
        ):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def _console(self, msg):
        if msg.type == "error":
            self.errors.append(msg.text)

    def time_text(self) -> str:
        loc = self.page.locator(".mtor-time").first
        loc.wait_for(timeout=60_000)
        return loc.inner_text()

    def hours(self) -> float:
        return float(re.search(r"time: ([\d.]+) h", self.time_text()).group(1))

    def wait_hours(self, predicate, timeout=30.0) -> float:
        end = time.time() + timeout
        while time.time() < end:
            h = self.hours()
            if predicate(h):
                return h
            time.sleep(0.2)
        raise AssertionError(f"time stayed at {self.hours()} h")

    def click_button(self, name: str):
        self.page.get_by_role("button", name=re.compile(name, re.I)).first.click()

    def select(self, label: str, option: str):
        self.page.get_by_label(label).first.click(force=True)
        self.page.locator(".v-menu__content.menuable__content__active").get_by_text(
            option, exact=True
        ).first.click()

    def shot(self, name: str):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def assert_clean(self):
        assert self.external == [], f"requests left the machine: {self.external}"
        assert self.failed == [], f"failed requests: {self.failed}"
        assert self.errors == [], f"console errors: {self.errors}"


@pytest.fixture
def visit(server, browser):
    v = Visit(browser, server)
    yield v
    v.page.close()


def test_page_loads_offline_without_console_errors(visit):
    assert "time: 0 h" in visit.time_text()
    assert visit.page.locator("img.mtor-tissue-img").count() == 1
    visit.shot("explore")
    visit.assert_clean()


def test_step_advances_time_and_play_pause(visit):
    visit.click_button("step")
    visit.wait_hours(lambda h: h >= 1)
    visit.click_button("play")
    start = visit.hours()
    visit.wait_hours(lambda h: h >= start + 2)
    visit.click_button("pause")
    time.sleep(1.0)
    paused = visit.hours()
    time.sleep(1.5)
    assert visit.hours() == paused
    visit.assert_clean()


def test_switching_drug_and_colouring_and_cell_inspector(visit):
    visit.select("Drug", "sirolimus")
    visit.page.get_by_text("sirolimus 2 mg daily").first.wait_for(timeout=20_000)
    visit.click_button("step")
    visit.wait_hours(lambda h: h >= 1)
    visit.select("Colour the tissue by", "phospho-S6K (mTORC1 output)")
    visit.page.get_by_text("relative to an untreated cell").first.wait_for(timeout=20_000)
    # a site that holds a cell in the default culture on seed 0 (the page's starting tissue)
    from mtor_abm.model.pharmacology import UNTREATED
    from mtor_abm.model.scenarios.culture import CultureModel, CultureScenario

    model = CultureModel(CultureScenario(rng=0), UNTREATED)
    x, y = int(model.table["x"][0]), int(model.table["y"][0])
    img = visit.page.locator("img.mtor-tissue-img").first
    box = img.bounding_box()
    size = box["width"] / model.grid.width
    img.click(position={"x": (x + 0.5) * size, "y": (model.grid.height - y - 0.5) * size})
    visit.page.get_by_text(f"site x={x}, y={y}").first.wait_for(timeout=10_000)
    visit.page.get_by_text("mTORC1 activation (upstream").first.wait_for(timeout=10_000)
    assert visit.page.get_by_text("mTORC1 activation (upstream").count() >= 1
    visit.shot("explore_sirolimus_pS6K_inspector")
    visit.assert_clean()


def test_switching_scenario(visit):
    from mtor_abm.model.scenarios import SCENARIOS

    others = [s for s in SCENARIOS if s != "culture"]
    if not others:
        pytest.skip("only the culture scenario is registered")
    visit.select("Scenario", others[0])
    visit.page.get_by_text(SCENARIOS[others[0]].description).first.wait_for(timeout=60_000)
    visit.time_text()
    visit.shot(f"scenario_{others[0]}")
    visit.assert_clean()


def test_compare_mode_shows_arms_in_lockstep(visit):
    visit.page.get_by_role("button", name="Compare").click()
    visit.page.locator("img.mtor-tissue-img").nth(2).wait_for(timeout=30_000)
    assert visit.page.locator("img.mtor-tissue-img").count() == 3
    assert visit.page.get_by_text("torin1 held at 250 nM").count() >= 1
    visit.click_button("step")
    visit.wait_hours(lambda h: h >= 1)
    visit.select("Colour the tissue by", "phospho-AKT S473 (mTORC2 output)")
    visit.page.get_by_text("relative to an untreated cell").first.wait_for(timeout=20_000)
    visit.shot("compare")
    visit.assert_clean()


def test_lesson_opens_and_its_run_starts(visit):
    visit.page.get_by_role("button", name="Lessons").click()
    visit.page.get_by_text("Predict first").first.wait_for(timeout=20_000)
    visit.shot("lesson_question")
    run_button = visit.page.get_by_role("button", name=re.compile("Run the experiment", re.I))
    assert run_button.is_disabled()  # predict first
    visit.page.get_by_text("They keep growing, but more slowly").click()
    visit.click_button("Run the experiment")
    visit.page.locator("img.mtor-tissue-img").nth(2).wait_for(timeout=30_000)
    visit.wait_hours(lambda h: h >= 2)
    visit.shot("lesson_running")
    visit.click_button("pause")
    visit.assert_clean()
