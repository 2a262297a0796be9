"""The web UI and REST API over the store (``eventwire serve``).

Every HTML page has a JSON twin under ``/api/…`` (datasette's pattern), both built from
the same query functions in ``queries.py``, whose filters are ``store.reads``'s: ``since``
/ ``until`` are the publication date, ``event_since`` / ``event_until`` the event date, and
negated or hypothetical events stay out of event tables and counts unless
``include_flagged=true``. Downloads (``/events.csv``, ``/events.parquet``) are streamed
through the export's writer (``store.table_files``), at most ``settings.web_max_rows``
rows, stated in ``X-Eventwire-Row-Cap`` / ``X-Eventwire-Truncated``.

The server is read-only unless ``settings.web_write_token`` is set; then ``POST
/api/articles`` and ``POST /submit`` — the requests that run the pipeline — are served to a
caller presenting that token (compared with ``hmac.compare_digest``; 401 without one, 403
for a wrong one or on a read-only server). Their extraction runs in worker processes
(``runners.article_workers``), where the article time limit holds, and the record goes
through the link step into the store. Errors share one body shape ``{"error": {"code",
"message"}}`` (rendered as an HTML page for browsers on HTML routes), request bodies are
capped at ``settings.web_max_body_bytes`` (Content-Length and the streamed byte count),
templates auto-escape, and every response carries a ``default-src 'self'``
Content-Security-Policy.
"""
from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import re
import tempfile
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

# The pipeline's link step (``pipeline.link_near_duplicates`` is this function), imported
# from ``dedup`` so that the server process stays free of the NLP stages: extraction runs
# in worker processes.
from ..dedup import link_near_duplicates
from ..records import QUOTE_KINDS, ArticleRecord, RawArticle
from ..runners.article_workers import ArticleWorkers
from ..settings import Settings
from ..store import open_store, reads
from ..store.reads import Filters
from ..store.table_files import csv_text, write_parquet
from . import queries
from .charts import bar_chart_svg, continuous_months
from .highlight import highlight_record, quoted_words, speaker_colours
from .queries import actor_key

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
# A Parquet download is built in memory up to this size, then in a temporary file.
PARQUET_SPOOL_BYTES = 16 * 1024 * 1024


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


def _filters(**values: str | None) -> Filters:
    try:
        return Filters.parse(values)
    except ValueError as e:
        raise ApiError(422, str(e)) from None


_FLAGGED_DOC = "true: keep negated and hypothetical events (left out by default)"


def read_filters(
    since: Annotated[str | None, Query(
        max_length=32, description="article published on or after YYYY-MM-DD")] = None,
    until: Annotated[str | None, Query(
        max_length=32, description="article published on or before YYYY-MM-DD")] = None,
    event_since: Annotated[str | None, Query(
        max_length=32, description="event's own date wholly on or after YYYY-MM-DD")] = None,
    event_until: Annotated[str | None, Query(
        max_length=32, description="event's own date wholly on or before YYYY-MM-DD")] = None,
    country: Annotated[str | None, Query(
        max_length=8, description="ISO-3 country of an event's source or target")] = None,
    source_country: Annotated[str | None, Query(
        max_length=8, description="ISO-3 country of the event's source")] = None,
    target_country: Annotated[str | None, Query(
        max_length=8, description="ISO-3 country of the event's target")] = None,
    plover: Annotated[str | None, Query(max_length=16, description="PLOVER event type")] = None,
    quad_class: Annotated[str | None, Query(max_length=2, description="1-4")] = None,
    actor: Annotated[str | None, Query(
        max_length=300, description="actor name (any case) as event source or target")] = None,
    outcome: Annotated[str | None, Query(
        max_length=16, description="ok | rejected | failed")] = None,
    include_flagged: Annotated[str | None, Query(max_length=8, description=_FLAGGED_DOC)] = None,
) -> Filters:
    """The read filters of ``store.reads`` (the same as ``eventwire export``'s)."""
    return _filters(since=since, until=until, event_since=event_since, event_until=event_until,
                    country=country, source_country=source_country,
                    target_country=target_country, plover=plover, quad_class=quad_class,
                    actor=actor, outcome=outcome, include_flagged=include_flagged)


def flag_filter(
    include_flagged: Annotated[str | None, Query(max_length=8, description=_FLAGGED_DOC)] = None,
) -> Filters:
    """Only the flagged-event rule, for the actor and dyad pages."""
    return _filters(include_flagged=include_flagged)


def search_text(
    q: Annotated[str | None, Query(max_length=500, description="full-text search")] = None,
) -> str | None:
    return _blank_to_none(q)


class Paging(BaseModel):
    page: int
    per_page: int


def paging_params(page: Annotated[int, Query(ge=1, le=100_000)] = 1,
           per_page: Annotated[int, Query(ge=1, le=200)] = 50) -> Paging:
    return Paging(page=page, per_page=per_page)


Filtered = Annotated[Filters, Depends(read_filters)]
FlagOnly = Annotated[Filters, Depends(flag_filter)]


def quote_kind(
    kind: Annotated[str | None, Query(max_length=16, description="only quotes of this kind: direct | "
                                      "indirect | mixed | belief | evidence | document")] = None,
) -> str | None:
    k = _blank_to_none(kind)
    if k is not None and k not in QUOTE_KINDS:
        raise ApiError(422, f"kind must be one of {', '.join(QUOTE_KINDS)}, got {k!r}")
    return k


QuoteKind = Annotated[str | None, Depends(quote_kind)]
Search = Annotated[str | None, Depends(search_text)]
Paged = Annotated[Paging, Depends(paging_params)]


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

def create_app(settings: Settings | None = None, *,
               workers: ArticleWorkers | None = None) -> FastAPI:
    """Build the app over the store at ``settings.db`` (created empty when missing).

    ``workers`` run the extractions of ``/submit`` and ``POST /api/articles`` (default:
    ``ArticleWorkers(settings)``, started on the first one); the app shuts them down
    when it stops. Raises ``StoreError`` when the store cannot be opened.
    """
    settings = settings or Settings.load()
    store = open_store(settings.db, settings, create=True)
    workers = workers or ArticleWorkers(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        workers.close()
        store.close()

    app = FastAPI(title="eventwire", version="1", lifespan=lifespan,
                  description="News articles as checkable facts: actors, quotes, events "
                              "(PLOVER/CAMEO with Goldstein) and dates, each with its span. "
                              "Every HTML page has a JSON twin under /api.")
    app.state.settings = settings
    app.state.store = store
    app.state.workers = workers
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
    def articles_page(request: Request, q: Search, filters: Filtered, paging: Paged):
        result = queries.list_articles(store, q, filters, paging.page, paging.per_page)
        return page(request, "articles.html", result=result, q=q, filters=filters,
                    outcomes=queries.OUTCOMES)

    @app.get("/api/articles", summary="Article list", responses=ERROR_RESPONSES)
    def articles_api(request: Request, q: Search, filters: Filtered,
                     paging: Paged) -> dict[str, Any]:
        result = queries.list_articles(store, q, filters, paging.page, paging.per_page)
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
    def actor_page(request: Request, key: Annotated[str, _path_key()], filters: FlagOnly,
                   kind: QuoteKind):
        data = _actor_data(store, key, filters, kind)
        timeline = data["timeline"]
        months = continuous_months([r["month"] for r in timeline])
        by_month = {r["month"]: r for r in timeline}
        names = ("articles", "quotes", "events_as_source", "events_as_target")
        chart = bar_chart_svg(months, [(n.replace("_", " "), [by_month.get(m, {}).get(n, 0)
                                                               for m in months]) for n in names],
                              f"{data['name']}: activity by month", "count") if months else None
        return page(request, "actor.html", actor=data, chart=chart, filters=filters, kind=kind,
                    kinds=QUOTE_KINDS)

    @app.get("/api/actors/{key}", summary="One actor: names, roles, quotes, events, timeline",
             responses=ERROR_RESPONSES)
    def actor_api(key: Annotated[str, _path_key()], filters: FlagOnly,
                  kind: QuoteKind) -> dict[str, Any]:
        return jsonable_encoder(_actor_data(store, key, filters, kind))

    # ---- events
    @app.get("/events", response_class=HTMLResponse, summary="Event table (HTML)")
    def events_page(request: Request, filters: Filtered, paging: Paged):
        result = queries.list_events(store, filters, paging.page, paging.per_page)
        query = _query_string(request, drop=("page", "per_page"))
        return page(request, "events.html", result=result, filters=filters,
                    facets=queries.event_facets(store), download_query=query,
                    row_cap=settings.web_max_rows)

    @app.get("/api/events", summary="Event list", responses=ERROR_RESPONSES)
    def events_api(request: Request, filters: Filtered, paging: Paged) -> dict[str, Any]:
        result = queries.list_events(store, filters, paging.page, paging.per_page)
        return _page_json(request, result, [_event_json(r) for r in result.items])

    download_doc = ("Streamed; at most settings.web_max_rows rows (EVENTWIRE_WEB_MAX_ROWS, "
                    f"now {settings.web_max_rows}): the X-Eventwire-Row-Cap header states the "
                    "cap and X-Eventwire-Truncated whether rows were left out.")

    @app.get("/events.csv", summary="Filtered events as CSV", description=download_doc,
             response_class=StreamingResponse, responses={200: {"content": {"text/csv": {}}}})
    def events_csv(filters: Filtered):
        return _download(store, settings, "events", "csv", filters)

    @app.get("/events.parquet", summary="Filtered events as Parquet", description=download_doc,
             response_class=StreamingResponse,
             responses={200: {"content": {"application/vnd.apache.parquet": {}}}})
    def events_parquet(filters: Filtered):
        return _download(store, settings, "events", "parquet", filters)

    # ---- dyads
    @app.get("/dyad", response_class=HTMLResponse, summary="Two countries over time (HTML)")
    def dyad_page(request: Request, filters: FlagOnly,
                  a: Annotated[str | None, Query(max_length=8)] = None,
                  b: Annotated[str | None, Query(max_length=8)] = None):
        ca, cb = _country("a", a), _country("b", b)
        top = queries.top_dyads(store, filters)
        if not (ca and cb):
            return page(request, "dyad.html", dyad=None, a=ca, b=cb, chart=None, top=top,
                        filters=filters)
        dyad = queries.dyad_series(store, ca, cb, filters)
        months = continuous_months([r["month"] for r in dyad["series"]])
        by_month = {r["month"]: r for r in dyad["series"]}

        def values(direction: str) -> list[float]:
            return [by_month[m][direction]["goldstein_sum"] if m in by_month else 0.0
                    for m in months]

        chart = bar_chart_svg(months, [(f"{ca} → {cb}", values("a_to_b")),
                                       (f"{cb} → {ca}", values("b_to_a"))],
                              f"Goldstein sum by month, {ca} and {cb}",
                              "Goldstein sum") if months else None
        return page(request, "dyad.html", dyad=dyad, a=ca, b=cb, chart=chart, top=top,
                    filters=filters)

    @app.get("/api/dyad", summary="Monthly events and Goldstein between two countries",
             responses=ERROR_RESPONSES)
    def dyad_api(a: Annotated[str, Query(max_length=8, description="ISO-3 country")],
                 b: Annotated[str, Query(max_length=8, description="ISO-3 country")],
                 filters: FlagOnly) -> dict[str, Any]:
        ca, cb = _country("a", a), _country("b", b)
        if not (ca and cb):
            raise ApiError(422, "a and b must both be ISO-3 country codes")
        return queries.dyad_series(store, ca, cb, filters)

    # ---- writes: extraction in a worker process, then the link step and the store
    def extract_and_store(raw: RawArticle) -> ArticleRecord:
        record = workers.extract(raw)
        store.write(link_near_duplicates([record], store.near_duplicate_index()))
        return store.get(record.id) or record

    @app.get("/submit", response_class=HTMLResponse, summary="Paste or upload an article (HTML)")
    def submit_form(request: Request):
        return page(request, "submit.html")

    @app.post("/submit", response_class=HTMLResponse, include_in_schema=False)
    def submit_page(request: Request, text: Annotated[str, Form()] = "",
                    file: Annotated[UploadFile | None, File()] = None,
                    published: Annotated[str, Form(max_length=32)] = "",
                    url: Annotated[str, Form(max_length=2000)] = "",
                    title: Annotated[str, Form(max_length=1000)] = "",
                    token: Annotated[str, Form(max_length=1000)] = ""):
        _require_write_token(settings, token or _bearer(request))
        body = text
        if file is not None and file.filename:
            body = file.file.read().decode("utf-8", errors="replace")
        if not body.strip():
            raise ApiError(422, "paste some text or HTML, or choose a file")
        record = extract_and_store(_raw(body, _date("published", published), url or None,
                                        title or None))
        return page(request, "article.html", notice="stored", stored=True,
                    **_article_context(record))

    @app.post("/api/articles", status_code=201, summary="Extract one article and store it",
              responses={**ERROR_RESPONSES, 401: {"model": ErrorBody}, 403: {"model": ErrorBody},
                         413: {"model": ErrorBody}})
    def create_article(request: Request, article: ArticleIn) -> JSONResponse:
        _require_write_token(settings, _bearer(request))
        if (article.text is None) == (article.html is None):
            raise ApiError(422, "give exactly one of text or html")
        body = article.text if article.text is not None else article.html
        record = extract_and_store(_raw(body or "", article.published, article.url,
                                        article.title, is_html=article.html is not None))
        return JSONResponse(record.to_dict(), status_code=201,
                            headers={"location": f"/api/articles/{record.id}"})

    return app


# ---------------------------------------------------------------- helpers

def _templates(settings: Settings) -> Jinja2Templates:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    env.globals.update(actor_key=actor_key, query_string=_query_string, quoted_words=quoted_words,
                       flag_words=_flag_words, writable=settings.web_write_token is not None)
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


def _actor_data(store, key: str, filters: Filters, kind: str | None = None) -> dict[str, Any]:
    actor = queries.find_actor(store, key)
    if actor is None:
        raise ApiError(404, f"no actor with key {key!r}")
    return {"key": actor.key, "name": actor.name, "country": actor.country, "names": actor.names,
            "kinds": actor.kinds, "sectors": actor.sectors, "roles": actor.roles,
            "n_articles": actor.n_articles,
            "include_flagged": filters.include_flagged,
            "quotes": queries.actor_quotes(store, actor, kind),
            "events_as_source": [_event_json(r) for r in
                                 queries.actor_events(store, actor, "source", filters)],
            "events_as_target": [_event_json(r) for r in
                                 queries.actor_events(store, actor, "target", filters)],
            "timeline": queries.actor_timeline(store, actor, filters)}


def _flag_words(event: dict[str, Any]) -> str:
    """Why an event row is flagged, in words: "negated", "hypothetical" or both."""
    return ", ".join(name for name in reads.FLAGGED_BY if event.get(name))


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


def _require_write_token(settings: Settings, presented: str | None) -> None:
    """Every request that runs the pipeline needs the write token: 403 on a read-only
    server or for a wrong token, 401 when none is given."""
    expected = settings.web_write_token
    if expected is None:
        raise ApiError(403, "this server is read-only: start it with --write-token to accept "
                            "articles", code="read_only")
    if not presented:
        raise ApiError(401, "send the write token as 'Authorization: Bearer <token>' (or in "
                            "the form's token field)", headers={"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(presented.encode(), expected.encode()):
        raise ApiError(403, "wrong write token")


def _raw(body: str, published: dt.date | None, url: str | None, title: str | None,
         is_html: bool | None = None) -> RawArticle:
    """A submitted article, honouring an explicit text/HTML choice (``extract`` guesses
    HTML from a leading ``<``, which a JSON client need not rely on)."""
    html = is_html if is_html is not None else body.lstrip()[:1] == "<"
    return RawArticle(source="web:submit", text=None if html else body,
                      html=body if html else None, title=title, url=url, published=published)


def _download(store, settings: Settings, table: str, fmt: str, filters: Filters
              ) -> StreamingResponse:
    """``table``'s filtered rows as a streamed CSV or Parquet download, capped at
    ``settings.web_max_rows`` rows (the headers state the cap and whether it cut)."""
    cap = max(0, settings.web_max_rows)
    truncated = reads.count_rows(store, table, filters, at_most=cap + 1) > cap
    rows = reads.iter_rows(store, table, filters, limit=cap)
    headers = {"content-disposition": f'attachment; filename="{table}.{fmt}"',
               "x-eventwire-row-cap": str(cap),
               "x-eventwire-truncated": "true" if truncated else "false"}
    if fmt == "csv":
        return StreamingResponse((text.encode("utf-8") for text in csv_text(rows, table)),
                                 media_type="text/csv; charset=utf-8", headers=headers)
    # Parquet keeps its footer at the end, so the file is built first — batch by batch into
    # a spooled temporary file (in memory up to PARQUET_SPOOL_BYTES, then on disk) — and
    # then streamed from it.
    spool = tempfile.SpooledTemporaryFile(max_size=PARQUET_SPOOL_BYTES)
    try:
        write_parquet(rows, table, spool)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return StreamingResponse(_file_chunks(spool), media_type="application/vnd.apache.parquet",
                             headers={**headers, "content-length": str(size)})


def _file_chunks(spool, size: int = 64 * 1024) -> Iterator[bytes]:
    try:
        while chunk := spool.read(size):
            yield chunk
    finally:
        spool.close()
