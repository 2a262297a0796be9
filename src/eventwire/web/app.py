"""The web UI and REST API over the store (``eventwire serve``).

Every HTML page has a JSON twin under ``/api/…`` (datasette's pattern), both built from
the same query functions in ``queries.py``. The server is read-only unless
``settings.web_write_token`` is set; then ``POST /api/articles`` and the ``/submit`` form
store records for a caller presenting that token (compared with ``hmac.compare_digest``).
Errors share one body shape ``{"error": {"code", "message"}}`` (rendered as an HTML page
for browsers on HTML routes), request bodies are capped at ``settings.web_max_body_bytes``
(Content-Length and the streamed byte count), templates auto-escape, and every response
carries a ``default-src 'self'`` Content-Security-Policy.
"""
from __future__ import annotations

import csv
import datetime as dt
import hmac
import io
import json
import logging
import re
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Iterator
from urllib.parse import urlencode

import jinja2
from fastapi import Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from ..records import QUOTE_KINDS, ArticleRecord
from ..settings import Settings
from ..store import open_store
from ..store.export import csv_value, table_schema
from . import queries
from .charts import bar_chart_svg, continuous_months
from .highlight import highlight_record, quoted_words, speaker_colours
from .queries import ArticleFilters, EventFilters, actor_key

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "payload_too_large", 422: "invalid_request",
               500: "internal_error"}
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
# FastAPI's /docs and /redoc pages load Swagger UI / ReDoc from jsDelivr with an inline
# bootstrap script; only those two pages get this looser policy.
DOCS_CSP = ("default-src 'self'; img-src 'self' data: https://fastapi.tiangolo.com; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "worker-src 'self' blob:; object-src 'none'; frame-ancestors 'none'")
COUNTRY = re.compile(r"^(?:[A-Za-z]{3})$")


class ApiError(HTTPException):
    """An HTTP error with its own machine-readable code (defaults follow the status)."""

    def __init__(self, status_code: int, message: str, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=status_code, detail=message, headers=headers)
        self.code = code or ERROR_CODES.get(status_code, "error")


def error_body(status: int, message: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code or ERROR_CODES.get(status, "error"), "message": message}}


# ---------------------------------------------------------------- middleware

class BodyTooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over the limit of {limit} bytes "
                              "(raise EVENTWIRE_WEB_MAX_BODY_BYTES to accept more)")


class BodySizeLimit:
    """Refuses bodies over ``max_bytes``: by Content-Length up front, else while streaming."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                await _send_error(send, 400, "Content-Length is not a number")
                return
            if too_big:
                await _send_error(send, 413, BodyTooLarge(self.max_bytes).detail)
                return
        received = 0
        started = False

        async def counting_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge as e:
            if started:
                raise
            await _send_error(send, 413, e.detail)


async def _send_error(send, status: int, message: str) -> None:
    body = json.dumps(error_body(status, message)).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Adds CSP, nosniff, frame and referrer headers to every HTTP response."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope.get("path") in ("/docs", "/redoc") else CSP

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or ())
                headers += [(b"content-security-policy", csp.encode()),
                            (b"x-content-type-options", b"nosniff"),
                            (b"x-frame-options", b"DENY"),
                            (b"referrer-policy", b"no-referrer")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


# ---------------------------------------------------------------- parameters

def _blank_to_none(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _date(name: str, value: str | None) -> dt.date | None:
    v = _blank_to_none(value)
    if v is None:
        return None
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        raise ApiError(422, f"{name} must be a date YYYY-MM-DD, got {v!r}") from None


def _country(name: str, value: str | None) -> str | None:
    v = _blank_to_none(value)
    if v is None:
        return None
    if not COUNTRY.match(v):
        raise ApiError(422, f"{name} must be an ISO 3166-1 alpha-3 code such as TUR or IGO, got {v!r}")
    return v.upper()




def article_filters(
    q: Annotated[str | None, Query(max_length=500, description="full-text search")] = None,
    since: Annotated[str | None, Query(max_length=32, description="published on or after YYYY-MM-DD")] = None,
    until: Annotated[str | None, Query(max_length=32, description="published on or before YYYY-MM-DD")] = None,
    country: Annotated[str | None, Query(max_length=8, description="ISO-3 country of an event source or target")] = None,
    outcome: Annotated[str | None, Query(max_length=16, description="ok | rejected | failed")] = None,
) -> ArticleFilters:
    out = _blank_to_none(outcome)
    if out is not None and out not in queries.OUTCOMES:
        raise ApiError(422, f"outcome must be one of {', '.join(queries.OUTCOMES)}, got {out!r}")
    return ArticleFilters(q=_blank_to_none(q), since=_date("since", since),
                          until=_date("until", until), country=_country("country", country),
                          outcome=out)


def quote_kind(
    kind: Annotated[str | None, Query(max_length=16, description="only quotes of this kind: direct | "
                                      "indirect | mixed | belief | evidence | document")] = None,
) -> str | None:
    k = _blank_to_none(kind)
    if k is not None and k not in QUOTE_KINDS:
        raise ApiError(422, f"kind must be one of {', '.join(QUOTE_KINDS)}, got {k!r}")
    return k


def event_filters(
    plover: Annotated[str | None, Query(max_length=16, description="PLOVER event type")] = None,
    source_country: Annotated[str | None, Query(max_length=8)] = None,
    target_country: Annotated[str | None, Query(max_length=8)] = None,
    since: Annotated[str | None, Query(max_length=32, description="event date on or after YYYY-MM-DD")] = None,
    until: Annotated[str | None, Query(max_length=32, description="event date on or before YYYY-MM-DD")] = None,
    quad_class: Annotated[str | None, Query(max_length=2, description="1-4")] = None,
) -> EventFilters:
    quad = _blank_to_none(quad_class)
    if quad is not None and quad not in ("1", "2", "3", "4"):
        raise ApiError(422, f"quad_class must be 1, 2, 3 or 4, got {quad!r}")
    p = _blank_to_none(plover)
    return EventFilters(plover=p.upper() if p else None,
                        source_country=_country("source_country", source_country),
                        target_country=_country("target_country", target_country),
                        since=_date("since", since), until=_date("until", until),
                        quad_class=int(quad) if quad else None)


class Paging(BaseModel):
    page: int
    per_page: int


def paging_params(page: Annotated[int, Query(ge=1, le=100_000)] = 1,
           per_page: Annotated[int, Query(ge=1, le=200)] = 50) -> Paging:
    return Paging(page=page, per_page=per_page)


class ArticleIn(BaseModel):
    """An article to extract and store: exactly one of ``text`` / ``html``."""

    text: str | None = Field(None, description="plain text (a first short line may be the title)")
    html: str | None = Field(None, description="an HTML page; boilerplate is removed")
    published: dt.date | None = Field(None, description="publication date, resolves relative dates")
    url: str | None = Field(None, max_length=2000)
    title: str | None = Field(None, max_length=1000)


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorBody} for s in (404, 422, 500)}


# ---------------------------------------------------------------- the app

def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app over the store at ``settings.db`` (created empty when missing).

    Raises ``StoreError`` when the store cannot be opened.
    """
    settings = settings or Settings.load()
    store = open_store(settings.db, settings, create=True)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        store.close()

    app = FastAPI(title="eventwire", version="1", lifespan=lifespan,
                  description="News articles as checkable facts: actors, quotes, events "
                              "(PLOVER/CAMEO with Goldstein) and dates, each with its span. "
                              "Every HTML page has a JSON twin under /api.")
    app.state.settings = settings
    app.state.store = store
    app.add_middleware(BodySizeLimit, max_bytes=settings.web_max_body_bytes)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = _templates(settings)
    _install_error_handlers(app, templates)

    def page(request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    # ---- articles
    @app.get("/", response_class=HTMLResponse, summary="Article list (HTML)")
    @app.get("/articles", response_class=HTMLResponse, summary="Article list (HTML)")
    def articles_page(request: Request, filters: Annotated[ArticleFilters, Depends(article_filters)],
                      paging: Annotated[Paging, Depends(paging_params)]):
        result = queries.list_articles(store, filters, paging.page, paging.per_page)
        return page(request, "articles.html", result=result, filters=filters,
                    outcomes=queries.OUTCOMES)

    @app.get("/api/articles", summary="Article list", responses=ERROR_RESPONSES)
    def articles_api(request: Request, filters: Annotated[ArticleFilters, Depends(article_filters)],
                     paging: Annotated[Paging, Depends(paging_params)]) -> dict[str, Any]:
        result = queries.list_articles(store, filters, paging.page, paging.per_page)
        items = [dict(r, links={
            "self": f"/api/articles/{r['id']}", "html": f"/articles/{r['id']}"})
            for r in result.items]
        return _page_json(request, result, items)

    @app.get("/articles/{article_id}", response_class=HTMLResponse, summary="One article (HTML)")
    def article_page(request: Request, article_id: Annotated[str, _path_id()]):
        return page(request, "article.html", **_article_context(_get_record(store, article_id)))

    @app.get("/api/articles/{article_id}", summary="One article record (CONTRACT.md schema 1)",
             responses=ERROR_RESPONSES)
    def article_api(article_id: Annotated[str, _path_id()]) -> dict[str, Any]:
        return _get_record(store, article_id).to_dict()

    # ---- actors
    @app.get("/actors/{key}", response_class=HTMLResponse, summary="One actor (HTML)")
    def actor_page(request: Request, key: Annotated[str, _path_key()],
                   kind: Annotated[str | None, Depends(quote_kind)]):
        data = _actor_data(store, key, kind)
        timeline = data["timeline"]
        months = continuous_months([r["month"] for r in timeline])
        by_month = {r["month"]: r for r in timeline}
        names = ("articles", "quotes", "events_as_source", "events_as_target")
        chart = bar_chart_svg(months, [(n.replace("_", " "), [by_month.get(m, {}).get(n, 0)
                                                               for m in months]) for n in names],
                              f"{data['name']}: activity by month", "count") if months else None
        return page(request, "actor.html", actor=data, chart=chart, kind=kind,
                    kinds=QUOTE_KINDS)

    @app.get("/api/actors/{key}", summary="One actor: names, roles, quotes, events, timeline",
             responses=ERROR_RESPONSES)
    def actor_api(key: Annotated[str, _path_key()],
                  kind: Annotated[str | None, Depends(quote_kind)]) -> dict[str, Any]:
        return jsonable_encoder(_actor_data(store, key, kind))

    # ---- events
    @app.get("/events", response_class=HTMLResponse, summary="Event table (HTML)")
    def events_page(request: Request, filters: Annotated[EventFilters, Depends(event_filters)],
                    paging: Annotated[Paging, Depends(paging_params)]):
        result = queries.list_events(store, filters, paging.page, paging.per_page)
        query = _query_string(request, drop=("page", "per_page"))
        return page(request, "events.html", result=result, filters=filters,
                    facets=queries.event_facets(store), download_query=query)

    @app.get("/api/events", summary="Event list", responses=ERROR_RESPONSES)
    def events_api(request: Request, filters: Annotated[EventFilters, Depends(event_filters)],
                   paging: Annotated[Paging, Depends(paging_params)]) -> dict[str, Any]:
        result = queries.list_events(store, filters, paging.page, paging.per_page)
        return _page_json(request, result, [_event_json(r) for r in result.items])

    @app.get("/events.csv", summary="Filtered events as CSV", response_class=StreamingResponse,
             responses={200: {"content": {"text/csv": {}}}})
    def events_csv(filters: Annotated[EventFilters, Depends(event_filters)]):
        return StreamingResponse(_csv_rows(queries.iter_events(store, filters)),
                                 media_type="text/csv; charset=utf-8",
                                 headers={"content-disposition": 'attachment; filename="events.csv"'})

    @app.get("/events.parquet", summary="Filtered events as Parquet",
             responses={200: {"content": {"application/vnd.apache.parquet": {}}}})
    def events_parquet(filters: Annotated[EventFilters, Depends(event_filters)]):
        return Response(_parquet_bytes(queries.iter_events(store, filters)),
                        media_type="application/vnd.apache.parquet",
                        headers={"content-disposition": 'attachment; filename="events.parquet"'})

    # ---- dyads
    @app.get("/dyad", response_class=HTMLResponse, summary="Two countries over time (HTML)")
    def dyad_page(request: Request, a: Annotated[str | None, Query(max_length=8)] = None,
                  b: Annotated[str | None, Query(max_length=8)] = None):
        ca, cb = _country("a", a), _country("b", b)
        if not (ca and cb):
            return page(request, "dyad.html", dyad=None, a=ca, b=cb, chart=None,
                        top=queries.top_dyads(store))
        dyad = queries.dyad_series(store, ca, cb)
        months = continuous_months([r["month"] for r in dyad["series"]])
        by_month = {r["month"]: r for r in dyad["series"]}

        def values(direction: str) -> list[float]:
            return [by_month[m][direction]["goldstein_sum"] if m in by_month else 0.0
                    for m in months]

        chart = bar_chart_svg(months, [(f"{ca} → {cb}", values("a_to_b")),
                                       (f"{cb} → {ca}", values("b_to_a"))],
                              f"Goldstein sum by month, {ca} and {cb}",
                              "Goldstein sum") if months else None
        return page(request, "dyad.html", dyad=dyad, a=ca, b=cb, chart=chart,
                    top=queries.top_dyads(store))

    @app.get("/api/dyad", summary="Monthly events and Goldstein between two countries",
             responses=ERROR_RESPONSES)
    def dyad_api(a: Annotated[str, Query(max_length=8, description="ISO-3 country")],
                 b: Annotated[str, Query(max_length=8, description="ISO-3 country")]) -> dict[str, Any]:
        ca, cb = _country("a", a), _country("b", b)
        if not (ca and cb):
            raise ApiError(422, "a and b must both be ISO-3 country codes")
        return queries.dyad_series(store, ca, cb)

    # ---- submit
    @app.get("/submit", response_class=HTMLResponse, summary="Paste or upload an article (HTML)")
    def submit_form(request: Request):
        return page(request, "submit.html", writable=settings.web_write_token is not None)

    @app.post("/submit", response_class=HTMLResponse, include_in_schema=False)
    def submit_page(request: Request, text: Annotated[str, Form()] = "",
                    file: Annotated[UploadFile | None, File()] = None,
                    published: Annotated[str, Form(max_length=32)] = "",
                    url: Annotated[str, Form(max_length=2000)] = "",
                    title: Annotated[str, Form(max_length=1000)] = "",
                    token: Annotated[str, Form(max_length=1000)] = ""):
        body = text
        if file is not None and file.filename:
            body = file.file.read().decode("utf-8", errors="replace")
        if not body.strip():
            raise ApiError(422, "paste some text or HTML, or choose a file")
        presented = token or _bearer(request)
        if presented:
            _check_token(settings, presented)
        record = _extract(body, _date("published", published), url or None, title or None,
                          settings)
        stored = False
        if presented:
            store.write([record])
            stored = True
        note = ("stored" if stored else
                "not stored: this server is read-only" if settings.web_write_token is None else
                "not stored: give the write token to store it")
        return page(request, "article.html", notice=note, stored=stored, **_article_context(record))

    @app.post("/api/articles", status_code=201, summary="Extract one article and store it",
              responses={**ERROR_RESPONSES, 401: {"model": ErrorBody}, 403: {"model": ErrorBody},
                         413: {"model": ErrorBody}})
    def create_article(request: Request, article: ArticleIn) -> JSONResponse:
        presented = _bearer(request)
        if settings.web_write_token is None:
            raise ApiError(403, "this server is read-only: start it with --write-token to accept writes",
                           code="read_only")
        if not presented:
            raise ApiError(401, "send the write token as 'Authorization: Bearer <token>'",
                           headers={"WWW-Authenticate": "Bearer"})
        _check_token(settings, presented)
        if (article.text is None) == (article.html is None):
            raise ApiError(422, "give exactly one of text or html")
        body = article.text if article.text is not None else article.html
        record = _extract(body or "", article.published, article.url, article.title, settings,
                          is_html=article.html is not None)
        store.write([record])
        return JSONResponse(record.to_dict(), status_code=201,
                            headers={"location": f"/api/articles/{record.id}"})

    return app


# ---------------------------------------------------------------- helpers

def _templates(settings: Settings) -> Jinja2Templates:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    env.globals.update(actor_key=actor_key, query_string=_query_string, quoted_words=quoted_words,
                       writable=settings.web_write_token is not None)
    env.filters["sectors"] = lambda s: " ".join(s.split()) if isinstance(s, str) else " ".join(s or ())
    return Jinja2Templates(env=env)


def _install_error_handlers(app: FastAPI, templates: Jinja2Templates) -> None:
    def respond(request: Request, status: int, message: str, code: str | None = None,
                headers: dict[str, str] | None = None) -> Response:
        body = error_body(status, message, code)
        if _wants_html(request):
            return templates.TemplateResponse(request, "error.html", {"error": body["error"],
                                                                      "status": status},
                                              status_code=status, headers=headers)
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"nothing at {request.url.path}"
        return respond(request, exc.status_code, message, getattr(exc, "code", None),
                       dict(exc.headers) if exc.headers else None)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "path"))
            parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        return respond(request, 422, "; ".join(parts) or "invalid request")

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return respond(request, 500, f"internal error ({type(exc).__name__}); see the server log")


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path.endswith((".csv", ".parquet", ".json")):
        return False
    return "text/html" in request.headers.get("accept", "")


def _path_id():
    return PathParam(max_length=64, description="article id (16 hex characters)")


def _path_key():
    return PathParam(max_length=300, description="actor key: name slug--ISO3, e.g. ibrahim-kalin--TUR")


def _get_record(store, article_id: str) -> ArticleRecord:
    record = store.get(article_id)
    if record is None:
        raise ApiError(404, f"no article with id {article_id!r}")
    return record


def _article_context(record: ArticleRecord) -> dict[str, Any]:
    keys = {a.id: actor_key(a.name, a.country) for a in record.actors}
    names = {a.id: a.name for a in record.actors}
    return {"record": record, "body": highlight_record(record, keys), "actor_keys": keys,
            "actor_names": names, "colours": speaker_colours(record)}


def _actor_data(store, key: str, kind: str | None = None) -> dict[str, Any]:
    actor = queries.find_actor(store, key)
    if actor is None:
        raise ApiError(404, f"no actor with key {key!r}")
    return {"key": actor.key, "name": actor.name, "country": actor.country, "names": actor.names,
            "kinds": actor.kinds, "sectors": actor.sectors, "roles": actor.roles,
            "n_articles": actor.n_articles,
            "quotes": queries.actor_quotes(store, actor, kind),
            "events_as_source": [_event_json(r) for r in queries.actor_events(store, actor, "source")],
            "events_as_target": [_event_json(r) for r in queries.actor_events(store, actor, "target")],
            "timeline": queries.actor_timeline(store, actor)}


def _event_json(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for side in ("source", "target"):
        out[f"{side}_sectors"] = (row.get(f"{side}_sectors") or "").split()
        if row.get(f"{side}_name"):
            out[f"{side}_key"] = actor_key(row[f"{side}_name"], row.get(f"{side}_country"))
    return out


def _query_string(request: Request, drop: tuple[str, ...] = (), **changes: Any) -> str:
    """The request's query, minus ``drop`` and blanks, with ``changes`` applied: ``?a=1&b=2``."""
    params = {k: v for k, v in request.query_params.items() if k not in drop and v != ""}
    params.update({k: str(v) for k, v in changes.items() if v is not None})
    return "?" + urlencode(params) if params else ""


def _page_json(request: Request, result: queries.Page, items: list[dict[str, Any]]) -> dict[str, Any]:
    path = request.url.path
    nxt = (path + _query_string(request, page=result.page + 1)
           if result.page < result.pages else None)
    prev = path + _query_string(request, page=result.page - 1) if result.page > 1 else None
    return jsonable_encoder({"total": result.total, "page": result.page,
                             "per_page": result.per_page, "pages": result.pages,
                             "capped": result.capped, "next": nxt, "prev": prev, "items": items})


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def _check_token(settings: Settings, presented: str) -> None:
    expected = settings.web_write_token
    if expected is None:
        raise ApiError(403, "this server is read-only: start it with --write-token to accept writes",
                       code="read_only")
    if not hmac.compare_digest(presented.encode(), expected.encode()):
        raise ApiError(403, "wrong write token")


def _extract(body: str, published: dt.date | None, url: str | None, title: str | None,
             settings: Settings, is_html: bool | None = None) -> ArticleRecord:
    """``pipeline.extract`` for one submitted article, honouring an explicit text/HTML choice
    (``extract`` guesses HTML from a leading ``<``, which a JSON client need not rely on)."""
    from ..pipeline import process
    from ..records import RawArticle

    html = is_html if is_html is not None else body.lstrip()[:1] == "<"
    raw = RawArticle(source="web:submit", text=None if html else body, html=body if html else None,
                     title=title, url=url, published=published)
    return next(process([raw], settings))


def _export_rows(rows: Iterator[dict[str, Any]], names: list[str]) -> Iterator[list[dict[str, Any]]]:
    """Chunks of rows keyed like ``table_schema("events")`` (the CLI export's columns)."""
    chunk: list[dict[str, Any]] = []
    for row in rows:
        out = {k: row.get(k) for k in names}
        if out.get("published"):
            out["published"] = dt.date.fromisoformat(out["published"])
        chunk.append(out)
        if len(chunk) == 1_000:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _csv_rows(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    names = table_schema("events").names
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    for chunk in _export_rows(rows, names):
        writer.writerows([[csv_value(r[k]) for k in names] for r in chunk])
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    yield buf.getvalue()


def _parquet_bytes(rows: Iterator[dict[str, Any]]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = table_schema("events")
    out = io.BytesIO()
    with pq.ParquetWriter(out, schema) as writer:
        for chunk in _export_rows(rows, schema.names):
            writer.write_batch(pa.RecordBatch.from_pylist(chunk, schema=schema))
    return out.getvalue()
