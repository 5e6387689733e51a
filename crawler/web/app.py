"""The review UI: server-rendered FastAPI + Jinja2, no front-end build, no JavaScript.

Pages: the review queue (filters, full-text search), the article reader, source health, digests.
Actions (POST, CSRF-protected): mark reviewed / starred / dismissed, notes, mark a digest reviewed, login.
Exports: the current selection as CSV or JSON. See crawler.web.security for who may connect.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, FastAPI, HTTPException, Path as PathParam, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from crawler.config import Settings
from crawler.digest import format as fmt
from crawler.digest import store
from crawler.digest.query import resolve_threshold
from crawler.web import export, overview, queries, reader
from crawler.web import stories as story_views
from crawler.web.security import (
    AUTH_COOKIE,
    MAX_ROW_ID,
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    DIGEST_CSP,
    SAFE_METHODS,
    SECURITY_HEADERS,
    Guard,
    bad_path,
    host_name,
    is_loopback,
    plain_title,
    row_ids,
    safe_next,
    without_nul,
)
from storage import story_repo
from storage.models import Digest

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STYLESHEET = HERE / "static" / "app.css"
# Reachable without authentication from other machines: the login form and the stylesheet it uses.
PUBLIC_PATHS = frozenset({"/login", "/static/app.css"})
# A row id in a path: a positive integer the database's id column can hold (else 404, never an overflow).
RowId = Annotated[int, PathParam(ge=1, le=MAX_ROW_ID)]


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """One template environment per process: templates compile once, whatever the number of apps."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined)
    env.globals.update(safe_href=fmt.safe_href, lang_attr=fmt.lang_attr, score_label=fmt.score_label, urlencode=urlencode)
    env.filters["plain_title"] = plain_title
    return env


async def require_csrf(request: Request) -> None:
    """App-wide dependency: every non-GET request must carry the CSRF token (and come from this origin)."""
    if request.method in SAFE_METHODS:
        return
    guard: Guard = request.app.state.guard
    origin = request.headers.get("origin")
    if origin and origin != "null" and host_name(urlsplit(origin).netloc) != host_name(request.headers.get("host", "")):
        raise HTTPException(403, "cross-site request refused")
    submitted = request.headers.get(CSRF_HEADER)
    if not submitted:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    if not guard.csrf_valid(request.cookies.get(CSRF_COOKIE), submitted):
        raise HTTPException(403, "missing or invalid CSRF token: reload the page and try again")


def create_app(
    settings: Settings,
    *,
    sessions: sessionmaker[Session] | None = None,
    allowed_hosts: tuple[str, ...] = (),
) -> FastAPI:
    """The review UI over settings.storage (migrated on start). `allowed_hosts`: extra Host names for local use."""
    if sessions is None:
        from crawler.fetch.runner import open_store

        _, sessions = open_store(settings)
    factory: sessionmaker[Session] = sessions
    guard = Guard.create(settings.ui, allowed_hosts)
    threshold = resolve_threshold(settings)
    margin = settings.topic.near_miss_margin
    zone = settings.digest.timezone
    templates = Jinja2Templates(env=_environment())
    app = FastAPI(title="coverwatch review", docs_url=None, redoc_url=None, openapi_url=None, dependencies=[Depends(require_csrf)])
    app.state.guard = guard

    def local_time(value: datetime | None) -> str:
        return fmt.local_time(value, zone) if value else "–"

    def publisher_time(article: Any) -> str:
        """An article's publication time on the publisher's clock when known, else in the UI's zone."""
        if article.published_at is None:
            return "–"
        return fmt.published_time(article.published_at, article.published_offset_minutes, bool(article.published_date_only), zone)

    def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.update(
            csrf_field=CSRF_FIELD, csrf_token=request.state.csrf_token, local_time=local_time, publisher_time=publisher_time,
            threshold=threshold,
            remote=not request.state.local, path_qs=_path_qs(request),
        )
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    @app.middleware("http")
    async def gate(request: Request, call_next: Any) -> Response:
        client = request.client.host if request.client else None
        local = is_loopback(client)
        authenticated = guard.authenticated(request.headers.get("authorization"), request.cookies.get(AUTH_COOKIE))
        problem = bad_path(request.url.path)
        if problem:  # refused before any handler or database sees it
            return _secure(PlainTextResponse(problem, status_code=404))
        request.scope["query_string"] = without_nul(request.scope.get("query_string", b""))
        if local and not authenticated and not guard.host_allowed(request.headers.get("host")):
            return _secure(PlainTextResponse("unexpected Host header: open the UI at http://127.0.0.1:<port>/", status_code=400))
        if not local and not authenticated:
            if not guard.token:
                return _secure(PlainTextResponse("remote access is disabled: this UI was started without COVERWATCH_UI_TOKEN", status_code=403))
            if request.url.path not in PUBLIC_PATHS:
                if request.method in SAFE_METHODS:
                    return _secure(RedirectResponse("/login?" + urlencode({"next": _path_qs(request)}), status_code=303))
                return _secure(PlainTextResponse("authentication required", status_code=401))
        cookie = request.cookies.get(CSRF_COOKIE)
        fresh = None if cookie else guard.new_csrf_cookie()
        request.state.csrf_token = guard.csrf_token(cookie or fresh or "")
        request.state.local = local
        response = await call_next(request)
        if fresh:
            response.set_cookie(CSRF_COOKIE, fresh, httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return _secure(response)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if not hasattr(request.state, "csrf_token"):
            return _secure(PlainTextResponse(str(error.detail), status_code=error.status_code))
        return render(request, "error.html", status_code=error.status_code, message=str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        # A path id out of range (/article/9223372036854775808) names no row: 404, like any unknown id.
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        status = 404 if where.startswith("path") else 400
        return await http_error(request, HTTPException(status, f"{where or 'request'}: {first.get('msg', 'invalid')}"))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, error: Exception) -> Response:
        # The last resort (a bug, the database gone): one logged traceback, and still the security headers,
        # since this answer is sent outside the gate middleware.
        log.exception("review UI: %s %s failed", request.method, request.url.path)
        return _secure(PlainTextResponse(f"internal error ({type(error).__name__}); see the server log", status_code=500))

    # --- pages ----------------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    @app.get("/search", response_class=HTMLResponse)
    def queue_page(request: Request) -> HTMLResponse:
        filters = queries.parse_filters(request.query_params)
        with factory() as session:
            articles, total = queries.queue(session, filters, threshold, margin, zone)
            rows = [queries.queue_row(article, filters.q) for article in articles]
            outlets, languages = queries.choices(session)
            titles = queries.outlet_titles(session)
        pages = total.pages(queries.PAGE_SIZE)
        shown_total = total.label()
        return render(
            request, "queue.html", filters=filters, rows=rows, total=shown_total, pages=pages, outlets=outlets, languages=languages,
            titles=titles, status_filters=queries.STATUS_FILTERS, relevance_filters=queries.RELEVANCE_FILTERS, margin=margin,
        )

    @app.get("/article/{article_id}", response_class=HTMLResponse)
    def article_page(request: Request, article_id: RowId) -> HTMLResponse:
        with factory() as session:
            view = reader.article_view(session, article_id)
            story = story_repo.story_of(session, article_id)
            story_size = story_repo.story_size(session, story) if story is not None else 0
        if view is None:
            raise HTTPException(404, f"no article {article_id}")
        return render(request, "article.html", view=view, back=safe_next(request.query_params.get("back"), "/"),
                      story=story, story_size=story_size)

    story_views.register(app, factory, render)

    @app.get("/health", response_class=HTMLResponse)
    def health_page(request: Request) -> HTMLResponse:
        with factory() as session:
            sources, events = overview.health_view(session, datetime.now(timezone.utc))
        return render(request, "health.html", sources=sources, events=events, days=overview.HEALTH_DAYS)

    @app.get("/digests", response_class=HTMLResponse)
    def digests_page(request: Request) -> HTMLResponse:
        with factory() as session:
            rows = overview.digests(session)
        return render(request, "digests.html", digests=rows)

    @app.get("/digests/{digest_id}/html", response_class=HTMLResponse)
    def digest_html(digest_id: RowId) -> Response:
        with factory() as session:
            digest = session.get(Digest, digest_id)
            stored = (digest.paths or {}).get("html") if digest else None
        if not stored:
            raise HTTPException(404, "no HTML file recorded for this digest")
        path, root = Path(stored).resolve(), Path(settings.digest.output_dir).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise HTTPException(404, "the digest's HTML file is not in digest.output_dir any more")
        response = HTMLResponse(path.read_text(encoding="utf-8"))
        response.headers["content-security-policy"] = DIGEST_CSP
        return response

    @app.get("/export")
    def export_selection(request: Request) -> Response:
        filters = queries.parse_filters(request.query_params)
        kind = request.query_params.get("format", "csv")
        if kind not in ("csv", "json"):
            raise HTTPException(400, "format must be csv or json")
        ids = row_ids(request.query_params.getlist("ids"))
        with factory() as session:
            rows = queries.export_rows(session, filters, threshold, margin, zone, ids)
            titles = queries.outlet_titles(session)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M")
        if kind == "json":
            body, media = export.to_json(rows, titles), "application/json"
        else:
            body, media = export.to_csv(rows, titles), "text/csv; charset=utf-8"
        return Response(body, media_type=media, headers={"content-disposition": f'attachment; filename="coverwatch-{stamp}.{kind}"'})

    @app.get("/static/app.css")
    def stylesheet() -> FileResponse:
        return FileResponse(STYLESHEET, media_type="text/css")

    # --- actions (POST: CSRF-checked by require_csrf) ----------------------------------------------------

    @app.post("/article/{article_id}/review")
    async def review(request: Request, article_id: RowId) -> Response:
        form = await request.form()
        action = str(form.get("action") or "")
        if action not in reader.REVIEW_ACTIONS:
            raise HTTPException(400, f"unknown action; one of {', '.join(reader.REVIEW_ACTIONS)}")
        found = await run_in_threadpool(_write, factory, reader.set_review, article_id, action)
        if not found:
            raise HTTPException(404, f"no article {article_id}")
        return RedirectResponse(safe_next(str(form.get("next") or ""), f"/article/{article_id}"), status_code=303)

    @app.post("/article/{article_id}/note")
    async def note(request: Request, article_id: RowId) -> Response:
        form = await request.form()
        note_text = str(form.get("note") or "").replace("\x00", "")  # PostgreSQL text cannot hold NUL
        found = await run_in_threadpool(_write, factory, reader.set_note, article_id, note_text)
        if not found:
            raise HTTPException(404, f"no article {article_id}")
        return RedirectResponse(safe_next(str(form.get("next") or ""), f"/article/{article_id}"), status_code=303)

    @app.post("/digests/{digest_id}/reviewed")
    async def digest_reviewed(request: Request, digest_id: RowId) -> Response:
        form = await request.form()
        try:
            await run_in_threadpool(_write, factory, store.mark_digest_reviewed, digest_id)
        except LookupError:
            raise HTTPException(404, f"no digest {digest_id}") from None
        return RedirectResponse(safe_next(str(form.get("next") or ""), "/digests"), status_code=303)

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request) -> Response:
        if request.state.local:
            return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
        return render(request, "login.html", next=safe_next(request.query_params.get("next")), failed=False)

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        target = safe_next(str(form.get("next") or ""))
        if not guard.token_matches(str(form.get("token") or "")):
            return render(request, "login.html", status_code=401, next=target, failed=True)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(AUTH_COOKIE, guard.auth_cookie_value(), httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return response

    @app.post("/logout")
    async def logout() -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(AUTH_COOKIE)
        return response

    return app


def _path_qs(request: Request) -> str:
    query = request.url.query
    return request.url.path + ("?" + query if query else "")


def _secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _write(factory: sessionmaker[Session], action: Any, *args: Any) -> Any:
    """Run one write in its own transaction (called in a worker thread: SQLite may wait for a crawl's lock)."""
    with factory.begin() as session:
        return action(session, *args)
