"""The story view: one event's reports side by side (bidi-safe), why they were grouped, and the analyst's
split, merge and "reviewed" for the whole story. Reads and writes through storage/story_repo.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from crawler.digest.snippet import direction
from crawler.stories.link import Evidence
from storage import story_repo

# How much of each report the side-by-side view shows; the full text is one click away.
EXCERPT_CHARS = 600


def evidence_line(evidence: dict[str, Any] | None) -> str:
    """The stored evidence of a link as one readable line."""
    if not evidence:
        return "first report of the story"
    if "analyst" in evidence:
        return f"{evidence['analyst']} by an analyst"
    fields = {key: evidence.get(key) for key in Evidence.__dataclass_fields__}
    fields["actors"] = tuple(fields.get("actors") or ())
    fields["names"] = tuple(fields.get("names") or ())
    fields["numbers"] = tuple(fields.get("numbers") or ())
    fields["title_words"] = tuple(fields.get("title_words") or ())
    fields["named_days"] = tuple(fields.get("named_days") or ())
    return f"linked to #{evidence.get('linked_to')}: " + Evidence(**fields).summary()


def _write(factory: sessionmaker[Session], action: Callable[..., Any], *args: Any) -> Any:
    with factory.begin() as session:
        return action(session, *args)


def _int(value: Any, what: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise HTTPException(400, f"{what} must be an article or story number") from None


def register(app: FastAPI, factory: sessionmaker[Session], render: Callable[..., HTMLResponse]) -> None:
    @app.get("/story/{story_id}", response_class=HTMLResponse)
    def story_page(request: Request, story_id: int) -> HTMLResponse:
        with factory() as session:
            reports = story_repo.story_reports(session, story_id)
        if not reports:
            raise HTTPException(404, f"no story {story_id}")
        rows = [{"article": r.article, "evidence": evidence_line(r.evidence), "pinned": r.pinned,
                 "direction": direction(r.article.language, f"{r.article.title or ''} {r.article.text[:200]}"),
                 "excerpt": (r.article.text or "")[:EXCERPT_CHARS]} for r in reports]
        languages = sorted({r.article.language or "?" for r in reports})
        return render(request, "story.html", story_id=story_id, rows=rows, languages=languages)

    @app.post("/story/{story_id}/review")
    async def story_review(request: Request, story_id: int) -> Response:
        form = await request.form()
        status = str(form.get("status") or "reviewed")
        if status not in ("reviewed", "new", "dismissed"):
            raise HTTPException(400, "status must be reviewed, new or dismissed")
        marked = await run_in_threadpool(_write, factory, story_repo.mark_story, story_id, status)
        if not marked:
            raise HTTPException(404, f"no story {story_id}")
        return RedirectResponse(f"/story/{story_id}", status_code=303)

    @app.post("/story/{story_id}/split")
    async def story_split(request: Request, story_id: int) -> Response:
        form = await request.form()
        article_id = _int(form.get("article_id"), "article_id")
        if await run_in_threadpool(_write, factory, story_repo.split_article, article_id) is None:
            raise HTTPException(404, f"article {article_id} has no story")
        return RedirectResponse(f"/story/{article_id}", status_code=303)

    @app.post("/story/{story_id}/merge")
    async def story_merge(request: Request, story_id: int) -> Response:
        form = await request.form()
        other = _int(form.get("other"), "other")
        with factory() as session:
            other_story = story_repo.story_of(session, other)
        if other_story is None:
            raise HTTPException(404, f"article {other} has no story")
        await run_in_threadpool(_write, factory, story_repo.merge_stories, story_id, other_story)
        return RedirectResponse(f"/story/{story_id}", status_code=303)
