"""Seed a store with real-text articles for the digest, web and browser tests (see tests/fixtures/digest/README.md).

Texts and titles are real (the project's seed documents, a TASS English and a Kommersant Russian article);
relevance scores and matches are assigned here, by the test, so these tests do not depend on how the
relevance module scores. Everything goes through storage.repo.store_article on a schema made by upgrade().
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from storage import repo
from storage.models import Article, ArticleVersion, CrawlRun, Failure, Source

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "digest"
# Digest day used throughout: with digest.time 07:00 in Asia/Jerusalem (UTC+2 in March 2025) its window is
# 2025-03-10T05:00Z .. 2025-03-11T05:00Z.
DAY = datetime(2025, 3, 10).date()
IN_WINDOW = datetime(2025, 3, 10, 9, 0, tzinfo=timezone.utc)
BEFORE_WINDOW = datetime(2025, 3, 8, 9, 0, tzinfo=timezone.utc)
AFTER_WINDOW = datetime(2025, 3, 11, 9, 0, tzinfo=timezone.utc)
NOW = datetime(2025, 3, 11, 6, 0, tzinfo=timezone.utc)  # the window has closed

XSS_TITLE = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1"> Putin and Hamas'
XSS_TEXT = (
    'Putin met Hamas leaders. <img src=x onerror="window.__xss=1;alert(1)">\n'
    '"><svg onload=window.__xss=1></svg><script>window.__xss=1</script> Moscow hosted Hamas again.'
)

# Words each fixture text contains ONLY with an attached prefix (checked by the tests): the search must find them.
PREFIXED_HEBREW = ("קרמלין", "ynet")  # 001 has בקרמלין / הקרמלין, never קרמלין alone
PREFIXED_ARABIC = ("حكومات", "alaalem")  # 003 has للحكومات only


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def matches_for(fields: dict[str, str], terms: list[tuple[str, str, str]], per_term: int = 3) -> list[dict[str, Any]]:
    """Match dicts (group, side, term, surface, field, start, end) for every occurrence of each term, as relevance stores them."""
    found = []
    for field_name, text in fields.items():
        for term, group, side in terms:
            start, count = text.find(term), 0
            while start >= 0 and count < per_term:
                found.append({"group": group, "side": side, "term": term, "surface": term, "field": field_name,
                              "start": start, "end": start + len(term)})
                start, count = text.find(term, start + len(term)), count + 1
    return sorted(found, key=lambda m: (m["field"], m["start"]))


@dataclass(frozen=True)
class Seed:
    key: str
    outlet: str
    language: str
    title: str
    text: str
    url: str
    score: float
    terms: list[tuple[str, str, str]]
    published: datetime | None = None
    uncertain: bool = False
    lead: str | None = None
    status: str = "full"


def seeds() -> list[Seed]:
    ynet = read("001_9937a1afac64ea19.txt")
    inss = read("000_4aac2edfb7b62d21.txt")
    alaalem = read("003_c373039b646e1749.txt")
    alaalem_title, _, alaalem_text = alaalem.partition("\n")
    khanadeq = read("004_81acf5e274c7aa0e.txt").strip()
    khanadeq_title, _, khanadeq_text = khanadeq.partition("\n")
    tass = next(a for a in json.loads(read("en_tass_com_politics_2024.json")) if "disintegration" in a["title"])
    kommersant = json.loads(read("ru_kommersant_expected_fundus.json"))["V1"]
    kommersant_text = "\n".join(p for s in kommersant["body"]["sections"] for p in s["paragraphs"])
    he_terms = [("פוטין", "putin", "russia"), ("חמאס", "hamas", "hamas"), ("רוסיה", "russia", "russia"), ("קרמלין", "kremlin", "russia")]
    ar_terms = [("روسيا", "russia", "russia"), ("حماس", "hamas", "hamas"), ("بوتين", "putin", "russia"), ("موسكو", "moscow", "russia")]
    return [
        Seed("ynet", "ynet", "he", "הפגישה של פוטין עם שורדי השבי", ynet, "https://www.ynet.co.il/news/article/seed001", 0.93, he_terms,
             published=datetime(2025, 3, 10, 8, 30, tzinfo=timezone.utc)),
        Seed("inss", "inss", "he", "רוסיה מתייצבת לצד חמאס", inss, "https://www.inss.org.il/publication/seed000.pdf", 0.81, he_terms,
             published=datetime(2025, 3, 9, 12, 0, tzinfo=timezone.utc), uncertain=True),
        Seed("alaalem", "alaalem", "ar", alaalem_title.strip(), alaalem_text.strip(), "https://alaalem.com/seed003", 0.88, ar_terms,
             published=datetime(2025, 3, 10, 7, 0, tzinfo=timezone.utc)),
        Seed("khanadeq", "alkhanadeq", "ar", khanadeq_title.strip(), khanadeq_text.strip(), "https://alkhanadeq.org.lb/seed004", 0.72,
             ar_terms, published=datetime(2025, 3, 10, 10, 0, tzinfo=timezone.utc)),
        Seed("tass", "tass", "en", tass["title"], "\n".join(tass["content"]), tass["link"], 0.57,
             [("Lavrov", "lavrov", "russia"), ("Israel", "israel", "other"), ("Russian", "russian_adjective", "russia")],
             published=datetime(2025, 3, 10, 11, 0, tzinfo=timezone.utc), lead=tass["description"]),
        Seed("kommersant", "kommersant", "ru", kommersant["title"], kommersant_text, "https://www.kommersant.ru/doc/seed-v1", 0.52,
             [("Путин", "putin", "russia"), ("Лавров", "lavrov", "russia")], published=datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)),
        Seed("xss", "xss-test", "en", XSS_TITLE, XSS_TEXT, "javascript:window.__xss=1", 0.9,
             [("Putin", "putin", "russia"), ("Hamas", "hamas", "hamas"), ("Moscow", "moscow", "russia")],
             published=datetime(2025, 3, 10, 13, 0, tzinfo=timezone.utc)),
    ]


def record_for(seed: Seed, **overrides: Any) -> repo.ArticleRecord:
    fields = {"title": seed.title, "lead": seed.lead or "", "text": seed.text}
    values: dict[str, Any] = {
        "url_key": hashlib.sha1(seed.url.encode()).hexdigest(), "url": seed.url, "outlet": seed.outlet, "title": seed.title,
        "text": seed.text, "language": seed.language, "published_at": seed.published,
        "published_source": "jsonld" if not seed.uncertain else "htmldate", "published_uncertain": seed.uncertain, "lead": seed.lead,
        "content_hash": hashlib.sha1(seed.text.encode()).hexdigest(), "status": seed.status, "relevance_score": seed.score,
        "relevant": seed.score >= 0.5, "relevance_matches": matches_for(fields, seed.terms),
        "relevance_explanation": f"test fixture: {seed.key} links both sides",
    }
    values.update(overrides)
    return repo.ArticleRecord(**values)


def store(session: Session, record: repo.ArticleRecord, first_seen: datetime) -> int:
    result = repo.store_article(session, record)
    session.execute(update(Article).where(Article.id == result.article_id).values(first_seen=first_seen, last_seen=first_seen))
    session.execute(update(ArticleVersion).where(ArticleVersion.article_id == result.article_id).values(fetched_at=first_seen))
    return result.article_id


def seed_store(sessions: sessionmaker[Session]) -> dict[str, int]:
    """The full scenario: relevant items, a folded copy, a near miss, an edit and a take-down of older articles,
    a Wikipedia revision, sources with every kind of health problem. Returns key -> article id."""
    ids: dict[str, int] = {}
    with sessions.begin() as session:
        for name, title in [("ynet", "ynet"), ("inss", "INSS"), ("alaalem", "Al-Aalem"), ("alkhanadeq", "Al-Khanadeq"),
                            ("almayadeen", "Al Mayadeen"), ("tass", "TASS"), ("kommersant", "Kommersant"), ("xss-test", "XSS <b>test</b>"),
                            ("wikipedia", "Wikipedia"), ("ria", "RIA Novosti"), ("rt", "RT"), ("aljazeera", "Al Jazeera")]:
            repo.sync_source(session, name, title=title, language=None, routes=["rss"], enabled=name != "aljazeera")
        minutes = 0
        for seed in seeds():
            minutes += 7
            ids[seed.key] = store(session, record_for(seed), IN_WINDOW + timedelta(minutes=minutes))
        # A wire copy of Al-Khanadeq's story at Al Mayadeen: folded into "also in".
        khanadeq = next(s for s in seeds() if s.key == "khanadeq")
        ids["copy"] = store(
            session,
            record_for(khanadeq, url_key="copy-almayadeen", url="https://www.almayadeen.net/copy-of-seed004", outlet="almayadeen",
                       duplicate_of_id=ids["khanadeq"], duplicate_kind="exact", duplicate_similarity=1.0, relevance_score=0.3),
            IN_WINDOW + timedelta(hours=3),
        )
        # A near miss (below 0.5, above 0.35) and an irrelevant article.
        tass = next(s for s in seeds() if s.key == "tass")
        ids["near"] = store(session, record_for(tass, url_key="near", url="https://tass.com/politics/near", title="Near miss: " + tass.title,
                                                relevance_score=0.41), IN_WINDOW + timedelta(hours=4))
        ids["irrelevant"] = store(session, record_for(tass, url_key="irrelevant", url="https://tass.com/politics/irrelevant",
                                                      title="Irrelevant: Russian PM to visit Vietnam", relevance_score=0.05),
                                  IN_WINDOW + timedelta(hours=5))
        # Shown in an earlier digest, edited and taken down during this window.
        ids["old_edit"] = store(session, record_for(tass, url_key="old-edit", url="https://tass.com/politics/old-edit",
                                                    title="Older story that was edited", relevance_score=0.8), BEFORE_WINDOW)
        ids["old_gone"] = store(session, record_for(tass, url_key="old-gone", url="https://tass.com/politics/old-gone",
                                                    title="Older story that was taken down", relevance_score=0.8), BEFORE_WINDOW)
        # Outside the window: must not appear.
        ids["later"] = store(session, record_for(tass, url_key="later", url="https://tass.com/politics/later", title="Tomorrow's story"),
                             AFTER_WINDOW)
        # The Arabic Wikipedia article, first seen earlier, revised in the window.
        wiki_text = read("002_d7bb2ef8fcebef61.txt")
        ids["wiki"] = store(session, repo.ArticleRecord(
            url_key="wiki-ar", url="https://ar.wikipedia.org/wiki/العلاقات_بين_روسيا_وحماس", outlet="wikipedia", title="العلاقات بين روسيا وحماس",
            text=wiki_text, language="ar", relevance_score=0.95, content_hash="wiki-v1"), BEFORE_WINDOW)
        session.execute(update(Article).where(Article.id == ids["wiki"]).values(wiki_lang="ar", wiki_pageid=123, wiki_lastrevid=1002))
    with sessions.begin() as session:
        old_edit = session.get(Article, ids["old_edit"])
        assert old_edit is not None
        edited = record_for(tass, url_key="old-edit", url="https://tass.com/politics/old-edit", title="Older story that was edited",
                            text=tass.text + "\nA new closing sentence was added.", content_hash="old-edit-v2", relevance_score=0.8)
        repo.store_article(session, edited, diff=lambda *_: (True, {"summary": "1 sentence added; +35 chars"}))
        repo.mark_taken_down(session, "old-gone", 404)
        session.execute(update(ArticleVersion).where(ArticleVersion.version_no > 1).values(fetched_at=IN_WINDOW + timedelta(hours=6)))
        session.add(ArticleVersion(
            article_id=ids["wiki"], version_no=2, fetched_at=IN_WINDOW + timedelta(hours=2), title="العلاقات بين روسيا وحماس",
            text=wiki_text + "\nفقرة جديدة.", kind="revision", revision_id=1002, revision_user="Editor<script>",
            revision_comment="تحديث", revision_size=10500, revision_timestamp=IN_WINDOW + timedelta(hours=1),
            change_summary={"paragraphs_added": 2, "paragraphs_removed": 0, "size_delta": 120},
        ))
        # Health: RIA blocked, RT failing, ynet fine, Al Jazeera disabled, Kommersant with a few errors.
        runs = [("ria", "blocked"), ("rt", "failed"), ("ynet", "finished"), ("inss", "finished"), ("alaalem", "finished"),
                ("alkhanadeq", "finished"), ("almayadeen", "finished"), ("tass", "finished"), ("kommersant", "finished"),
                ("xss-test", "finished"), ("wikipedia", "finished")]
        for source, outcome in runs:
            session.add(CrawlRun(source=source, started_at=IN_WINDOW, finished_at=IN_WINDOW, outcome=outcome))
        session.add(Failure(source="ria", reason="blocked", url="https://ria.ru/", detail="DataDome challenge", http_status=403, at=IN_WINDOW))
        session.add(Failure(source="rt", reason="timeout", url="https://www.rt.com/feed", at=IN_WINDOW))
        session.add(Failure(source="kommersant", reason="http_404", url="https://www.kommersant.ru/doc/x", http_status=404, at=IN_WINDOW))
        for name, health, reason in [("ria", "blocked", "DataDome on every request"), ("rt", "failing", "3 failed runs in a row")]:
            source = session.query(Source).filter_by(name=name).one()
            source.health, source.health_reason = health, reason
    return ids
