"""The studio's web application (Starlette): the page, its static files and a small JSON API.

Every request must carry the session's random token (``?token=`` in the URL the command
prints, or the ``X-Studio-Token`` header the page sends); a Host header other than the
loopback names (or the bound host) is refused, so another site cannot reach the server by
DNS rebinding.  The API calls :class:`~metrology.studio.session.Studio`, which calls the
library; library errors come back as ``400 {"error", "where"}`` with the field they name.

Routes (all under the token):

=======  =======================  ==========================================================
GET      ``/``                    the page
GET      ``/static/<file>``       its script and style (a fixed list)
GET      ``/api/state``           recipe, images, evaluation on the image on screen
GET      ``/api/image?name=K``    the view of image K (PNG)
GET      ``/api/overlay?name=K``  the inspection overlay of the last run on K (PNG)
POST     ``/api/select``          ``{"image": K}``: show image K
POST     ``/api/preview``         ``{"tool": {...}}``: measure one tool live (view pixels)
POST     ``/api/recipe``          ``{"name", "tools", "measurements"}``: apply an edit
POST     ``/api/save``            the same, then ``Recipe.save``
POST     ``/api/run``             run the recipe on the ``--images`` images
POST     ``/api/teach``           ``{"image", "tolerance"}``: ``Recipe.teach``
POST     ``/api/dxf``             ``{"drawing", "polarity", "tolerance"}``: ``Recipe.from_dxf``
PUT      ``/api/upload?name=F``   store an image or DXF (raw body) in the recipe folder
=======  =======================  ==========================================================
"""

from __future__ import annotations

import json
import logging
import secrets
from importlib import resources
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from ..errors import InputError, MetrologyError
from .files import too_large
from .session import EditError, Studio

__all__ = ["create_app", "new_token", "MAX_JSON_BYTES", "STATIC_FILES"]

log = logging.getLogger("metrology.studio")

MAX_JSON_BYTES = 4 * 1024 * 1024
STATIC_FILES = {"studio.js": "text/javascript", "studio.css": "text/css"}
_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'self'; img-src 'self' blob: data:; "
                                       "script-src 'self'; style-src 'self'; "
                                       "frame-ancestors 'none'"}
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]


def new_token() -> str:
    """A random URL-safe token (32 bytes of entropy)."""
    return secrets.token_urlsafe(32)


class TokenMiddleware:
    """Refuse every request without the session token (query ``token`` or header
    ``X-Studio-Token``) with 403."""

    def __init__(self, app: Any, token: str):
        self.app = app
        self.token = token

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-studio-token", b"").decode("latin-1")
        if not given:
            q = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            given = (q.get("token") or [""])[0]
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            resp = JSONResponse({"error": "missing or wrong token: open the URL that "
                                          "'metrology studio' printed"}, status_code=403,
                                headers=_HEADERS)
            await resp(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused with InputError past ``limit`` bytes (checked while
    reading, not only from Content-Length)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge(too_large(int(declared), limit))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge(too_large(None, limit))
        chunks.append(chunk)
    return b"".join(chunks)


class _TooLarge(InputError):
    """413: the body is over the limit."""


async def _json(request: Request) -> dict:
    raw = await _body(request, MAX_JSON_BYTES)
    try:
        doc = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"request body: not JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise InputError("request body: expected a JSON object")
    return doc


def _error(exc: Exception) -> JSONResponse:
    if isinstance(exc, _TooLarge):
        code = 413
    elif isinstance(exc, EditError):
        code = 422
    else:
        code = 400
    where = getattr(exc, "where", None) or {}
    return JSONResponse({"error": str(exc), "where": where}, status_code=code, headers=_HEADERS)


def _endpoint(fn: Callable[[Request], Awaitable[Any]]) -> Callable:
    """Wrap an API handler: JSON out, library errors as 400/413/422 with their message."""

    async def handler(request: Request) -> Response:
        try:
            out = await fn(request)
        except (MetrologyError, FileNotFoundError, PermissionError) as exc:
            return _error(exc)
        except Exception as exc:  # noqa: BLE001 - the page shows it; the server goes on
            log.exception("studio: %s failed", request.url.path)
            return JSONResponse({"error": f"internal error: {type(exc).__name__}: {exc}",
                                 "where": {}}, status_code=500, headers=_HEADERS)
        if isinstance(out, Response):
            return out
        return JSONResponse(out, headers=_HEADERS)

    return handler


def _png(data: bytes) -> Response:
    return Response(data, media_type="image/png", headers=_HEADERS)


def create_app(studio: Studio, token: str, *, allowed_hosts: list[str] | None = None) -> Starlette:
    """The ASGI application serving ``studio`` behind ``token``.

    Parameters
    ----------
    studio : Studio
    token : str
        Required on every request.
    allowed_hosts : list of str, optional
        Host names accepted in the Host header (default: the loopback names).
    """
    def call(fn, *args):
        return run_in_threadpool(fn, *args)

    async def page(request: Request) -> Response:
        html = resources.files(__package__).joinpath("static/index.html").read_text("utf-8")
        return HTMLResponse(html.replace("{{TOKEN}}", token), headers=_HEADERS)

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC_FILES:
            return JSONResponse({"error": f"no static file {name!r}"}, status_code=404,
                                headers=_HEADERS)
        data = resources.files(__package__).joinpath("static", name).read_bytes()
        return Response(data, media_type=STATIC_FILES[name], headers=_HEADERS)

    async def state(request):
        return await call(studio.state)

    async def image(request):
        return _png(await call(studio.view_png, request.query_params.get("name")))

    async def overlay(request):
        return _png(await call(studio.overlay_png, request.query_params.get("name")))

    async def select(request):
        return await call(studio.select_image, (await _json(request)).get("image"))

    async def preview(request):
        return await call(studio.preview, (await _json(request)).get("tool"))

    async def recipe(request):
        return await call(studio.update, await _json(request))

    async def save(request):
        return await call(studio.save, await _json(request))

    async def run(request):
        return await call(studio.run)

    async def teach(request):
        doc = await _json(request)
        return await call(studio.teach, doc.get("image"), doc.get("tolerance", "ISO2768-m"))

    async def dxf(request):
        doc = await _json(request)
        return await call(studio.import_dxf, doc.get("drawing"), doc.get("polarity", "bright"),
                          doc.get("tolerance", "ISO2768-m"))

    async def upload(request):
        name = request.query_params.get("name", "")
        studio.box.upload_target(name)        # refuse a bad name before reading the body
        data = await _body(request, studio.box.max_upload_bytes)
        return await call(studio.upload, name, data)

    api = [("/api/state", state, ["GET"]), ("/api/image", image, ["GET"]),
           ("/api/overlay", overlay, ["GET"]), ("/api/select", select, ["POST"]),
           ("/api/preview", preview, ["POST"]), ("/api/recipe", recipe, ["POST"]),
           ("/api/save", save, ["POST"]), ("/api/run", run, ["POST"]),
           ("/api/teach", teach, ["POST"]), ("/api/dxf", dxf, ["POST"]),
           ("/api/upload", upload, ["PUT"])]
    routes = [Route("/", page), Route("/static/{name}", static)]
    routes += [Route(path, _endpoint(fn), methods=methods) for path, fn, methods in api]
    hosts = list(allowed_hosts or LOOPBACK_HOSTS)
    return Starlette(routes=routes, middleware=[
        Middleware(TrustedHostMiddleware, allowed_hosts=hosts),
        Middleware(TokenMiddleware, token=token)])
