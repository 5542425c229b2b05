"""The HTTP application: the JSON API, the page and its assets, limits and headers.

Every answer comes from the public API over the rules and zones loaded once:
``/api/check`` is :func:`firecheck.check` and ``Verdict.to_dict()`` serialised exactly as
``firecheck check --json`` prints it; ``/api/answer`` adds the paragraphs the terminal
shows (``views.answer``), for the page; ``/api/batch`` is the batch entry point. A
mistake in a request is a 400 with the error object ``{code, message_zh, message_en}``;
nothing a request holds is ever answered with a traceback.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .. import api
from ..engine.model import Verdict
from ..errors import DataError, FirecheckError, InputError
from ..parse.dates import check_year
from ..parse.localtime import local_today
from ..rules.model import RuleSet
from ..views.answer import spans_paras, verdict_paras
from ..views.json import (
    ACTIVITIES_SCHEMA,
    ERROR_SCHEMA,
    HOTLINES_SCHEMA,
    PERIODS_SCHEMA,
    activity_rows,
    error_dict,
    hotline_dict,
    period_rows,
)
from ..views.layout import Para
from ..zones.model import ZoneSet
from . import upload
from .layers import zones_geojson
from .openapi import openapi
from .page import Assets
from .queries import BATCH_PARAMS, CHECK_PARAMS, check_arguments, is_range, lang_of, read_params

Scope = MutableMapping[str, Any]
ASGI = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
                Awaitable[None]]
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()),
           (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer"),
           (b"x-frame-options", b"DENY"),
           (b"cross-origin-opener-policy", b"same-origin"),
           (b"cross-origin-resource-policy", b"same-origin"),
           (b"permissions-policy", b"geolocation=(self), camera=(), microphone=()")]


_STATUS = {"too_large": 413, "timeout": 503, "not_found": 404}


@dataclass(frozen=True)
class Limits:
    """How much one request may ask: upload bytes, seconds for a batch, seconds for any
    other request, and the answers kept for repeated questions."""

    upload_bytes: int = 50 << 20
    batch_seconds: float = 300.0
    request_seconds: float = 30.0
    cache_answers: int = 4096


def create_app(rules: RuleSet, zones: ZoneSet, limits: Limits | None = None) -> Starlette:
    """The application over loaded rules and zones."""
    limits = limits or Limits()
    assets = Assets.load()
    ranges = anyio.CapacityLimiter(2)  # long ranges evaluate in at most two threads
    batches = anyio.CapacityLimiter(1)  # a batch uses both cores already

    @functools.lru_cache(maxsize=limits.cache_answers)
    def checked(arguments: tuple[tuple[str, Any], ...], today: date, paragraphs: bool) -> bytes:
        # A pure function of the question and the day (rules and zones are fixed).
        result = api.check(**dict(arguments), rules=rules, zones=zones, today=today)
        data = result.to_dict()
        if paragraphs:
            data = {"result": data, "paragraphs": {lang: _paragraphs(result, lang)
                                                   for lang in ("zh", "en")}}
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()

    async def answer(request: Request, paragraphs: bool) -> Response:
        params = read_params(request.query_params.multi_items(), CHECK_PARAMS)
        arguments, today = check_arguments(params), local_today()
        key = tuple(sorted(arguments.items()))
        if is_range(arguments, today):
            async with ranges:
                body = await anyio.to_thread.run_sync(checked, key, today, paragraphs)
        else:
            body = checked(key, today, paragraphs)  # ~1 ms: cheaper than a thread hop
        return Response(body, media_type="application/json")

    async def check(request: Request) -> Response:
        return await answer(request, paragraphs=False)

    async def answer_page(request: Request) -> Response:
        return await answer(request, paragraphs=True)

    async def periods(request: Request) -> Response:
        text = request.path_params["year"]
        if not text.isascii() or not text.isdigit():
            raise InputError(f"年份须为数字，而不是 {text!r}", f"the year must be a number, not {text!r}",
                             code="invalid_year")
        year = check_year(int(text))
        return _json({"schema": PERIODS_SCHEMA, "year": year, "rules_version": rules.version,
                      "periods": period_rows(rules, year)})

    async def hotlines(_request: Request) -> Response:
        return _json({"schema": HOTLINES_SCHEMA,
                      "hotlines": [hotline_dict(h) for h in rules.hotlines.values()]})

    async def activities(_request: Request) -> Response:
        return _json({"schema": ACTIVITIES_SCHEMA, "rules_version": rules.version,
                      "activities": activity_rows(rules)})

    @functools.cache
    def layers(lines: bool) -> bytes:
        return json.dumps(zones_geojson(zones, lines), ensure_ascii=False).encode()

    async def zone_layers(request: Request) -> Response:
        params = read_params(request.query_params.multi_items(), ("lines",))
        if params.get("lines", "0") not in ("0", "1", "true", "false"):
            raise InputError("lines 须为 0 或 1", "lines must be 0 or 1", code="invalid_parameter")
        lines = params.get("lines") in ("1", "true")
        body = await anyio.to_thread.run_sync(layers, lines)
        return Response(body, media_type="application/geo+json")

    @functools.cache
    def place_list() -> bytes:
        from ..zones.gazetteer import Gazetteer

        return json.dumps({"places": [
            {"name_zh": p.name_zh, "name_en": p.name_en, "lat": p.lat, "lon": p.lon,
             "accuracy_m": p.accuracy_m, "zone": bool(p.in_zones)}
            for p in Gazetteer.load(zones).places]}, ensure_ascii=False).encode()

    async def places(_request: Request) -> Response:
        return Response(place_list(), media_type="application/json")

    async def batch(request: Request) -> Response:
        params = read_params(request.query_params.multi_items(), BATCH_PARAMS)
        lang_of(params)
        deadline = time.monotonic() + limits.batch_seconds
        spooled = await _receive(request, params, limits.upload_bytes)
        try:
            async with batches:
                result = await anyio.to_thread.run_sync(
                    upload.run, spooled, params, rules, zones, local_today(), deadline)
        except BaseException:
            spooled.remove()
            raise
        return StreamingResponse(upload.stream(result, spooled), media_type=result.media_type,
                                 headers={**result.headers, "Content-Disposition":
                                          f'attachment; filename="{result.file_name}"'})

    async def spec(_request: Request) -> Response:
        return _json(openapi())

    async def page(_request: Request) -> Response:
        return assets.response("index.html")

    async def static(request: Request) -> Response:
        return assets.response(request.path_params["name"])

    routes = [
        Route("/", page), Route("/static/{name}", static),
        Route("/api/check", check), Route("/api/answer", answer_page),
        Route("/api/periods/{year}", periods), Route("/api/hotlines", hotlines),
        Route("/api/activities", activities), Route("/api/zones", zone_layers),
        Route("/api/places", places), Route("/api/batch", batch, methods=["POST"]),
        Route("/api/openapi.json", spec),
    ]
    handlers: dict[Any, Callable[[Request, Exception], Any]] = {
        FirecheckError: _firecheck_error, HTTPException: _http_error, Exception: _internal_error}
    app = Starlette(routes=routes, exception_handlers=handlers)
    app.add_middleware(Guard, limits=limits)
    return app


def _paragraphs(result: Any, lang: str) -> list[dict[str, Any]]:
    paras: list[Para] = (verdict_paras(result, lang) if isinstance(result, Verdict)
                         else spans_paras(list(result.spans), lang))
    return [{"first": p.first, "style": p.style, "segments": [list(s) for s in p.segments]}
            for p in paras]


async def _receive(request: Request, params: dict[str, Any], limit: int) -> upload.Upload:
    """The upload spooled: a multipart form's ``file`` part, or the raw body."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise upload.too_large(limit)
    media = request.headers.get("content-type", "")
    if media.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=8, max_part_size=1 << 16)
        part = form.get("file")
        if part is None or isinstance(part, str):
            raise InputError("表单中没有名为 file 的文件", "the form has no file part named 'file'",
                             code="missing_file")

        async def parts() -> Any:
            while chunk := await part.read(upload.CHUNK):
                yield chunk

        try:
            return await upload.spool(parts(), limit, params.get("input_format"),
                                      part.filename or "", part.content_type or "")
        finally:
            await form.close()
    return await upload.spool(request.stream(), limit, params.get("input_format"), "", media)


def _json(value: Any) -> Response:
    return Response((json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode(),
                    media_type="application/json")


def _error(status: int, code: str, zh: str, en: str) -> Response:
    return JSONResponse({"schema": ERROR_SCHEMA, "code": code, "message_zh": zh, "message_en": en},
                        status_code=status)


async def _firecheck_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FirecheckError)
    status = 500 if isinstance(exc, DataError) else _STATUS.get(exc.code, 400)
    return JSONResponse(error_dict(exc), status_code=status)


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return _error(404, "not_found", "没有这个地址", "no such address")
    if exc.status_code == 405:
        return _error(405, "method_not_allowed", "不支持此请求方法", "method not allowed")
    return _error(exc.status_code, "http_error", str(exc.detail), str(exc.detail))


async def _internal_error(_request: Request, exc: Exception) -> Response:
    return _error(500, "internal_error", f"内部错误（{type(exc).__name__}），请报告",
                  f"internal error ({type(exc).__name__}); please report it")


class Guard:
    """ASGI middleware: the security headers on every response, a time limit on every
    request but a batch (which has its own, checked per chunk), and no body where none is
    read."""

    def __init__(self, app: ASGI, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def with_headers(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                headers += HEADERS
                if scope["path"].startswith("/api/"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        if scope["path"] == "/api/batch":
            await self.app(scope, self._counted(receive), with_headers)
            return
        try:
            with anyio.fail_after(self.limits.request_seconds):
                await self.app(scope, receive, with_headers)
        except TimeoutError:
            if started:
                raise
            response = _error(503, "timeout", "请求超过时间上限", "the request ran past its time limit")
            await response(scope, receive, with_headers)

    def _counted(self, receive: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
        """``receive`` that refuses a body past the upload limit (and a multipart form's
        framing), declared or not: nothing reads more than that."""
        limit, seen = self.limits.upload_bytes, 0

        async def counted() -> Any:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit + (1 << 16):
                raise upload.too_large(limit)
            return message

        return counted
