"""The digest shows one entry per story: other reports under "also in", each with its own link and language."""

from __future__ import annotations

from pathlib import Path

from crawler.config import Settings
from crawler.digest.query import build_digest
from crawler.digest.render_atom import render_atom
from crawler.digest.render_markdown import render_markdown
from crawler.digest.render_text import render_text
from crawler.stories.lexicon import default_lexicon
from storage import story_repo
from storage.db import make_engine, make_session_factory, upgrade
from storage.models import Article
from tests.digest_seed import DAY, NOW, seed_store


def test_one_entry_per_story_with_each_report_link_and_language(sqlite_url: str, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    ids = seed_store(sessions)
    settings = Settings.model_validate({"storage": {"url": sqlite_url}, "topic": {"threshold": 0.5},
                                        "digest": {"output_dir": str(tmp_path / "digests")}})
    with sessions.begin() as session:
        for key in ("inss", "alaalem", "tass"):
            article = session.get(Article, ids[key])
            story_repo.link_article(session, article.id, language=article.language, title=article.title, text=article.text,
                                    published=article.published_at, url=article.url, lexicon=default_lexicon())
        # The analyst groups the Hebrew and Arabic analyses: a choice the digest follows.
        story_repo.merge_stories(session, story_repo.story_of(session, ids["inss"]), story_repo.story_of(session, ids["alaalem"]))
    with sessions() as session:
        data = build_digest(session, settings, day=DAY, now=NOW)
        inss, alaalem = session.get(Article, ids["inss"]), session.get(Article, ids["alaalem"])
        head, other = sorted((inss, alaalem), key=lambda a: (a.published_at or a.first_seen, a.id))
    shown = {item.article_id for item in data.items}
    assert head.id in shown and other.id not in shown
    item = next(i for i in data.items if i.article_id == head.id)
    carrier = next(c for c in item.also_in if c.article_id == other.id)
    assert (carrier.url, carrier.language) == (other.url, other.language)
    assert ids["tass"] in shown  # a story of its own stays its own entry
    assert f"({other.language})" in render_text(data)  # "Also in Al-Aalem (ar)"
    assert other.url in render_markdown(data)
    assert other.url in render_atom(data)
    engine.dispose()
