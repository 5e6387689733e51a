"""The review UI through FastAPI's TestClient: filters, prefix-tolerant search, reader, actions, export, security."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from dataclasses import replace
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select, text, update
from typer.testing import CliRunner

from crawler.config import ConfigError, Settings
from crawler.digest.run import produce_digest
from crawler.web import create_app
from crawler.textnorm import SEARCH_FOLDS
from crawler.web.search import search_terms, term_spans
from crawler.web.security import check_bind
from storage.db import make_engine, make_session_factory, upgrade
from storage.models import Article, Digest
from tests.digest_seed import DAY, IN_WINDOW, NOW, PREFIXED_ARABIC, PREFIXED_HEBREW, record_for, seed_store, seeds, store

LOCAL = ("127.0.0.1", 50123)
REMOTE = ("203.0.113.7", 50123)
TOKEN = "correct-horse-battery-staple-42"
# Constructed: each word appears only with its prefix (ו/ה/ל, و/ال), plus pointed and variant spellings.
PREFIX_TITLE = "והממשלה הודתה לחמאס; والحكومة رحّبت"
PREFIX_TEXT = "פוטין אמר כי והממשלה תשקול. ההודעה הועברה לחמאס.\nوقالت والحكومة الروسية إنها ترحب بوفد من موسكو."
POINTED_TEXT = "הַמֶּמְשָׁלָה הָרוּסִית · الحُكُومَة الرُّوسِيَّة · إسرائيل"

INJECTIONS = [
    "' OR '1'='1",
    "'; DROP TABLE articles; --",
    '" OR 1=1 --',
    'ממשלה" OR "1',
    "*",
    "NEAR(a b)",
    "a AND b OR NOT c",
    "%",
    "_",
    "\\",
    "1; SELECT * FROM sqlite_master",
    "articles_fts MATCH '*'",
    "') UNION SELECT id, url_key FROM articles --",
    "\x00",
]


def _settings(url: str, tmp_path: Path, token: str | None = None) -> Settings:
    return Settings.model_validate(
        {"storage": {"url": url}, "topic": {"threshold": 0.5, "near_miss_margin": 0.15},
         "digest": {"output_dir": str(tmp_path / "digests")}, "ui": {"token": token}}
    )


def _seed_prefix_docs(sessions) -> dict[str, int]:  # type: ignore[no-untyped-def]
    ynet = next(s for s in seeds() if s.key == "ynet")
    with sessions.begin() as session:
        prefixed = store(session, record_for(ynet, url_key="prefixed", url="https://example.org/prefixed", outlet="constructed",
                                             title=PREFIX_TITLE, text=PREFIX_TEXT, language="he", relevance_score=0.6), IN_WINDOW)
        pointed = store(session, record_for(ynet, url_key="pointed", url="https://example.org/pointed", outlet="constructed",
                                            title="Pointed text", text=POINTED_TEXT, language="he", relevance_score=0.6), IN_WINDOW)
    return {"prefixed": prefixed, "pointed": pointed}


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """Seed once per module; each test gets its own copy of the file (seeding is the slow part)."""
    path = tmp_path_factory.mktemp("web-template") / "seeded.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    sessions = make_session_factory(engine)
    ids = seed_store(sessions)
    ids.update(_seed_prefix_docs(sessions))
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path, ids


@pytest.fixture
def store_ids(template_db: tuple[Path, dict[str, int]], tmp_path: Path) -> Iterator[tuple]:  # type: ignore[type-arg]
    source, ids = template_db
    copy = tmp_path / "coverwatch.db"
    shutil.copyfile(source, copy)
    engine = make_engine(f"sqlite:///{copy}")
    yield make_session_factory(engine), dict(ids), f"sqlite:///{copy}"
    engine.dispose()


@pytest.fixture
def client(store_ids, tmp_path: Path) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    sessions, _ids, url = store_ids
    app = create_app(_settings(url, tmp_path), sessions=sessions)
    with TestClient(app, base_url="http://127.0.0.1", client=LOCAL) as test_client:
        yield test_client


def _ids_in(page: str) -> set[int]:
    return {int(value) for value in re.findall(r'<li class="row" data-article-id="(\d+)"', page)}


def _csrf(client: TestClient, path: str = "/") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, "page without a CSRF field"
    return found.group(1)


# --- queue and filters ----------------------------------------------------------------------------------


def test_queue_shows_relevant_uncopied_articles_newest_first(client: TestClient, store_ids) -> None:  # type: ignore[no-untyped-def]
    _, ids, _ = store_ids
    page = client.get("/")
    assert page.status_code == 200
    shown = _ids_in(page.text)
    assert {ids[k] for k in ("ynet", "inss", "alaalem", "khanadeq", "tass", "kommersant", "xss", "old_edit", "old_gone", "wiki")} <= shown
    assert not shown & {ids["near"], ids["irrelevant"], ids["copy"]}
    order = [int(v) for v in re.findall(r'<li class="row" data-article-id="(\d+)"', page.text)]
    assert order.index(ids["later"]) < order.index(ids["ynet"]) < order.index(ids["old_edit"])
    assert re.search(rf'data-article-id="{ids["ynet"]}" data-lang="he">\s*<input[^>]*>\s*<div class="body" dir="rtl" lang="he">', page.text)
    assert "<bdi>" in page.text


@pytest.mark.parametrize(
    ("query", "expected", "excluded"),
    [
        ("outlet=ynet", {"ynet"}, {"inss", "alaalem"}),
        ("language=ar", {"alaalem", "khanadeq", "wiki"}, {"ynet", "tass"}),
        ("relevance=near", {"near"}, {"ynet", "irrelevant"}),
        ("relevance=below", {"near", "irrelevant"}, {"ynet"}),
        ("date_from=2025-03-08&date_to=2025-03-08", {"old_edit", "old_gone", "wiki"}, {"ynet", "later"}),
        ("date_from=2025-03-11", {"later"}, {"ynet", "old_edit"}),
        ("copies=1&outlet=almayadeen&relevance=all", {"copy"}, {"khanadeq"}),
    ],
)
def test_filters(client: TestClient, store_ids, query: str, expected: set[str], excluded: set[str]) -> None:  # type: ignore[no-untyped-def]
    _, ids, _ = store_ids
    page = client.get("/?" + query)
    assert page.status_code == 200
    shown = _ids_in(page.text)
    assert {ids[k] for k in expected} <= shown, query
    assert not shown & {ids[k] for k in excluded}, query


def test_invalid_filter_values_fall_back_and_say_so(client: TestClient) -> None:
    page = client.get("/?date_from=yesterday&status=bogus&page=-3")
    assert page.status_code == 200
    assert "from: not a date" in page.text and "status: unknown value" in page.text


# --- search ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "stored_form"),
    [("ממשלה", "והממשלה"), ("חמאס", "לחמאס"), ("حكومة", "والحكومة")],
)
def test_search_finds_words_with_attached_prefixes(client: TestClient, store_ids, query: str, stored_form: str) -> None:  # type: ignore[no-untyped-def]
    _, ids, _ = store_ids
    # A word tokenizer would miss it: the bare word is never a token of the document.
    assert query not in re.findall(r"\w+", PREFIX_TITLE + " " + PREFIX_TEXT) and stored_form in PREFIX_TITLE + PREFIX_TEXT
    page = client.get("/search", params={"q": query})
    assert page.status_code == 200
    assert ids["prefixed"] in _ids_in(page.text)
    assert f"<mark>{query}</mark>" in page.text  # the hit is highlighted inside its prefixed form


@pytest.mark.parametrize("word_and_key", [PREFIXED_HEBREW, PREFIXED_ARABIC])
def test_search_finds_prefixed_words_in_the_real_texts(client: TestClient, store_ids, word_and_key: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    _, ids, _ = store_ids
    word, key = word_and_key
    source = next(s for s in seeds() if s.key == key)
    assert word not in re.findall(r"\w+", source.title + " " + source.text) and word in source.text
    assert ids[key] in _ids_in(client.get("/search", params={"q": word}).text)


def test_search_ignores_niqqud_harakat_and_alef_variants(client: TestClient, store_ids) -> None:  # type: ignore[no-untyped-def]
    _, ids, _ = store_ids
    for query in ("ממשלה", "רוסית", "حكومة", "الروسية", "اسرائيل"):
        assert ids["pointed"] in _ids_in(client.get("/search", params={"q": query}).text), query
    # Several terms are ANDed; a short term (< 3 letters, below the trigram size) still works.
    assert ids["prefixed"] in _ids_in(client.get("/search", params={"q": "ממשלה פוטין"}).text)
    assert ids["prefixed"] not in _ids_in(client.get("/search", params={"q": "ממשלה Lavrov"}).text)
    assert ids["tass"] in _ids_in(client.get("/search", params={"q": "US"}).text)


def test_search_index_follows_inserts_updates_and_deletes(client: TestClient, store_ids) -> None:  # type: ignore[no-untyped-def]
    sessions, ids, _ = store_ids
    with sessions.begin() as session:
        session.execute(update(Article).where(Article.id == ids["kommersant"]).values(title="Лавров встретил делегацию ХАМАС"))
    assert ids["kommersant"] in _ids_in(client.get("/search", params={"q": "хамас"}).text)  # case-folded Cyrillic
    assert ids["kommersant"] not in _ids_in(client.get("/search", params={"q": "троннинг"}).text)  # old title gone
    with sessions.begin() as session:
        session.execute(text("DELETE FROM articles WHERE id = :id"), {"id": ids["irrelevant"]})
        fts_rows = session.execute(text("SELECT count(*) FROM articles_fts WHERE rowid = :id"), {"id": ids["irrelevant"]}).scalar()
    assert fts_rows == 0


def test_search_folding_matches_the_migration() -> None:
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "storage" / "migrations" / "versions" / "0003_search.py"
    spec = importlib.util.spec_from_file_location("migration_0003", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.FOLDED == SEARCH_FOLDS
    from crawler.textnorm import strip_marks

    assert strip_marks("".join(module.REMOVED)) == ""
    assert search_terms("  הַמֶּמְשָׁלָה  أحمد  ") == ["הממשלה", "احمد"]
    assert term_spans("לְחַמָאס ו-حماس", "חמאס") == [(2, 8)]  # ח..ס with its points, without the prefix ל


@pytest.mark.parametrize("payload", INJECTIONS)
def test_sql_injection_payloads_return_normally_and_change_nothing(client: TestClient, store_ids, payload: str) -> None:  # type: ignore[no-untyped-def]
    sessions, _ids, _ = store_ids
    with sessions() as session:
        before = session.scalar(select(func.count()).select_from(Article))
    for params in ({"q": payload, "relevance": "all", "status": "all"}, {"outlet": payload}, {"language": payload},
                   {"status": payload, "relevance": payload, "date_from": payload, "date_to": payload, "page": payload}):
        page = client.get("/", params=params)
        assert page.status_code == 200, params
        if "outlet" in params or "language" in params:
            assert _ids_in(page.text) == set(), params  # a payload is a value that matches nothing, not SQL
    assert client.get("/export", params={"format": "json", "q": payload, "outlet": payload}).json() == []
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == before
        assert {"articles", "articles_fts", "digests"} <= set(inspect(session.get_bind()).get_table_names())


# --- the article reader ---------------------------------------------------------------------------------


def test_reader_shows_text_link_versions_duplicates_and_why(client: TestClient, store_ids) -> None:  # type: ignore[no-untyped-def]
    _, ids, _ = store_ids
    page = client.get(f"/article/{ids['ynet']}").text
    assert 'href="https://www.ynet.co.il/news/article/seed001"' in page and 'rel="noopener noreferrer nofollow"' in page
    assert 'dir="rtl"' in page and "test fixture: ynet links both sides" in page
    assert "<mark>פוטין</mark>" in page and "סשה טרופנוב" in page
    edited = client.get(f"/article/{ids['old_edit']}").text
    assert "1 sentence added; +35 chars" in edited and "+ A new closing sentence was added." in edited
    gone = client.get(f"/article/{ids['old_gone']}").text
    assert "taken down (HTTP 404)" in gone
    original = client.get(f"/article/{ids['khanadeq']}").text
    assert f'href="/article/{ids["copy"]}"' in original and "Al Mayadeen" in original
    copy = client.get(f"/article/{ids['copy']}").text
    assert "copy (similarity 1.00) of" in copy and f'href="/article/{ids["khanadeq"]}"' in copy
    assert client.get("/article/999999").status_code == 404


def test_untrusted_content_is_escaped_everywhere(client: TestClient, store_ids) -> None:  # type: ignore[no-untyped-def]
    _, ids, _ = store_ids
    for path in ("/", f"/article/{ids['xss']}", "/search?q=Putin", "/health"):
        page = client.get(path).text
        assert "<script>" not in page and "<img src=x" not in page and "<svg" not in page, path
        assert 'href="javascript' not in page
    reader = client.get(f"/article/{ids['xss']}").text
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in reader and "(not a web link)" in reader
    assert "XSS &lt;b&gt;test&lt;/b&gt;" in client.get("/").text  # a hostile source title too


# --- actions --------------------------------------------------------------------------------------------


def _review_status(sessions, article_id: int) -> tuple[str, bool, str]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        article = session.get(Article, article_id)
        assert article is not None
        return article.review_status, article.starred, article.note


def test_every_state_change_needs_the_csrf_token(client: TestClient, store_ids) -> None:  # type: ignore[no-untyped-def]
    sessions, ids, _ = store_ids
    posts = [route.path for route in client.app.routes if "POST" in getattr(route, "methods", set())]
    assert len(posts) >= 5
    for path in posts:
        target = path.replace("{article_id}", str(ids["ynet"])).replace("{digest_id}", "1")
        for data in ({"action": "reviewed", "note": "x", "token": TOKEN}, {"action": "reviewed", "csrf_token": "forged"}):
            response = client.post(target, data=data, follow_redirects=False)
            assert response.status_code == 403, (path, data)
    assert _review_status(sessions, ids["ynet"]) == ("new", False, "")


def test_review_actions_persist_and_dismiss_only_hides(client: TestClient, store_ids) -> None:  # type: ignore[no-untyped-def]
    sessions, ids, _ = store_ids
    token = _csrf(client)
    response = client.post(f"/article/{ids['ynet']}/review", data={"action": "reviewed", "csrf_token": token, "next": "/?outlet=ynet"},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/?outlet=ynet"
    client.post(f"/article/{ids['ynet']}/review", data={"action": "star", "csrf_token": token})
    client.post(f"/article/{ids['ynet']}/note", data={"note": "<b>check</b> =cmd", "csrf_token": token})
    assert _review_status(sessions, ids["ynet"]) == ("reviewed", True, "<b>check</b> =cmd")
    assert "&lt;b&gt;check&lt;/b&gt;" in client.get(f"/article/{ids['ynet']}").text
    with sessions() as session:
        score_before = session.get(Article, ids["inss"]).relevance_score  # type: ignore[union-attr]
    client.post(f"/article/{ids['inss']}/review", data={"action": "dismissed", "csrf_token": token})
    assert ids["inss"] not in _ids_in(client.get("/").text)
    assert ids["inss"] in _ids_in(client.get("/?status=dismissed").text)
    with sessions() as session:
        assert session.get(Article, ids["inss"]).relevance_score == score_before  # type: ignore[union-attr]
    assert ids["ynet"] in _ids_in(client.get("/?status=starred").text)
    # An open redirect through `next` is refused.
    response = client.post(f"/article/{ids['ynet']}/review", data={"action": "new", "csrf_token": token, "next": "//evil.example/"},
                           follow_redirects=False)
    assert response.headers["location"] == f"/article/{ids['ynet']}"
    assert client.post(f"/article/{ids['ynet']}/review", data={"action": "delete", "csrf_token": token}).status_code == 400


def test_cross_origin_post_is_refused_even_with_a_token(client: TestClient, store_ids) -> None:  # type: ignore[no-untyped-def]
    sessions, ids, _ = store_ids
    token = _csrf(client)
    response = client.post(f"/article/{ids['ynet']}/review", data={"action": "reviewed", "csrf_token": token},
                           headers={"origin": "https://evil.example"})
    assert response.status_code == 403
    assert _review_status(sessions, ids["ynet"])[0] == "new"


def test_mark_a_whole_digest_reviewed(client: TestClient, store_ids, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, ids, url = store_ids
    outcome = produce_digest(_settings(url, tmp_path), sessions, day=DAY, now=NOW, formats=["html"])
    listing = client.get("/digests").text
    assert "2025-03-10" in listing and f'/digests/{outcome.record.id}/html' in listing
    served = client.get(f"/digests/{outcome.record.id}/html")
    assert served.status_code == 200 and "style-src 'unsafe-inline'" in served.headers["content-security-policy"]
    assert "script-src" not in served.headers["content-security-policy"] and "default-src 'none'" in served.headers["content-security-policy"]
    response = client.post(f"/digests/{outcome.record.id}/reviewed", data={"csrf_token": _csrf(client, "/digests")}, follow_redirects=False)
    assert response.status_code == 303
    with sessions() as session:
        statuses = {a.id: a.review_status for a in session.scalars(select(Article).where(Article.id.in_(outcome.data.article_ids)))}
        assert set(statuses.values()) == {"reviewed"} and ids["copy"] in statuses
        assert session.get(Digest, outcome.record.id).reviewed_at is not None  # type: ignore[union-attr]
        assert session.get(Article, ids["near"]).review_status == "new"  # type: ignore[union-attr]
    # A digest path outside digest.output_dir is never served.
    with sessions.begin() as session:
        session.execute(update(Digest).values(paths={"html": "/etc/passwd"}))
    assert client.get(f"/digests/{outcome.record.id}/html").status_code == 404


# --- export ---------------------------------------------------------------------------------------------


def test_export_the_selection_as_csv_and_json(client: TestClient, store_ids) -> None:  # type: ignore[no-untyped-def]
    sessions, ids, _ = store_ids
    with sessions.begin() as session:
        session.execute(update(Article).where(Article.id == ids["ynet"]).values(note='=HYPERLINK("http://evil.example")'))
    rows = client.get("/export", params={"format": "json", "outlet": "ynet"}).json()
    assert [row["id"] for row in rows] == [ids["ynet"]] and rows[0]["title"] == "הפגישה של פוטין עם שורדי השבי"
    assert "פוטין" in rows[0]["matched_terms"]
    response = client.get("/export", params=[("format", "csv"), ("ids", str(ids["ynet"])), ("ids", str(ids["alaalem"]))])
    assert response.headers["content-type"].startswith("text/csv") and "attachment" in response.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert {int(row["id"]) for row in table} == {ids["ynet"], ids["alaalem"]}
    ynet = next(row for row in table if int(row["id"]) == ids["ynet"])
    assert ynet["note"] == "'=HYPERLINK(\"http://evil.example\")"  # a formula is neutralised
    assert client.get("/export", params={"format": "xml"}).status_code == 400


def test_health_page(client: TestClient, store_ids) -> None:  # type: ignore[no-untyped-def]
    sessions, _, _ = store_ids
    from storage import repo

    with sessions.begin() as session:  # failures count for the last days; the seeded ones are from 2025
        repo.record_failure(session, source="ria", reason="blocked", url="https://ria.ru/<script>", detail="DataDome <img src=x>")
        repo.record_failure(session, source="rt", reason="timeout", url="https://www.rt.com/feed")
    page = client.get("/health").text
    assert 'data-source="ria"' in page and "DataDome on every request" in page and "blocked×1" in page
    assert "timeout×1" in page and "outcome-blocked" in page  # the last run, however old
    assert "DataDome &lt;img src=x&gt;" in page and "<img src=x" not in page


def test_health_counts_the_new_articles_of_its_window(store_ids) -> None:  # type: ignore[no-untyped-def]
    """The health page counts each source's articles first seen in its last days, not every article stored."""
    from datetime import timedelta

    from crawler.web.overview import HEALTH_DAYS, health_view

    sessions, _, _ = store_ids
    with sessions() as session:
        stored = dict(session.execute(select(Article.outlet, func.count()).where(Article.first_seen >= NOW - timedelta(days=HEALTH_DAYS))
                                      .group_by(Article.outlet)).all())
        recent = {view.source.name: view.articles for view in health_view(session, NOW)[0]}
        later = {view.source.name: view.articles for view in health_view(session, NOW + timedelta(days=HEALTH_DAYS + 1))[0]}
    assert set(stored) & set(recent) and all(recent[name] == count for name, count in stored.items() if name in recent)
    assert not any(later.values())


# --- access control -------------------------------------------------------------------------------------


def test_security_headers(client: TestClient) -> None:
    headers = client.get("/").headers
    assert "script-src" not in headers["content-security-policy"] and "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "no-referrer"
    assert "httponly" in headers.get("set-cookie", "").lower() and "samesite=strict" in headers.get("set-cookie", "").lower()


def test_non_local_access_is_refused_without_a_configured_token(store_ids, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, ids, url = store_ids
    with TestClient(create_app(_settings(url, tmp_path), sessions=store_ids[0]), base_url="http://127.0.0.1", client=REMOTE) as remote:
        for path in ("/", "/login", f"/article/{ids['ynet']}", "/export?format=json", "/static/app.css"):
            assert remote.get(path).status_code == 403, path
        assert remote.post(f"/article/{ids['ynet']}/review", data={"action": "reviewed"}).status_code == 403


def test_non_local_access_needs_the_token(store_ids, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, ids, url = store_ids
    app = create_app(_settings(url, tmp_path, token=TOKEN), sessions=sessions)
    with TestClient(app, base_url="http://ui.example", client=REMOTE) as remote:
        response = remote.get("/", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
        assert remote.get("/export?format=json", headers={"authorization": "Bearer wrong"}, follow_redirects=False).status_code == 303
        assert remote.get("/export?format=json", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200
        assert remote.post(f"/article/{ids['ynet']}/review", data={"action": "reviewed"}).status_code == 401
        token = _csrf(remote, "/login")
        assert remote.post("/login", data={"token": "nope", "csrf_token": token}).status_code == 401
        assert remote.post("/login", data={"token": TOKEN, "csrf_token": "forged"}).status_code == 403
        logged = remote.post("/login", data={"token": TOKEN, "csrf_token": token, "next": "/health"}, follow_redirects=False)
        assert logged.status_code == 303 and logged.headers["location"] == "/health"
        assert TOKEN not in logged.headers.get("set-cookie", "")  # the cookie holds an HMAC, not the token
        home = remote.get("/")
        assert home.status_code == 200 and TOKEN not in home.text
        assert remote.post(f"/article/{ids['ynet']}/review", data={"action": "reviewed", "csrf_token": _csrf(remote)}).status_code == 200
    assert _review_status(sessions, ids["ynet"])[0] == "reviewed"


def test_local_access_with_a_foreign_host_header_is_refused(client: TestClient) -> None:
    # A page that DNS-rebinds its own name to 127.0.0.1 sends its own Host header.
    assert client.get("/", headers={"host": "evil.example:8080"}).status_code == 400
    assert client.get("/", headers={"host": "localhost:8080"}).status_code == 200


def test_binding_off_localhost_requires_a_long_token() -> None:
    check_bind("127.0.0.1", Settings().ui)
    check_bind("::1", Settings().ui)
    with pytest.raises(ConfigError, match="COVERWATCH_UI_TOKEN"):
        check_bind("0.0.0.0", Settings().ui)
    with pytest.raises(ConfigError, match="too short"):
        check_bind("192.0.2.10", Settings.model_validate({"ui": {"token": "short"}}).ui)
    check_bind("0.0.0.0", Settings.model_validate({"ui": {"token": TOKEN}}).ui)


def test_cli_serve_refuses_a_public_bind_without_token(tmp_path: Path) -> None:
    from crawler.cli.digest import register

    config = tmp_path / "coverwatch.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "x.db"}"\n', encoding="utf-8")
    app = typer.Typer()
    app.command("noop")(lambda: None)
    register(app)
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--config", str(config)], env={"COVERWATCH_UI_TOKEN": ""})
    assert result.exit_code == 2 and "refusing to listen on 0.0.0.0" in result.output


def test_the_env_example_placeholder_token_is_refused() -> None:
    """Issue 19 item 10: the token .env.example ships is public, so it must not open the UI to a network."""
    import re

    from crawler.web.security import check_bind

    shipped = re.search(r"^COVERWATCH_UI_TOKEN=(.*)$", (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8"), re.MULTILINE)
    assert shipped is not None and len(shipped.group(1)) >= 16
    for host in ("0.0.0.0", "127.0.0.1"):
        with pytest.raises(ConfigError, match="placeholder"):
            check_bind(host, Settings.model_validate({"ui": {"token": shipped.group(1)}}).ui)
    check_bind("0.0.0.0", Settings.model_validate({"ui": {"token": "3f9c2a7d1e5b8c0a4d6f2e9b"}}).ui)


# --- PostgreSQL -----------------------------------------------------------------------------------------


def test_search_and_filters_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    engine = make_engine(pg_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    ids = seed_store(sessions)
    ids.update(_seed_prefix_docs(sessions))
    with TestClient(create_app(_settings(pg_url, tmp_path)), base_url="http://127.0.0.1", client=LOCAL) as client:
        for query in ("ממשלה", "חמאס", "حكومة"):
            assert ids["prefixed"] in _ids_in(client.get("/search", params={"q": query}).text), query
        assert ids["pointed"] in _ids_in(client.get("/search", params={"q": "اسرائيل"}).text)
        assert ids[PREFIXED_HEBREW[1]] in _ids_in(client.get("/search", params={"q": PREFIXED_HEBREW[0]}).text)
        assert ids["alaalem"] in _ids_in(client.get("/?language=ar").text)
        for payload in INJECTIONS[:6]:
            assert client.get("/", params={"q": payload, "outlet": payload}).status_code == 200
    with engine.connect() as connection:
        indexes = {row[0] for row in connection.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'articles'"))}
        # The stored document's index (0006) replaces the expression index of 0003, whose recheck folded every row.
        assert "ix_articles_search_document_trgm" in indexes and "ix_articles_search_trgm" not in indexes
        assert connection.execute(select(func.count()).select_from(Article)).scalar() == len(ids)
    engine.dispose()


def test_postgresql_search_document_folds_like_the_search_text_of_0003(pg_url: str) -> None:
    """0006's faster folding (regexp_replace + a short translate) gives exactly 0003's folding, lower-cased."""
    import importlib.util

    from storage.db import MIGRATIONS_DIR

    spec = importlib.util.spec_from_file_location("search_0003", MIGRATIONS_DIR / "versions" / "0003_search.py")
    assert spec is not None and spec.loader is not None
    search_0003 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(search_0003)
    every_mark = "".join(search_0003.REMOVED) + "".join(search_0003.FOLDED)
    samples = [PREFIX_TITLE, POINTED_TEXT, f"A{every_mark}b Ωמ{every_mark}ع", "ÀÉÎ Straße ПРИВЕТ", ""]
    engine = make_engine(pg_url)
    upgrade(engine)
    with engine.connect() as connection:
        for sample in samples:
            new, old = connection.execute(
                text("SELECT coverwatch_search_document(:t, :l, :b), lower(coverwatch_search_text(:t, :l, :b))"),
                {"t": sample, "l": sample[::-1], "b": None},
            ).one()
            assert new == old, sample
    engine.dispose()


def test_search_document_migration_backfills_existing_postgresql_rows(pg_url: str) -> None:
    """Articles stored before 0006 get their search document from the migration's back-fill, folded like new ones."""
    from alembic import command
    from alembic.config import Config

    from crawler.web.search import search_condition
    from storage.db import MIGRATIONS_DIR

    engine = make_engine(pg_url)
    upgrade(engine)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005_near_dup_bands")  # the revision before 0006
    assert "search_document" not in {column["name"] for column in inspect(engine).get_columns("articles")}
    ynet = next(s for s in seeds() if s.key == "ynet")
    with make_session_factory(engine).begin() as session:  # stored before 0006 existed (the ORM never writes the column)
        store(session, record_for(ynet, title=PREFIX_TITLE, text=POINTED_TEXT), IN_WINDOW)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions() as session:
        for query in ("ממשלה", "حكومة", "اسرائيل"):
            assert session.scalar(select(func.count()).select_from(Article).where(search_condition(session, query))) == 1, query
        with sessions.begin() as writing:  # and the trigger keeps it right on every later write
            writing.execute(text("UPDATE articles SET title = 'renamed', text = 'nothing here'"))
        assert session.scalar(select(func.count()).select_from(Article).where(search_condition(session, "ממשלה"))) == 0
    engine.dispose()


def test_empty_database_pages_render(sqlite_url: str, tmp_path: Path) -> None:
    with TestClient(create_app(_settings(sqlite_url, tmp_path)), base_url="http://127.0.0.1", client=LOCAL) as client:
        for path in ("/", "/search?q=חמאס", "/health", "/digests"):
            assert client.get(path).status_code == 200, path
        assert json.loads(client.get("/export?format=json").text) == []



def test_search_migration_downgrades_and_upgrades_again(sqlite_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from storage.db import MIGRATIONS_DIR

    engine = make_engine(sqlite_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    ynet = next(s for s in seeds() if s.key == "ynet")
    with sessions.begin() as session:  # stored by today's code, then the schema goes back to before search
        store(session, record_for(ynet, title=PREFIX_TITLE, text=POINTED_TEXT), IN_WINDOW)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    names = set(inspect(engine).get_table_names())
    assert "articles_fts" not in names and "articles_search_stage" not in names and "articles" in names
    upgrade(engine)
    with engine.connect() as connection:
        triggers = {row[0] for row in connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))}
    assert {"articles_fts_ai", "articles_fts_ad", "articles_fts_au"} <= triggers
    from crawler.web.search import search_condition

    with sessions() as session:  # the migration indexed the existing rows, folded like new ones
        for query in ("ממשלה", "حكومة", "اسرائيل"):
            assert session.scalar(select(func.count()).select_from(Article).where(search_condition(session, query))) == 1, query
    engine.dispose()


def test_queue_counts_only_up_to_its_bound(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A common word in a year of articles is not counted to the end: the queue stops at the bound, shows "N+",
    and a deeper page moves the bound so it keeps its next page."""
    from crawler.web import queries

    engine = make_engine(sqlite_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    seed_store(sessions)
    everything = queries.Filters(status="all", relevance="all", copies=True)
    with sessions() as session:
        stored = session.scalar(select(func.count()).select_from(Article)) or 0
        exact = queries.queue(session, everything, 0.5, 0.1, "UTC")[1]
        monkeypatch.setattr(queries, "COUNT_CAP", 3)
        first = queries.queue(session, everything, 0.5, 0.1, "UTC", limit=2)[1]
        second = queries.queue(session, replace(everything, page=2), 0.5, 0.1, "UTC", limit=2)[1]
    assert stored > 6 and exact == queries.Total(stored, exact=True) and exact.label() == str(stored)
    assert (first.label(), first.pages(2)) == ("3+", 3)  # pages 1-2 known, a link to page 3
    assert (second.label(), second.pages(2)) == ("5+", 4)
    engine.dispose()


def test_search_walks_the_newest_articles_first_and_falls_back_to_the_index(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A common word's page comes from a walk over the newest articles, window by window (count "N+" while the
    walk has not seen everything); a rare word, or a page the windows cannot fill, comes from the index. On both
    backends, every path gives the same newest-first matches."""
    from crawler.web import queries

    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    seed_store(sessions)
    _seed_prefix_docs(sessions)
    everything = queries.Filters(status="all", relevance="all", copies=True)
    query = "the"
    with sessions() as session:
        indexed, indexed_total = queries.queue(session, replace(everything, q=query), 0.5, 0.1, "UTC")  # one window sees all
        newest_first = [article.id for article in session.scalars(select(Article).order_by(Article.first_seen.desc(), Article.id.desc()))]
        monkeypatch.setattr(queries, "WALK_WINDOWS", (2, 3))  # small windows: the walk serves the first pages
        walked = [queries.queue(session, replace(everything, q=query, page=page), 0.5, 0.1, "UTC", limit=1) for page in (1, 2, 3)]
        whole_walk = queries.queue(session, replace(everything, q=query), 0.5, 0.1, "UTC", limit=len(newest_first))
        monkeypatch.setattr(queries, "WALK_WINDOWS", (len(newest_first) + 1,))  # one window sees every article
        seen_all = queries.queue(session, replace(everything, q=query), 0.5, 0.1, "UTC")
        missing = queries.queue(session, replace(everything, q="no-such-word-anywhere"), 0.5, 0.1, "UTC")
    ids = [article.id for article in indexed]
    assert len(ids) >= 3 and indexed_total.exact and ids == [i for i in newest_first if i in set(ids)]
    assert [rows[0].id for rows, _ in walked] == ids[:3]
    assert not walked[0][1].exact and walked[0][1].count >= 1  # served by the walk: a floor, shown as "N+"
    assert [article.id for article in whole_walk[0]] == ids and whole_walk[1] == indexed_total  # windows too small: the index
    assert [article.id for article in seen_all[0]] == ids and seen_all[1] == indexed_total
    assert missing == ([], queries.Total(0, exact=True))
    engine.dispose()
