"""The demo's recorded outlets give one story in two languages: TASS's Russian report of the Hamas delegation
meeting Bogdanov in Moscow (26 Oct 2023) and the English Wikipedia article on that visit, which names the day."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from crawler.config import Settings
from crawler.digest.query import build_digest
from storage import story_repo
from storage.db import make_engine, make_session_factory
from storage.models import Article

REPO = Path(__file__).resolve().parents[2]


def _crawl(source: str, archive: Path, db: Path, *, expect: int = 0) -> None:
    env = {"COVERWATCH_DB_URL": f"sqlite:///{db}", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", source, "--replay", str(archive)],
                            capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    assert result.returncode == expect, result.stderr[-3000:]


def test_demo_links_tass_ru_and_wikipedia_en_into_one_story(tmp_path: Path, demo_archive: Path) -> None:
    db = tmp_path / "demo.db"
    # tass.ru is recorded behind its StormWall wall: its two leads are stored lead-only and the crawl reports the
    # source failed (exit 4: every source of the command failed), which is what the story still links.
    _crawl("tass_ru", demo_archive, db, expect=4)
    _crawl("wikipedia", demo_archive, db)
    engine = make_engine(f"sqlite:///{db}")
    sessions = make_session_factory(engine)
    with sessions() as session:
        tass = session.scalars(select(Article).where(Article.outlet == "tass_ru", Article.title.like("Делегация ХАМАС%"))).one()
        story = story_repo.story_of(session, tass.id)
        reports = story_repo.story_reports(session, story)
        languages = {r.article.language for r in reports}
        wiki = next(r for r in reports if r.article.outlet == "wikipedia")
        data = build_digest(session, Settings.model_validate({"storage": {"url": f"sqlite:///{db}"}}))
    assert languages == {"ru", "en"}
    assert "bogdanov" in wiki.evidence["actors"] and wiki.evidence["named_days"] == ["2023-10-26"]
    entry = next(item for item in data.items if item.article_id == tass.id)
    assert [(c.outlet, c.language) for c in entry.also_in] == [("wikipedia", "en")]
    engine.dispose()
