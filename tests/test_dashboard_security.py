"""Dashboard hardening without a browser: strings drawn as text, a read-only front-end
route, and the limits of a shared (classroom) server."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest

from mtor_abm.model.errors import InputError
from mtor_abm.model.scenarios import SCENARIOS
from mtor_abm.visualization.dashboard import lessons, limits, server, view_figures


def test_arm_labels_are_drawn_literally_in_figures():
    """A label with a malformed formula or a leading underscore still draws, as written."""
    labels = [r"$\frac{$ <b>x</b>", "_hidden"]
    series = [{"time_h": [0.0, 1.0], "cells": [1.0, 2.0]}] * 2
    fig = view_figures.timeseries_figure(series, labels, "cells", 2.0)
    assert view_figures.figure_png(fig)[:4] == b"\x89PNG"  # mathtext would raise while drawing
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == [r"\$\frac{\$ <b>x</b>", " _hidden"]  # "\$" is drawn as "$"


# ------------------------------------------------------------------------------ front-end route
VUETIFY = "@widgetti/solara-vuetify-app@10.1.1"


def _asgi_get(app, path: str) -> tuple[int, dict[str, str], bytes]:
    """GET ``path`` from an ASGI app in-process: (status, headers, body)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1"), (b"accept-encoding", b"identity")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8765),
    }
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, body


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def offline_cdn(tmp_path, monkeypatch):
    """The dashboard's app over a copy of the installed front-end; fetching fails the test."""
    import solara.server.cdn_helper as cdn_helper
    import solara.server.settings as solara_settings

    for name in ("SOLARA_ASSETS_PROXY", "SOLARA_APP", "SOLARA_MODE", "SOLARA_THEME_TITLE"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
    server.offline_environment()
    cache = tmp_path / "cdn"
    installed = server.cdn_cache_dir()
    for name in ("requirejs@2.3.6", f"{VUETIFY}/dist"):
        shutil.copytree(installed / name, cache / name)
    monkeypatch.setattr(solara_settings.assets, "proxy_cache_dir", cache)

    def no_internet(url):
        raise AssertionError(f"the server tried to fetch {url}")

    monkeypatch.setattr(cdn_helper, "fetch_from_cdn", no_internet)
    monkeypatch.setattr(cdn_helper.requests, "get", no_internet)
    return server.offline_app(), cache


def test_front_end_folder_requests_are_404_and_delete_nothing(offline_cdn):
    """A GET for a folder under the route deleted it (Solara's get_path rmtree)."""
    app, cache = offline_cdn
    before = _tree(cache)
    for path in (
        f"/_solara/cdn/{VUETIFY}/dist",
        f"/_solara/cdn/{VUETIFY}/dist/",
        f"/_solara/cdn/{VUETIFY}",
        "/_solara/cdn/requirejs@2.3.6",
    ):
        status, _, _ = _asgi_get(app, path)
        assert status == 404, path
    assert _tree(cache) == before


def test_missing_front_end_files_are_404_without_any_fetch(offline_cdn):
    app, cache = offline_cdn
    before = _tree(cache)
    for path in (
        "/_solara/cdn/left-pad@1.3.0/index.js",
        f"/_solara/cdn/{VUETIFY}/dist/not-there.js",
        "/_solara/cdn/vega",  # a bare package name (Solara looks for vega/__main.js)
        "/_solara/cdn/%2e%2e/%2e%2e/etc/passwd",
        "/_solara/cdn/../../../etc/passwd",
    ):
        status, _, _ = _asgi_get(app, path)
        assert status == 404, path
    assert _tree(cache) == before  # nothing written either


def test_installed_front_end_files_are_served_as_installed(offline_cdn):
    app, cache = offline_cdn
    status, headers, body = _asgi_get(app, "/_solara/cdn/requirejs@2.3.6/require.js")
    assert status == 200
    assert body == (cache / "requirejs@2.3.6/require.js").read_bytes()
    assert "immutable" in headers["cache-control"]  # Solara's caching of pinned versions kept
    status, _, body = _asgi_get(app, f"/_solara/cdn/{VUETIFY}/dist/main8.css")
    assert status == 200 and body == (cache / f"{VUETIFY}/dist/main8.css").read_bytes()


def test_solara_still_has_the_one_front_end_route_the_dashboard_replaces():
    """Fails loudly if a Solara upgrade moves or duplicates the route the page loads from."""
    import solara.server.starlette as solara_starlette
    from starlette.routing import Mount

    ours = server.offline_app()
    theirs = [r for r in solara_starlette.routes if getattr(r, "path", None) == server.CDN_ROUTE]
    assert len(theirs) == 1 and isinstance(theirs[0], Mount)
    assert isinstance(theirs[0].app, solara_starlette.StaticCdn)
    mounted = [r for r in ours.routes if getattr(r, "path", None) == server.CDN_ROUTE]
    assert len(mounted) == 1 and mounted[0].app is not theirs[0].app
    # the replacement never calls Solara's fetching helper: its lookup is starlette's own
    assert "get_path" not in type(mounted[0].app).lookup_path.__code__.co_names
    assert len(ours.routes) == len(solara_starlette.routes)


# ------------------------------------------------------------------------------ server limits
SHARED = limits.Limits.shared_defaults()


def test_limits_come_from_the_environment_and_zero_means_none():
    env = {
        "MTOR_DASHBOARD_MAX_SITES": "2500",
        "MTOR_DASHBOARD_MAX_ORGANISMS": "0",
        "MTOR_DASHBOARD_MAX_MODELS": " 2 ",
    }
    got = limits.Limits.from_environment(env)
    assert got == limits.Limits(max_sites=2500, max_organisms=None, max_models=2)
    assert limits.Limits.from_environment(got.to_environment()) == got


@pytest.mark.parametrize("raw", ["many", "-1", "1e3", "2.5", str(10**12 + 1), "1\n2"])
def test_bad_limit_values_are_one_line_errors_naming_the_variable(raw):
    with pytest.raises(InputError) as err:
        limits.Limits.from_environment({"MTOR_DASHBOARD_MAX_SESSIONS": raw})
    assert str(err.value).startswith("MTOR_DASHBOARD_MAX_SESSIONS: ")
    assert "\n" not in str(err.value)


def test_tissue_size_limit_is_width_times_height_with_scenario_defaults_filled_in():
    culture, tumor = SCENARIOS["culture"], SCENARIOS["tumor"]
    cap = limits.Limits(max_sites=140 * 140)
    cap.check_run(tumor, {}, 1)  # tumor default: 140 x 140 = 19,600 sites, exactly the cap
    cap.check_run(culture, {"width": 140, "height": 140}, 4)
    with pytest.raises(limits.LimitReached, match=r"141 x 140 = 19,740 sites.*--max-sites"):
        cap.check_run(tumor, {"width": 141}, 1)
    with pytest.raises(limits.LimitReached, match="16,000,000 sites"):
        cap.check_run(culture, {"width": 4000, "height": 4000}, 1)


def test_cohort_and_model_limits():
    cap = limits.Limits(max_organisms=200, max_models=2)
    cap.check_run(SCENARIOS["aging"], {"organisms": 200}, 2)
    with pytest.raises(limits.LimitReached, match=r"201 is more.*organisms.*--max-organisms"):
        cap.check_run(SCENARIOS["aging"], {"organisms": 201}, 1)
    with pytest.raises(limits.LimitReached, match=r"at most 2 models.*3 were asked"):
        cap.check_run(SCENARIOS["culture"], {}, 3)
    limits.Limits().check_run(SCENARIOS["culture"], {"width": 4000, "height": 4000}, 9)


def test_shared_defaults_run_every_scenario_default_and_every_packaged_lesson():
    """A classroom server with no flags still runs everything the project ships."""
    for spec in SCENARIOS.values():
        SHARED.check_run(spec, {}, SHARED.max_models)
    for lesson in lessons.load_catalogue().lessons:
        SHARED.check_run(SCENARIOS[lesson.scenario], lesson.params, len(lesson.arms))


@pytest.mark.parametrize(
    "host, shared",
    [
        ("127.0.0.1", False),
        ("127.0.0.2", False),
        ("localhost", False),
        ("::1", False),
        ("0.0.0.0", True),
        ("::", True),
        ("192.168.1.20", True),
        ("classroom.local", True),
    ],
)
def test_only_loopback_hosts_are_private(host, shared):
    assert server.is_shared(host) is shared


def test_limit_flags_override_environment_over_shared_defaults():
    args = SimpleNamespace(max_sites=900, max_organisms=None, max_models=0, max_sessions=None)
    env = {"MTOR_DASHBOARD_MAX_SESSIONS": "5", "MTOR_DASHBOARD_MAX_SITES": "7"}
    got = server.resolve_limits(args, shared=True, environ=env)
    assert got == limits.Limits(
        max_sites=900, max_organisms=SHARED.max_organisms, max_models=None, max_sessions=5
    )
    assert server.resolve_limits(SimpleNamespace(), shared=False, environ={}) == limits.Limits()
    assert server.resolve_limits(SimpleNamespace(), shared=True, environ={}) == SHARED


def test_seats_are_given_up_to_the_limit_across_threads_and_freed_on_release():
    seats = limits.Seats()
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda i: seats.take(f"s{i}", 10), range(50)))
    assert sum(got) == 10 and seats.count() == 10
    first = [f"s{i}" for i, ok in enumerate(got) if ok]
    assert seats.take(first[0], 10)  # a seated session keeps its seat
    assert not seats.take("late", 10)
    seats.release(first[0])
    assert seats.take("late", 10) and seats.holds("late") and not seats.holds(first[0])
    assert limits.Seats().take("anyone", None)  # no limit


def test_shared_server_warns_and_hands_its_limits_to_the_page(monkeypatch, capsys):
    import uvicorn

    for name in (*limits.ENV.values(), "SOLARA_KERNEL_CULL_TIMEOUT", "SOLARA_ASSETS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    for name in ("SOLARA_APP", "SOLARA_MODE", "SOLARA_THEME_TITLE"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(kw, app=app))
    monkeypatch.setattr(server, "lan_address", lambda: "192.168.1.20")
    port = _free_port()
    args = SimpleNamespace(host="0.0.0.0", port=port, max_sites=None, max_sessions=12)
    assert server.cmd_dashboard(args) == 0
    err = capsys.readouterr().err
    assert "no authentication" in err and f"http://192.168.1.20:{port}/" in err
    assert "tissues up to 19,600 sites" in err and "12 sessions at once" in err
    assert limits.Limits.from_environment() == limits.Limits(19_600, 200, 12, 12)
    assert served["host"] == "0.0.0.0" and served["port"] == port
    assert served["ws_max_size"] == server.WS_MAX_BYTES == 1024 * 1024
    assert os.environ["SOLARA_KERNEL_CULL_TIMEOUT"] == "10m"  # a vanished tab frees its seat
    assert os.environ["SOLARA_ASSETS_PROXY"] == "true"
    for name in limits.ENV.values():
        monkeypatch.delenv(name)
    assert server.cmd_dashboard(SimpleNamespace(host="127.0.0.1", port=port)) == 0
    assert "no authentication" not in capsys.readouterr().err
    assert limits.Limits.from_environment() == limits.Limits()


@pytest.mark.parametrize("value", ["-1", "2.5", "1e13"])
def test_bad_limit_flag_is_one_line_exit_2(value, capsys):
    from mtor_abm.experiments.cli import main

    with pytest.raises(SystemExit) as stop:
        status = main(["dashboard", "--port", str(_free_port()), "--max-sites", value])
        raise SystemExit(status)
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--max-sites" in err[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_front_end_folder_that_cannot_exist_is_one_error_line_exit_2(tmp_path):
    """Solara drops its front-end route when it cannot create the folder; the dashboard says
    so and stops instead of serving a page that would load from the internet."""
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    env = {**os.environ, "SOLARA_ASSETS_PROXY_CACHE_DIR": str(blocked / "cdn")}
    command = [sys.executable, "-W", "ignore", "-m", "mtor_abm.experiments", "dashboard"]
    done = subprocess.run(
        [*command, "--port", str(_free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "front-end folder" in errors[0]
    assert "open http" not in done.stdout  # nothing was served


def test_dashboard_help_states_the_limits_a_shared_server_applies():
    """``mtor-sim dashboard --help`` said --max-models defaults to 4 on a shared server while
    the server applied 12 (README, banner): each flag's stated default must be what
    resolve_limits gives a network server with no flag and no variable set."""
    import re

    from mtor_abm.experiments.cli_parser import build_parser

    d = build_parser()._subparsers._group_actions[0].choices["dashboard"]
    applied = server.resolve_limits(SimpleNamespace(), shared=True, environ={})
    for name in limits.FLAGS:
        action = next(a for a in d._actions if a.dest == name)
        said = re.search(r"127\.0\.0\.1, (\d+) when serving the network", action.help)
        assert said and int(said.group(1)) == getattr(applied, name), (name, action.help)
