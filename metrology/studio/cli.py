"""``metrology studio``: serve the studio page on this machine and print its URL.

The web stack (Starlette, uvicorn) is the ``[studio]`` extra; it is imported only when the
command runs, so ``metrology --help`` and ``import metrology`` never need it.
"""

from __future__ import annotations

import argparse
import math
import os
import socket
import sys
import threading
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["register", "serve", "start_server", "parse_station"]

_EXTRA = ("the studio needs its web server: pip install 'metrology[studio]' "
          "(Starlette and uvicorn)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``studio`` subcommand."""
    p = sub.add_parser("studio", help="teach, edit and try a recipe in the browser",
                       description="Serve a local page to teach, edit and try a recipe: the "
                                   "image with its tools, live edge points, the measurement "
                                   "table, Run on a folder of parts, Save.")
    p.add_argument("recipe", nargs="?", default="part.recipe.json",
                   help="recipe file (created by Teach / Import DXF when it does not exist; "
                        "default part.recipe.json); the studio reads and writes in its folder")
    p.add_argument("--images", metavar="DIR", help="folder of part images for Run")
    p.add_argument("--station", metavar="S",
                   help="station for Teach / Import DXF: a pixel size in mm, or a station "
                        "calibration file (with --plane)")
    p.add_argument("--plane", metavar="FILE",
                   help="with a station calibration file: a plane file or a picture of the "
                        "board on the measuring plane")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.set_defaults(func=_run)


def parse_station(value: str | None, plane: str | None, folder: Path) -> Any:
    """The ``--station`` / ``--plane`` options as the station Teach takes: a pixel size
    (float) or a recipe ``station`` dict with paths relative to the recipe folder."""
    if value is None:
        if plane is not None:
            raise InputError("--plane needs --station (the calibration file)")
        return None
    try:
        size = float(value)
    except ValueError:
        size = None
    if size is not None:
        if not (math.isfinite(size) and size > 0):
            raise InputError(f"--station: expected a positive pixel size in mm, given {value!r}")
        if plane is not None:
            raise InputError("--plane goes with a station calibration file, not a pixel size")
        return size
    cal = Path(value)
    if not cal.is_file():
        raise InputError(f"--station {value}: no such file (give a pixel size in mm or a "
                         f"station calibration file)")
    if plane is None:
        raise InputError("--station FILE needs --plane (a plane file or a board picture)")
    plane_path = Path(plane)
    if not plane_path.is_file():
        raise InputError(f"--plane {plane}: no such file")
    key = "file" if plane_path.suffix.lower() == ".json" else "board_image"
    return {"calibration": os.path.relpath(cal.resolve(), folder),
            "plane": {key: os.path.relpath(plane_path.resolve(), folder)}}


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)      # connections wait in the backlog until the server starts
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    return sock


def start_server(studio: Any, *, host: str = "127.0.0.1", port: int = 0,
                 token: str | None = None) -> tuple[str, Any, threading.Thread]:
    """Serve ``studio`` in a background thread (tests, notebooks).

    Returns
    -------
    url : str
        The page's URL with its token.
    server : uvicorn.Server
        Set ``server.should_exit = True`` and join the thread to stop it.
    thread : threading.Thread
    """
    server, sock, url = _server(studio, host, port, token)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name="metrology-studio")
    thread.start()
    return url, server, thread


def _server(studio: Any, host: str, port: int, token: str | None):
    try:
        import uvicorn

        from .app import create_app, new_token
    except ModuleNotFoundError as exc:
        if exc.name in ("starlette", "uvicorn", "anyio"):
            raise InputError(_EXTRA) from None
        raise
    token = token or new_token()
    sock = _bind(host, port)
    bound = sock.getsockname()[1]
    hosts = None if host in ("127.0.0.1", "::1", "localhost") else [host]
    app = create_app(studio, token, allowed_hosts=hosts and hosts + ["127.0.0.1", "localhost"])
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    shown = f"[{host}]" if ":" in host else host
    return uvicorn.Server(config), sock, f"http://{shown}:{bound}/?token={token}"


def serve(studio: Any, *, host: str = "127.0.0.1", port: int = 0, open_browser: bool = True,
          out=sys.stdout) -> None:
    """Serve ``studio`` until Ctrl-C; print the URL (and open it when a browser is there)."""
    server, sock, url = _server(studio, host, port, None)
    print(f"metrology studio: {url}", file=out, flush=True)
    if host not in ("127.0.0.1", "::1", "localhost"):
        print("metrology studio: warning: listening beyond this machine; anyone with the URL "
              "can edit the recipe", file=out, flush=True)
    if open_browser and _has_display():
        import webbrowser

        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    server.run(sockets=[sock])


def _has_display() -> bool:
    """A browser can show a window: Windows, macOS, or an X11 / Wayland display."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _run(args: argparse.Namespace) -> int:
    from .session import Studio

    recipe = Path(args.recipe)
    folder = recipe.resolve().parent
    station = parse_station(args.station, args.plane, folder)
    studio = Studio(recipe, images=args.images, station=station)
    serve(studio, host=args.host, port=args.port, open_browser=not args.no_browser)
    return 0
