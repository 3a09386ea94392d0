"""``mtor-sim dashboard``: serve the Solara page on this computer, with no internet needed.

Solara's page loads its front-end (Vue, Vuetify, RequireJS, fonts) through the server's
``/_solara/cdn/`` route from Solara's CDN cache folder ``<prefix>/share/solara/cdn/``, which the
``solara-assets`` dependency fills at install time (with ``ipyvue<2`` and ``ipyvuetify<2``, the
Vue 2 front-end it bundles). Solara's own handler of that route fetches any missing file from
the internet on behalf of whoever asks, and deletes a folder it is asked for (Solara 1.64
``cdn_helper.get_path``), so one request could break the offline page. :func:`offline_app`
serves Solara's routes (the documented way to embed Solara in a Starlette app) with that one
route replaced by plain static files: the installed front-end is only ever read, a missing
file or a folder is a 404 and nothing is fetched at run time. Telemetry and Solara's
version check are switched off: nothing leaves the machine.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path

from mtor_abm.model.errors import InputError
from mtor_abm.visualization.dashboard.limits import ENV, FLAGS, Limits, parse_limit

APP = "mtor_abm.visualization.dashboard.app"
#: Files the page needs from Solara's CDN cache (Vue 2 front-end; see module docstring).
REQUIRED_ASSETS = (
    "@widgetti/solara-vuetify-app@10.1.1/dist/solara-vuetify-app8.min.js",
    "@widgetti/solara-vuetify-app@10.1.1/dist/main8.css",
    "@widgetti/solara-vuetify-app@10.1.1/dist/fonts.css",
    "requirejs@2.3.6/require.js",
    "font-awesome@4.5.0/css/font-awesome.min.css",
)
#: Largest websocket message a visitor may send, bytes (the page sends clicks and typed values).
WS_MAX_BYTES = 1024 * 1024
#: Solara's route for its front-end files (the page's ``solara.cdn`` when the proxy is on).
CDN_ROUTE = "/_solara/cdn"


def offline_environment() -> None:
    """Settings that keep Solara from reaching the internet (set before importing solara)."""
    # Solara turns its CDN route off (and points the page at the internet) when it guesses it
    # runs inside VS Code, Colab or Voila, e.g. from a VS Code terminal: keep it on.
    os.environ["SOLARA_ASSETS_PROXY"] = "true"
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "false")
    os.environ.setdefault("SOLARA_MODE", "production")
    os.environ.setdefault("SOLARA_THEME_TITLE", "mtor-abm dashboard")
    os.environ["SOLARA_APP"] = APP


def cdn_cache_dir() -> Path:
    """Solara's CDN cache folder (where the offline front-end assets live)."""
    import solara.server.settings as settings

    return Path(settings.assets.proxy_cache_dir)


def missing_assets() -> list[str]:
    """Required front-end files absent from the CDN cache (empty: works offline)."""
    base = cdn_cache_dir()
    return [name for name in REQUIRED_ASSETS if not (base / name).is_file()]


def offline_app():
    """Solara's Starlette app with :data:`CDN_ROUTE` serving the installed front-end read-only.

    Built from ``solara.server.starlette.routes``, ``middleware`` and ``lifespan`` (Solara's
    documented way to embed it in a Starlette app); call after :func:`offline_environment`.

    Raises:
        InputError: the front-end folder is missing and Solara could not create it.
        RuntimeError: Solara no longer has exactly one route at :data:`CDN_ROUTE` (an upgrade
            changed how the page loads its front-end: re-check this module against it).
    """
    import solara
    import solara.server.starlette as solara_starlette
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    class ReadOnlyCdn(solara_starlette.StaticCdn):
        """Solara's CDN route (its cache and compression headers) over the installed files only:
        a missing file or a folder is a 404; nothing is fetched, written or deleted."""

        def lookup_path(self, path: str):
            if "/" not in path.replace("\\", "/"):
                path = f"{path}/__main.js"  # where Solara keeps a bare package's entry file
            return StaticFiles.lookup_path(self, path)

    routes = list(solara_starlette.routes)
    found = [i for i, r in enumerate(routes) if isinstance(r, Mount) and r.path == CDN_ROUTE]
    if not found and not solara.settings.assets.proxy:
        # Solara drops the route when it cannot create the folder (e.g. a read-only prefix)
        raise InputError(
            f"Solara's front-end folder {cdn_cache_dir()} is missing and cannot be created; "
            "reinstall with 'pip install .' (the solara-assets dependency fills it)"
        )
    if len(found) != 1:
        raise RuntimeError(
            f"Solara {solara.__version__} has {len(found)} routes at "
            f"{CDN_ROUTE}, expected 1: the read-only front-end route cannot replace it"
        )
    routes[found[0]] = Mount(
        CDN_ROUTE, app=ReadOnlyCdn(directory=cdn_cache_dir(), check_dir=False), name="cdn"
    )
    return Starlette(
        routes=routes, middleware=solara_starlette.middleware, lifespan=solara_starlette.lifespan
    )


def check_port(host: str, port: int) -> None:
    """InputError if ``host:port`` cannot be served (bad address or port in use)."""
    if not 1 <= port <= 65535:
        raise InputError(f"--port must be between 1 and 65535, got {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise InputError(f"--host {host!r} is not an address of this computer") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as err:
            if err.errno == errno.EADDRNOTAVAIL:
                raise InputError(f"--host {host!r} is not an address of this computer") from None
            raise InputError(
                f"cannot serve on {host}:{port} ({err.strerror}); choose another --port"
            ) from None


def lan_address() -> str:
    """This computer's address on its local network (no packet is sent), or 'this-computer'."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("10.255.255.255", 1))  # UDP connect only picks a route
            return sock.getsockname()[0]
        except OSError:
            return "this-computer"


def cmd_dashboard(args) -> int:
    """Serve the dashboard until interrupted; returns the exit status."""
    host, port = args.host, int(args.port)
    check_port(host, port)
    shared = is_shared(host)
    limits = resolve_limits(args, shared)
    offline_environment()
    os.environ.update(limits.to_environment())  # read by the page (same process)
    if shared:
        # a tab that vanished without closing (sleep, crash) frees its models and seat after
        # this long instead of Solara's 24 h
        os.environ.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", "10m")
    import uvicorn

    missing = missing_assets()
    if missing:
        print(
            f"warning: Solara front-end files are missing from {cdn_cache_dir()} "
            f"(e.g. {missing[0]}); the browser page cannot load without them (the server never "
            "fetches them). Reinstall with 'pip install .' to get the solara-assets dependency.",
            file=sys.stderr,
        )
    app = offline_app()
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else f"[{host}]" if ":" in host else host
    print(f"mtor-sim dashboard: open http://{shown}:{port}/ in a browser (Ctrl+C to stop)")
    if shared:
        lan = lan_address() if host in ("0.0.0.0", "::") else host
        print(f"  serving to the local network: students open http://{lan}:{port}/")
        print(
            f"warning: no authentication: anyone who can reach http://{lan}:{port}/ (every "
            "device on this network, and beyond if the port is forwarded) can open the "
            f"dashboard and run models on this computer. Limits: {limits.describe()} "
            "(--max-sites, --max-organisms, --max-models, --max-sessions).",
            file=sys.stderr,
        )
    sys.stdout.flush()
    with warnings.catch_warnings():
        # Solara warns on every page over plain http (the classroom case); nothing to act on.
        # Python's warning filters belong to the process: this one lasts while the server runs
        # and is undone when it stops (a caller in the same process gets its filters back).
        warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="warning",
            # largest message a browser may send (clicks, typed values: a few kB); uvicorn
            # buffers up to this per connection, so a large value lets any visitor claim that
            # much memory
            ws_max_size=WS_MAX_BYTES,
        )
    return 0


def is_shared(host: str) -> bool:
    """Whether serving on ``host`` opens the dashboard beyond this computer."""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # a host name: whatever it names is reachable by others


def resolve_limits(args, shared: bool, environ: Mapping[str, str] | None = None) -> Limits:
    """The server's limits: each flag, else its environment variable, else the shared
    defaults on a shared server, else no limit (see :mod:`.limits`).

    Raises:
        InputError: a limit out of range (one line naming the flag or variable).
    """
    environ = os.environ if environ is None else environ
    from_env = Limits.from_environment(environ)
    fallback = Limits.shared_defaults() if shared else Limits()
    values = {}
    for name in ENV:
        flag = getattr(args, name, None)
        if flag is not None:
            values[name] = parse_limit(str(flag), FLAGS[name])
        elif environ.get(ENV[name], "").strip():
            values[name] = getattr(from_env, name)
        else:
            values[name] = getattr(fallback, name)
    return Limits(**values)
