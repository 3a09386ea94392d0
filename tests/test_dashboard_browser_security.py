"""Dashboard security in a real browser: hostile front-end requests, the page offline, markup.

The server runs as a subprocess over a hard-linked copy of the installed front-end (so a
regression could only damage the copy), with ``VSCODE_PID`` set (Solara then turns its CDN
route off and points the page at the internet unless the dashboard keeps it on) and a lesson
folder holding a lesson whose every string carries markup. The browser aborts every request
that is not to 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from test_dashboard_browser import Visit, _free_port, browser  # noqa: F401 (fixture)

VUETIFY = "@widgetti/solara-vuetify-app@10.1.1"
HOSTILE_PATHS = (
    f"/_solara/cdn/{VUETIFY}/dist",  # Solara 1.64 deleted this folder, then fetched it
    f"/_solara/cdn/{VUETIFY}/dist/",
    f"/_solara/cdn/{VUETIFY}",
    "/_solara/cdn/requirejs@2.3.6",
    "/_solara/cdn/font-awesome@4.5.0/css",
    "/_solara/cdn/left-pad@1.3.0/index.js",  # a file that is not installed: never fetched
    "/_solara/cdn/vega",
    "/_solara/cdn/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
)
MARK = {
    "script": "<script>window.__xss = 1</script>",
    "img": '<img src=x onerror="window.__xss = 2">',
    "label1": "<script>window.__xss = 3</script> untreated",
    "label2": '<img src=x onerror="window.__xss = 4"> sirolimus $\\frac{$',
}
LESSON = f"""
title = 'Markup {MARK["script"]} lesson'
order = 0.5
scenario = "culture"
days = 0.25
plot = "cells"
text = '''Text with {MARK["img"]} and {MARK["script"]} inside.'''
question = '''Question {MARK["img"]}?'''
choices = ['''Choice {MARK["img"]}''', "Plain choice"]
explanation = '''Ended with {{a.cells.end:.0f}} cells {MARK["script"]} {MARK["img"]}.'''

[params]
width = 20
height = 20
initial_cells = 40

[[arms]]
key = "a"
label = '''{MARK["label1"]}'''
drug = "none"

[[arms]]
key = "b"
label = '''{MARK["label2"]}'''
drug = "sirolimus"
schedule = "fixed"
conc_nM = 20
"""


def _link_tree(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` as hard links where the filesystem allows (fast, no space)."""

    def link(a, b):
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)

    shutil.copytree(src, dst, copy_function=link)


def _tree(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """(url, front-end copy) of a dashboard server started as a classroom would start it."""
    from mtor_abm.visualization.dashboard.server import cdn_cache_dir

    root = tmp_path_factory.mktemp("hostile")
    cache = root / "cdn"
    _link_tree(cdn_cache_dir(), cache)
    lessons = root / "lessons"
    lessons.mkdir()
    (lessons / "markup.toml").write_text(LESSON, encoding="utf-8")
    env = {
        **os.environ,
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cache),
        "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/npm/",  # if anything were fetched: refused
        "VSCODE_PID": "1",
        "MTOR_LESSONS_DIR": str(lessons),
    }
    with _serving([], env, root / "server.log") as (url, log):
        yield url, cache, log


@contextlib.contextmanager
def _serving(options: list[str], env: dict, log_path: Path):
    """Run ``mtor-sim dashboard`` with ``options`` until the block ends: (url, log file)."""
    port = _free_port()
    log = open(log_path, "w+")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "mtor_abm.experiments", "dashboard", "--port", str(port), *options],
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
    try:
        yield url, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def test_hostile_front_end_requests_then_the_page_loads_offline(hostile, browser):  # noqa: F811
    url, cache, log = hostile
    before = _tree(cache)
    for path in HOSTILE_PATHS:
        assert _status(url.rstrip("/") + path) == 404, path
    assert _tree(cache) == before  # nothing deleted, written or fetched into the front-end
    log.seek(0)
    assert "Could not load URL" not in log.read()  # Solara's fetch helper never ran
    visit = Visit(browser, url)
    try:
        assert "time: 0 h" in visit.time_text()
        visit.click_button("step")
        visit.wait_hours(lambda h: h >= 1)
        visit.shot("offline_after_hostile_requests")
        visit.assert_clean()  # no request left 127.0.0.1, none failed, no console error
    finally:
        visit.page.close()


def test_lesson_markup_is_shown_as_text_and_runs_no_script(hostile, browser):  # noqa: F811
    url, _, _ = hostile
    visit = Visit(browser, url)
    dialogs = []
    visit.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page = visit.page
    try:
        page.get_by_role("button", name="Lessons").click()
        page.get_by_text("Predict first").first.wait_for(timeout=20_000)
        page.get_by_text(f"Text with {MARK['img']} and {MARK['script']} inside.").wait_for()
        page.get_by_text(f"Choice {MARK['img']}").first.click()
        visit.click_button("Run the experiment")
        page.locator("img.mtor-tissue-img").nth(1).wait_for(timeout=30_000)
        page.get_by_text("What happened").first.wait_for(timeout=90_000)
        for shown in (
            f"Markup {MARK['script']} lesson",
            MARK["label1"],
            MARK["label2"],
            f"{MARK['script']} {MARK['img']}.",
        ):
            assert page.get_by_text(shown, exact=False).count() >= 1, shown
        assert re.search(r"Ended with \d+ cells", page.inner_text("body"))
        visit.shot("lesson_with_markup")
        assert page.evaluate("window.__xss") is None  # no injected script or handler ran
        assert dialogs == []
        assert page.locator("img[src='x']").count() == 0
        assert not page.evaluate("[...document.scripts].some(s => s.text.includes('__xss'))")
        visit.assert_clean()
    finally:
        page.close()


def test_limits_refuse_politely_in_the_page_and_free_a_closed_tab_seat(tmp_path, browser):  # noqa: F811
    """One seat and 1600 sites (the culture's default 40 x 40): a second tab is told the server
    is full, a 100 x 40 tissue is refused with the limit named, and closing the first tab lets
    a new one in."""
    options = ["--max-sessions", "1", "--max-sites", "1600"]
    with _serving(options, dict(os.environ), tmp_path / "server.log") as (url, _):
        first = Visit(browser, url)
        second = browser.new_page()
        try:
            second.goto(url)
            second.get_by_text("This shared server is full").wait_for(timeout=60_000)
            assert second.locator("img.mtor-tissue-img").count() == 0  # nothing was built
            second.screenshot(path=str(_shot("limits_server_full")), full_page=True)
            first.page.get_by_text("Scenario parameters").click()
            width = first.page.get_by_label("width (sites)")
            width.fill("100")
            width.press("Enter")
            first.page.get_by_text(
                re.compile(r"up to 1,600 sites; 100 x 40 = 4,000 sites")
            ).wait_for(timeout=30_000)
            first.page.get_by_text("--max-sites").first.wait_for()
            first.shot("limits_tissue_refused")
            first.assert_clean()
            first.page.goto("about:blank")  # the tab goes away: Solara closes its session
            third = browser.new_page()
            deadline = time.time() + 30
            while True:
                third.goto(url)
                seated = third.locator("img.mtor-tissue-img")
                full = third.get_by_text("This shared server is full")
                seated.or_(full).first.wait_for(timeout=60_000)
                if seated.count() == 1:
                    break
                assert time.time() < deadline, "the closed tab's seat was never freed"
                time.sleep(1.0)
            third.close()
        finally:
            first.page.close()
            second.close()


def _shot(name: str) -> Path:
    from test_dashboard_browser import SHOTS

    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"


def test_oversized_websocket_message_is_refused(hostile):
    """A visitor's message larger than the server's cap closes its socket (1009) before the
    server buffers it (the cap was 64 MiB per connection)."""
    import uuid

    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    from mtor_abm.visualization.dashboard.server import WS_MAX_BYTES

    url, _, _ = hostile
    socket_url = url.replace("http://", "ws://") + (
        f"jupyter/api/kernels/{uuid.uuid4()}/channels?session_id={uuid.uuid4()}"
    )
    with connect(socket_url, max_size=None) as ws:
        ws.send("x" * (WS_MAX_BYTES + 1))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009  # message too big
