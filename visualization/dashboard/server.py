"""``mtor-sim dashboard``: serve the Solara page on this computer, with no internet needed.

Solara's page loads its front-end (Vue, Vuetify, RequireJS, fonts) through the server's
``/_solara/cdn/`` route, which reads Solara's CDN cache folder
``<prefix>/share/solara/cdn/<package>@<version>/`` and only goes to the internet for a missing
file. The ``solara-assets`` dependency fills that folder at install time (with ``ipyvue<2`` and
``ipyvuetify<2``, the Vue 2 front-end it bundles), so a fresh install works offline. Telemetry
and Solara's version check are switched off: nothing leaves the machine.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
import warnings
from pathlib import Path

from mtor_abm.model.errors import InputError

APP = "mtor_abm.visualization.dashboard.app"
#: Files the page needs from Solara's CDN cache (Vue 2 front-end; see module docstring).
REQUIRED_ASSETS = (
    "@widgetti/solara-vuetify-app@10.1.1/dist/solara-vuetify-app8.min.js",
    "@widgetti/solara-vuetify-app@10.1.1/dist/main8.css",
    "@widgetti/solara-vuetify-app@10.1.1/dist/fonts.css",
    "requirejs@2.3.6/require.js",
    "font-awesome@4.5.0/css/font-awesome.min.css",
)


def offline_environment() -> None:
    """Settings that keep Solara from reaching the internet (set before importing solara)."""
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
    offline_environment()
    import uvicorn

    # Solara warns on every page over plain http (the classroom case); nothing to act on.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

    missing = missing_assets()
    if missing:
        print(
            f"warning: Solara front-end files are missing from {cdn_cache_dir()} "
            f"(e.g. {missing[0]}); the browser page needs the internet to load them. "
            "Reinstall with 'pip install .' to get the solara-assets dependency.",
            file=sys.stderr,
        )
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else f"[{host}]" if ":" in host else host
    print(f"mtor-sim dashboard: open http://{shown}:{port}/ in a browser (Ctrl+C to stop)")
    if host not in ("127.0.0.1", "localhost", "::1"):
        lan = lan_address() if host in ("0.0.0.0", "::") else host
        print(f"  serving to the local network: students open http://{lan}:{port}/")
    sys.stdout.flush()
    uvicorn.run(
        "solara.server.starlette:app",
        host=host,
        port=port,
        log_level="warning",
        ws_max_size=64 * 1024 * 1024,
    )
    return 0
