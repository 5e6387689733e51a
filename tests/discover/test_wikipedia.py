"""Wikipedia: pure API/diff functions on real and constructed answers, and the real spider over real HTTP.

The spider runs as `python -m crawler.cli.app crawl wikipedia` in a subprocess (Scrapy's reactor cannot restart)
against a threaded http.server on 127.0.0.1 that answers by path + query from tests/fixtures/wikipedia/, and
against the replay archive built from tests/fixtures/archive/*.toml (the offline demo).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import scrapy
from scrapy.settings import Settings as ScrapySettings
from sqlalchemy import func, select

from crawler.discover import wikipedia as wiki
from crawler.config import Settings
from spiders.wikipedia import OUTLETS, REFUSAL_HINT, WikipediaSpider
from storage import wiki_repo
from storage.db import make_engine, make_session_factory, upgrade
from storage.models import Article, ArticleVersion, CrawlRun, Failure

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
WIKI = FIXTURES / "wikipedia"
CONSTRUCTED = WIKI / "constructed"
MANIFEST = FIXTURES / "archive" / "wikipedia.toml"
TEMPLATE = "https://{lang}.wikipedia.org/w/api.php"
UA = "coverwatch-test/1.0 (+https://example.org/coverwatch; ops@example.org)"
PAGEIDS = {"en": 75121001, "ar": 9876501, "he": 2345601, "ru": 11223301}
AR_BEFORE, AR_NEW = 65000202, 65400303


def _real(name: str) -> dict[str, Any]:
    """The JSON body of a real captured exchange (VCR cassette)."""
    cassette = json.loads((WIKI / "real" / name).read_text(encoding="utf-8"))
    return json.loads(cassette["interactions"][0]["response"]["body"]["string"])


def _constructed(name: str) -> dict[str, Any]:
    return json.loads((CONSTRUCTED / name).read_text(encoding="utf-8"))


def _wikitext(name: str) -> str:
    return (CONSTRUCTED / "wikitext" / name).read_text(encoding="utf-8")


# --- URLs ----------------------------------------------------------------------------------------------------


def test_urls_carry_etiquette_parameters_sorted_and_survive_scrapy_unchanged() -> None:
    api = wiki.endpoint(TEMPLATE, "he")
    url = wiki.check_url(api, ["יחסי רוסיה–חמאס", "Second title"], maxlag=5)
    query = urlsplit(url).query
    keys = [part.split("=", 1)[0] for part in query.split("&")]
    assert keys == sorted(keys)
    params = parse_qs(query)
    assert params["format"] == ["json"] and params["formatversion"] == ["2"] and params["maxlag"] == ["5"]
    assert params["titles"] == ["יחסי רוסיה–חמאס|Second title"]  # batched with "|"
    assert "+" not in query and "%7C" in query
    assert scrapy.Request(url).url == url  # what the replay archive records is what Scrapy requests
    with pytest.raises(ValueError):
        wiki.check_url(api, [f"T{n}" for n in range(wiki.MAX_TITLES_PER_CALL + 1)], maxlag=5)
    assert wiki.chunked([str(n) for n in range(120)]) == [[str(n) for n in range(s, min(s + 50, 120))] for s in (0, 50, 100)]


def test_history_search_and_new_page_urls() -> None:
    api = wiki.endpoint(TEMPLATE, "ar")
    first = parse_qs(urlsplit(wiki.revisions_url(api, 9876501, maxlag=5)).query)
    assert first["rvdir"] == ["older"] and first["rvlimit"] == [str(wiki.INITIAL_HISTORY)]
    assert first["rvprop"] == ["ids|timestamp|user|comment|size|content"] and first["rvslots"] == ["main"]
    since = parse_qs(urlsplit(wiki.revisions_url(api, 9876501, maxlag=5, since_revid=AR_BEFORE)).query)
    assert since["rvdir"] == ["newer"] and since["rvstartid"] == [str(AR_BEFORE)]
    search = parse_qs(urlsplit(wiki.search_url(api, "روسيا حماس", maxlag=5)).query)
    assert (
        search["srsort"] == ["create_timestamp_desc"] and search["srsearch"] == ["روسيا حماس"] and search["srnamespace"] == ["0"]
    )
    new = parse_qs(urlsplit(wiki.new_page_url(api, 9877001, maxlag=5)).query)
    assert new["pageids"] == ["9877001"] and new["rvdir"] == ["newer"] and new["rvlimit"] == ["1"] and new["explaintext"] == ["1"]
    with pytest.raises(ValueError):
        wiki.endpoint(TEMPLATE, "evil.example.com/x?")


def test_user_agent_policy() -> None:
    assert wiki.check_user_agent(Settings().crawl.user_agent) is None  # the shipped UA is descriptive with contact
    assert wiki.check_user_agent(UA) is None
    assert "browser" in (wiki.check_user_agent("Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36") or "")
    assert "contact" in (wiki.check_user_agent("coverwatch/0.1") or "")
    assert wiki.check_user_agent("") is not None


def test_spider_limits_itself_to_three_requests_in_flight() -> None:
    scrapy_settings = ScrapySettings(
        {"COVERWATCH_SETTINGS": Settings(), "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}
    )
    WikipediaSpider.update_settings(scrapy_settings)
    assert scrapy_settings.getint("CONCURRENT_REQUESTS") == 3
    assert scrapy_settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 3
    outlet = OUTLETS[0]
    assert outlet.name == "wikipedia" and outlet.spider == "spiders.wikipedia.WikipediaSpider"


# --- parsing real answers (formatversion 1) and constructed ones (formatversion 2) ---------------------------


def test_parse_real_langlinks_answer() -> None:
    data = _real("api_AsyncPageRelationProps.test_langlinks.json")
    (page,) = wiki.parse_pages(data)
    links = {link.lang: link for link in page.langlinks}
    assert page.pageid == 23862 and len(links) > 100
    assert links["ar"].title == "بايثون (لغة برمجة)" and links["ar"].wiki == "ar"
    assert links["he"].title == "פייתון" and links["ru"].title == "Python"
    assert links["gsw"].wiki == "als"  # the language code is not always the wiki's host name
    assert wiki.title_map(data) == {"Python_(programming_language)": "Python (programming language)"}


def test_parse_real_info_search_and_extract_answers() -> None:
    (info,) = wiki.parse_pages(_real("api_PageInfoProps.test_restrictiontypes.json"))
    assert info.lastrevid == 1345336232 and info.length == 140415
    assert info.url == "https://en.wikipedia.org/wiki/Python_(programming_language)"
    assert info.touched == datetime(2026, 3, 27, 9, 26, 22, tzinfo=timezone.utc)
    hits = wiki.parse_search(_real("api_AsyncWikiSearch.test_sortnone.json"))
    assert len(hits) == 10 and hits[0].title == "The Music Man" and hits[0].pageid == 97723
    assert "<span" not in hits[1].snippet and "programming" in hits[1].snippet
    assert wiki.continuation(_real("api_AsyncWikiSearch.test_sortnone.json"))["sroffset"] == "10"
    (extract,) = wiki.parse_pages(_real("api_AsyncPageExtractProps.test_summary.json"))
    assert (extract.extract or "").startswith("Python is a high-level, general-purpose programming language.")


def test_parse_constructed_formatversion2_answers() -> None:
    (en,) = wiki.parse_pages(_constructed("en_check.json"))
    assert en.lastrevid == 1192447702 and {link.lang for link in en.langlinks} == {"ar", "he", "ru"}
    (history,) = wiki.parse_pages(_constructed("ar_history.json"))
    revisions = wiki.oldest_first(history.revisions)
    assert [r.revid for r in revisions] == [65000101, AR_BEFORE] and revisions[0].parentid == 0
    assert revisions[1].content == _wikitext("ar_r2.wiki") and revisions[1].user == "ArEditorA"
    (new,) = wiki.parse_pages(_constructed("en_newpage_75130001.json"))
    assert new.revisions[0].timestamp == datetime(2024, 2, 1, 15, 3, 22, tzinfo=timezone.utc)
    assert (new.extract or "").startswith("On 26 October 2023, a Hamas political delegation")


def test_title_map_follows_normalization_then_redirect() -> None:
    data = {
        "query": {
            "normalized": [{"from": "russia–Hamas_relations", "to": "Russia–Hamas relations"}],
            "redirects": [{"from": "Russia–Hamas relations", "to": "Russia–Hamas relations (2023)"}],
        }
    }
    mapping = wiki.title_map(data)
    assert wiki.resolve_title("russia–Hamas_relations", mapping) == "Russia–Hamas relations (2023)"
    assert wiki.resolve_title("Unrelated", mapping) == "Unrelated"


def test_maxlag_error_and_retry_after() -> None:
    error = wiki.api_error(_constructed("maxlag_error.json"))
    assert error is not None and error.code == "maxlag" and error.lag == 7
    assert wiki.api_error(_constructed("en_check.json")) is None
    assert wiki.retry_after_seconds("5") == 5.0
    now = datetime(2026, 3, 29, 20, 0, 0, tzinfo=timezone.utc)
    assert wiki.retry_after_seconds("Sun, 29 Mar 2026 20:00:30 GMT", now) == 30.0
    assert wiki.retry_after_seconds(None) is None and wiki.retry_after_seconds("soon") is None
    with pytest.raises(wiki.WikiResponseError):
        wiki.load_json(b"<html>Wikimedia Error</html>")


# --- wikitext and change summaries ---------------------------------------------------------------------------


def test_wikitext_to_blocks_drops_references_images_categories() -> None:
    blocks = wiki.wikitext_blocks(_wikitext("ar_r2.wiki"))
    text = wiki.plain_text(blocks)
    assert blocks[0].text.startswith("تقيم روسيا علاقات دبلوماسية مع الجناح السياسي لحركة حماس")
    assert [b.text for b in blocks if b.heading] == [
        "التاريخ",
        "علاقات ما بعد الاتحاد السوفيتي مباشرة",
        "سيطرة حماس على غزة",
        "طوفان الأقصي حرب 2023",
        "المراجع",
    ]
    for noise in ("Carnegie", "استشهاد", "ملف:", "تصغير", "تصنيف", "{{", "<ref"):
        assert noise not in text
    assert "إسماعيل هنية في لقاء" not in text  # an image caption is not article prose
    english = wiki.plain_text(
        wiki.wikitext_blocks("'''Bold''' [[Hamas|the group]] and {{lang|ru|ХАМАС}}.<ref>x</ref>\n[[Category:Hamas]]")
    )
    assert english == "Bold the group and ХАМАС."


def test_new_arabic_revision_gained_two_paragraphs() -> None:
    old, new = wiki.wikitext_blocks(_wikitext("ar_r2.wiki")), wiki.wikitext_blocks(_wikitext("ar_r3.wiki"))
    old_size, new_size = len(_wikitext("ar_r2.wiki").encode()), len(_wikitext("ar_r3.wiki").encode())
    summary = wiki.change_summary(old, new, old_size=old_size, new_size=new_size)
    assert summary["paragraphs_added"] == 2 and summary["paragraphs_removed"] == 0
    assert summary["size_delta"] == new_size - old_size > 0
    assert any("سيرغي لافروف" in sentence for sentence in summary["sentences_added"])
    assert summary["sentences_removed"] == [] and summary["sections_added"] == []
    assert summary["summary"] == f"+2 paragraphs; {new_size - old_size:+,} bytes"
    assert wiki.describe_change("ar", summary, "ArEditorB") == "ar: +2 paragraphs, edited by ArEditorB"


def test_revision_versions_creation_baseline_and_hidden_text() -> None:
    (history,) = wiki.parse_pages(_constructed("ar_history.json"))
    created, section = wiki.revision_versions(None, wiki.oldest_first(history.revisions))
    assert created.change_summary["created"] and created.change_summary["paragraphs_added"] == 4
    assert (
        wiki.describe_change("ar", created.change_summary, "ArEditorA") == "ar: page created (4 paragraphs), created by ArEditorA"
    )
    assert (
        section.change_summary["sections_added"] == ["طوفان الأقصي حرب 2023"] and section.change_summary["paragraphs_added"] == 2
    )
    middle = wiki.Revision(5, 4, None, "X", "", 100, "Some text here that is new.")
    (baseline,) = wiki.revision_versions(None, [middle])  # history before it not fetched: nothing to compare
    assert baseline.change_summary["baseline"] and baseline.change_summary["size_delta"] is None
    hidden = wiki.Revision(6, 5, None, None, None, 120, None, texthidden=True)
    later = wiki.Revision(7, 6, None, "Y", "", 130, "Some text here that is new. And one more sentence here.")
    versions = wiki.revision_versions(middle, [hidden, later])
    assert (
        versions[0].text is None
        and versions[0].change_summary["content_hidden"]
        and versions[0].change_summary["size_delta"] == 20
    )
    assert versions[1].change_summary["sentences_added"] == ["And one more sentence here."]  # compared with the last readable
    assert wiki.describe_change("he", versions[1].change_summary, None) == "he: +1 sentence, editor hidden"
    assert wiki.describe_change("ru", {"size_delta": 3}, "Z") == "ru: minor edit (+3 bytes), edited by Z"


# --- the repository ------------------------------------------------------------------------------------------


def test_record_revisions_is_idempotent_and_feeds_the_digest(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    page = wiki_repo.WatchedPage(
        "ar", 9876501, "العلاقات بين روسيا وحماس", "https://ar.wikipedia.org/wiki/x", "k" * 40, "wiki_langlinks"
    )
    stamp = datetime(2024, 1, 3, 11, 20, 7, tzinfo=timezone.utc)
    records = [
        wiki_repo.RevisionRecord(
            1, stamp - timedelta(days=30), "A", "new", 10, "one", None, {"created": True}, created_page=True
        ),
        wiki_repo.RevisionRecord(
            2, stamp, "B", "more", 30, "one\ntwo\nthree", None, {"paragraphs_added": 2, "summary": "+2 paragraphs"}
        ),
    ]
    with sessions.begin() as session:
        first = wiki_repo.record_revisions(session, page, records)
    with sessions.begin() as session:
        again = wiki_repo.record_revisions(session, page, records)
    assert first.created and first.stored == 2 and not again.created and again.stored == 0
    with sessions() as session:
        article = session.get(Article, first.article_id)
        assert article is not None and article.text == "one\ntwo\nthree" and article.wiki_lastrevid == 2
        assert article.published_at == stamp - timedelta(days=30) and article.version_count == 2 and article.relevant
        assert [v.revision_id for v in wiki_repo.revision_history(session, "ar", 9876501)] == [1, 2]
        assert wiki_repo.last_revisions(session, "ar", [9876501, 1]) == {9876501: 2}
        # Issue 19 item 6: what the watcher fetched at its first sight of the page is a baseline, not news.
        assert wiki_repo.changes_since(session, stamp - timedelta(days=1)) == []
    later = wiki_repo.RevisionRecord(
        3, stamp + timedelta(hours=2), "B", "more", 40, "one\ntwo\nthree\nfour", None, {"paragraphs_added": 2, "summary": "+2 paragraphs"}
    )
    with sessions.begin() as session:
        wiki_repo.record_revisions(session, page, [later])
    with sessions() as session:
        changes = wiki_repo.changes_since(session, stamp - timedelta(days=1))
    assert [(c.lang, c.revision_id, c.user) for c in changes] == [("ar", 3, "B")]
    assert (
        wiki.describe_change(changes[0].lang or "", changes[0].change_summary, changes[0].user)
        == "ar: +2 paragraphs, edited by B"
    )
    engine.dispose()


# --- the spider over real HTTP ---------------------------------------------------------------------------------


@dataclass
class Answer:
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


@dataclass
class Hit:
    wiki: str
    params: dict[str, str]
    user_agent: str
    at: float

    @property
    def kind(self) -> str:
        if self.params.get("list") == "search":
            return "search"
        if "extracts" in self.params.get("prop", ""):
            return "newpage"
        if "revisions" in self.params.get("prop", ""):
            return "history"
        return "check"


class FakeWikipedia:
    """api.php of several wikis on 127.0.0.1: /<wiki>/w/api.php, answered by exact path + query."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Answer]] = {}
        self.log: list[Hit] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:  # http.server's naming
                path, _, query = self.path.partition("?")
                wiki_code = path.strip("/").split("/", 1)[0]
                params = {key: values[0] for key, values in parse_qs(query).items()}
                server.log.append(Hit(wiki_code, params, self.headers.get("User-Agent", ""), time.monotonic()))
                queue = server.routes.get((path, query))
                answer = (queue.pop(0) if len(queue) > 1 else queue[0]) if queue else Answer(b'{"error":"not routed"}', 404)
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(answer.body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.template = f"http://127.0.0.1:{self.httpd.server_address[1]}/{{lang}}/w/api.php"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def route(self, real_url: str, *answers: Answer) -> None:
        """Answer the request the spider makes for this real Wikipedia URL (host label -> path prefix)."""
        parts = urlsplit(real_url)
        wiki_code = (parts.hostname or "").split(".", 1)[0]
        self.routes[(f"/{wiki_code}{parts.path}", parts.query)] = list(answers)

    def load_manifest(self) -> None:
        for entry in tomllib.loads(MANIFEST.read_text(encoding="utf-8"))["response"]:
            self.route(entry["url"], Answer((FIXTURES / entry["file"]).read_bytes()))

    def hits(self, since: int = 0) -> list[Hit]:
        return self.log[since:]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _check_url(code: str, title: str, *, langlinks: bool = False) -> str:
    return wiki.check_url(wiki.endpoint(TEMPLATE, code), [title], maxlag=5, langlinks=langlinks)


def _config(path: Path, db: Path, template: str, *, retry_times: int = 2, search: bool = True) -> Path:
    search_table = "" if search else "[wikipedia.search_terms]\n"
    path.write_text(
        f"""
[storage]
url = "sqlite:///{db}"
[crawl]
user_agent = "{UA}"
download_delay = 0
autothrottle_start_delay = 0
retry_times = {retry_times}
[wikipedia]
api_url = "{template}"
{search_table}""",
        encoding="utf-8",
    )
    return path


def _crawl(config: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "crawl", "wikipedia", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=180,
        check=False,  # the return code is asserted with stderr shown
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@dataclass
class Runs:
    server: FakeWikipedia
    db: Path
    marks: list[int]  # index into server.log where each run started

    def hits(self, run: int) -> list[Hit]:
        end = self.marks[run + 1] if run + 1 < len(self.marks) else len(self.server.log)
        return self.server.log[self.marks[run] : end]

    def sessions(self):  # type: ignore[no-untyped-def]
        return make_session_factory(make_engine(f"sqlite:///{self.db}"))


class DemoReplay:
    """The offline demo, `coverwatch crawl wikipedia --replay <archive>` twice, in a background thread.

    Started before the local-server crawls so its two subprocesses overlap theirs (each crawl is mostly imports).
    """

    def __init__(self, archive: Path, db: Path) -> None:
        self.db = db
        self.results: list[subprocess.CompletedProcess[str]] = []
        env = {"COVERWATCH_DB_URL": f"sqlite:///{db}", "PATH": "/usr/bin:/bin"}
        command = [sys.executable, "-m", "crawler.cli", "crawl", "wikipedia", "--replay", str(archive)]

        def crawl_twice() -> None:
            for _ in range(2):
                self.results.append(
                    subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env, timeout=180, check=False)
                )

        self.thread = threading.Thread(target=crawl_twice)
        self.thread.start()

    def wait(self) -> None:
        self.thread.join()
        assert len(self.results) == 2
        for result in self.results:
            assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def demo(demo_archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoReplay]:
    replay = DemoReplay(demo_archive, tmp_path_factory.mktemp("demo") / "demo.db")
    yield replay
    replay.thread.join()


EXTRA_LINKS = [  # two more languages in run 1, whose wikis refuse us: a 403 (bad UA) and a lasting maxlag
    {
        "lang": "de",
        "url": "https://de.wikipedia.org/wiki/Beziehungen_zwischen_Russland_und_der_Hamas",
        "title": "Beziehungen zwischen Russland und der Hamas",
    },
    {
        "lang": "fa",
        "url": "https://fa.wikipedia.org/wiki/%D8%B1%D9%88%D8%A7%D8%A8%D8%B7_%D8%B1%D9%88%D8%B3%DB%8C%D9%87_%D9%88_%D8%AD%D9%85%D8%A7%D8%B3",
        "title": "روابط روسیه و حماس",
    },
]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, demo: DemoReplay) -> Iterator[Runs]:
    """Two crawls on one database: first sight (with refusals and retries), then a new Arabic revision only.

    (A whole re-run with nothing new is the demo's second replay, below.)
    """
    tmp = tmp_path_factory.mktemp("wikipedia")
    server = FakeWikipedia()
    server.load_manifest()
    en_check = _constructed("en_check.json")
    en_check["query"]["pages"][0]["langlinks"] += EXTRA_LINKS
    en_url = _check_url("en", "Russia–Hamas relations", langlinks=True)
    server.route(en_url, Answer(json.dumps(en_check).encode()))
    maxlag = Answer((CONSTRUCTED / "maxlag_error.json").read_bytes(), headers={"Retry-After": "1", "X-Database-Lag": "7"})
    server.route(_check_url("he", "יחסי רוסיה–חמאס"), maxlag, Answer((CONSTRUCTED / "he_check.json").read_bytes()))
    too_many = Answer(b'{"error":{"code":"too-many-requests"}}', 429, {"Retry-After": "1"})
    server.route(_check_url("ru", "Отношения России и ХАМАС"), too_many, Answer((CONSTRUCTED / "ru_check.json").read_bytes()))
    refused = Answer(
        b"Please set a user-agent and respect our robot policy https://w.wiki/4wJS. See also T400119.",
        403,
        content_type="text/plain; charset=utf-8",
    )
    server.route(_check_url("de", EXTRA_LINKS[0]["title"]), refused)
    server.route(_check_url("fa", EXTRA_LINKS[1]["title"]), maxlag)  # lags on every attempt
    config = _config(tmp / "coverwatch.toml", tmp / "wiki.db", server.template, retry_times=1)
    marks = [len(server.log)]
    _crawl(config)
    # Later: the de/fa links are gone, and the Arabic article gained a revision.
    server.route(en_url, Answer((CONSTRUCTED / "en_check.json").read_bytes()))
    server.route(_check_url("ar", "العلاقات بين روسيا وحماس"), Answer((CONSTRUCTED / "ar_check_b.json").read_bytes()))
    # Its new revisions come in two pages (rvcontinue): only the stored base revision, then the new one.
    api = wiki.endpoint(TEMPLATE, "ar")
    pages = _constructed(f"ar_history_since_{AR_BEFORE}.json")
    base_only, rest = json.loads(json.dumps(pages)), pages
    base_only["query"]["pages"][0]["revisions"] = pages["query"]["pages"][0]["revisions"][:1]
    base_only["continue"] = {"rvcontinue": f"20240103112007|{AR_NEW}", "continue": "||"}
    rest["query"]["pages"][0]["revisions"] = pages["query"]["pages"][0]["revisions"][1:]
    server.route(wiki.revisions_url(api, PAGEIDS["ar"], maxlag=5, since_revid=AR_BEFORE), Answer(json.dumps(base_only).encode()))
    continued = wiki.revisions_url(api, PAGEIDS["ar"], maxlag=5, since_revid=AR_BEFORE, rvcontinue=f"20240103112007|{AR_NEW}")
    server.route(continued, Answer(json.dumps(rest).encode()))
    marks.append(len(server.log))
    _crawl(config)
    yield Runs(server, tmp / "wiki.db", marks)
    server.close()


def test_language_links_are_followed_and_histories_stored(runs: Runs) -> None:
    first = runs.hits(0)
    assert first[0].wiki == "en" and first[0].kind == "check" and "langlinks" in first[0].params["prop"]
    checked = {(hit.wiki, hit.params.get("titles")) for hit in first if hit.kind == "check"}
    # The other titles come from en's language links, not from configuration.
    assert ("ar", "العلاقات بين روسيا وحماس") in checked and ("he", "יחסי רוסיה–חמאס") in checked
    assert ("ru", "Отношения России и ХАМАС") in checked
    assert all(hit.user_agent == UA for hit in runs.server.log)  # descriptive, never a browser's
    assert all(hit.params["maxlag"] == "5" and hit.params["formatversion"] == "2" for hit in runs.server.log)
    with runs.sessions()() as session:
        watched = {a.wiki_lang: a for a in session.scalars(select(Article).where(Article.wiki_pageid.in_(PAGEIDS.values())))}
        assert set(watched) == {"en", "ar", "he", "ru"}
        for lang, article in watched.items():
            versions = list(session.scalars(select(ArticleVersion).where(ArticleVersion.article_id == article.id)))
            assert len(versions) >= 2 and {v.kind for v in versions} == {"revision"}, lang
            assert all(v.revision_id and v.revision_user and v.revision_timestamp and v.revision_size for v in versions)
            assert article.outlet == "wikipedia" and article.language == lang and article.relevant
        assert watched["ar"].published_at == datetime(2023, 11, 30, 14, 5, 10, tzinfo=timezone.utc)  # its creation
        assert (
            watched["he"].url
            == "https://he.wikipedia.org/wiki/%D7%99%D7%97%D7%A1%D7%99_%D7%A8%D7%95%D7%A1%D7%99%D7%94%E2%80%93%D7%97%D7%9E%D7%90%D7%A1"
        )


def test_watched_page_text_takes_part_in_near_duplicate_detection(runs: Runs, tmp_path: Path) -> None:
    """Issue 19 item 5: a news page copying the watched Arabic article is linked to it as a near duplicate."""
    import shutil

    from crawler.discover.feeds import Lead
    from crawler.fetch.processing import ArticleProcessor
    from crawler.model import DateEvidence, ExtractedArticle
    from spiders.registry import all_outlets

    db = tmp_path / "copy.db"  # the module's store stays as the other tests expect it
    shutil.copy(runs.db, db)
    engine = make_engine(f"sqlite:///{db}")
    sessions = make_session_factory(engine)
    settings = Settings.model_validate({"storage": {"url": f"sqlite:///{db}"}})
    processor = ArticleProcessor(settings, sessions)
    with sessions() as session:
        watched = {a.wiki_lang: a for a in session.scalars(select(Article).where(Article.wiki_pageid.in_(PAGEIDS.values())))}
        index = processor.near_index(session)
        for lang, article in watched.items():  # signed from its newest revision's text, and indexed
            assert article.signature is not None and str(article.id) in index, lang
    page = "الجزيرة نت\n" + watched["ar"].text + "\nالمصدر: الجزيرة + ويكيبيديا"
    url = "https://www.alaalem.com/index.php?aa=news&id22=99001"
    published = DateEvidence(datetime(2024, 1, 5, 8, 0, tzinfo=timezone.utc), "jsonld")
    article = ExtractedArticle(url=url, title="العلاقات بين روسيا وحماس", text=page, language="ar", published=published)
    stored = processor.store(all_outlets(settings)["alaalem"], Lead(url=url, route="rss"), article, status="full")
    assert stored.duplicate_kind == "near"
    with sessions() as session:
        assert session.get(Article, stored.article_id).duplicate_of_id == watched["ar"].id  # type: ignore[union-attr]
    engine.dispose()


def test_a_copy_stored_before_the_watched_page_is_linked_when_the_page_is_indexed(runs: Runs, tmp_path: Path) -> None:
    """Outlets are crawled in any order: a news page copying the watched Arabic article, stored before the page's
    text was indexed, becomes its near copy when the page is (re)indexed, and leaves the index of originals."""
    import shutil

    from crawler.discover.feeds import Lead
    from crawler.fetch.processing import ArticleProcessor
    from crawler.model import DateEvidence, ExtractedArticle
    from spiders.registry import all_outlets

    db = tmp_path / "copy-first.db"
    shutil.copy(runs.db, db)
    engine = make_engine(f"sqlite:///{db}")
    sessions = make_session_factory(engine)
    settings = Settings.model_validate({"storage": {"url": f"sqlite:///{db}"}})
    processor = ArticleProcessor(settings, sessions)
    with sessions.begin() as session:
        watched = {a.wiki_lang: a for a in session.scalars(select(Article).where(Article.wiki_pageid.in_(PAGEIDS.values())))}
        arabic_id, arabic_text = watched["ar"].id, watched["ar"].text
        processor.near_index(session).remove(str(arabic_id))  # as before the page was first indexed
    page = "الجزيرة نت\n" + arabic_text + "\nالمصدر: الجزيرة + ويكيبيديا"
    url = "https://www.alaalem.com/index.php?aa=news&id22=99002"
    published = DateEvidence(datetime(2024, 1, 5, 8, 0, tzinfo=timezone.utc), "jsonld")
    article = ExtractedArticle(url=url, title="العلاقات بين روسيا وحماس", text=page, language="ar", published=published)
    stored = processor.store(all_outlets(settings)["alaalem"], Lead(url=url, route="rss"), article, status="full")
    assert stored.duplicate_kind is None  # nothing indexed to compare with yet: stored as an original
    with sessions.begin() as session:
        assert processor.reindex_text(session, arabic_id)
    with sessions() as session:
        copy = session.get(Article, stored.article_id)
        assert copy is not None and copy.duplicate_of_id == arabic_id and copy.duplicate_kind == "near"
        index = processor.near_index(session)
        assert str(arabic_id) in index and str(stored.article_id) not in index
        assert session.get(Article, arabic_id).duplicate_of_id is None  # type: ignore[union-attr]
    engine.dispose()


def test_maxlag_and_429_are_retried_after_the_stated_delay(runs: Runs) -> None:
    first = runs.hits(0)
    for code in ("he", "ru"):  # he answered maxlag (HTTP 200 + error), ru answered 429; both with Retry-After: 1
        attempts = [hit.at for hit in first if hit.wiki == code and hit.kind == "check"]
        assert len(attempts) == 2, code
        assert attempts[1] - attempts[0] >= 0.9, f"{code} retried before Retry-After elapsed"
    with runs.sessions()() as session:
        run = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).first()
    # he once and fa once (fa then gives up), ru's 429 once: every wait counted.
    assert run is not None and run.stats["wiki/maxlag_retries"] == 2 and run.stats["retry/count"] == 1
    assert run.stats["retry/backoff_seconds"] >= 3


def test_new_search_hit_becomes_a_new_article(runs: Runs) -> None:
    new_pages = [hit for hit in runs.hits(0) if hit.kind == "newpage"]
    assert sorted(hit.params["pageids"] for hit in new_pages) == ["75130001", "9877001"]  # not the watched pages
    with runs.sessions()() as session:
        article = session.scalars(select(Article).where(Article.wiki_pageid == 75130001)).one()
        arabic = session.scalars(select(Article).where(Article.wiki_pageid == 9877001)).one()
    assert article.title == "2023 Hamas delegation visit to Moscow" and article.language == "en" and article.wiki_lang == "en"
    assert article.published_at == datetime(2024, 2, 1, 15, 3, 22, tzinfo=timezone.utc)  # its first revision
    assert article.published_source == "wikipedia:first_revision" and not article.published_uncertain
    assert article.url == "https://en.wikipedia.org/wiki/2023_Hamas_delegation_visit_to_Moscow"
    assert (
        article.status == "full" and article.text.startswith("On 26 October 2023") and article.discovered_via == ["wiki_search"]
    )
    assert article.relevant and article.relevance_explanation  # scored by ArticleProcessor, not assumed
    assert arabic.language == "ar" and "حماس" in arabic.text and arabic.relevance_score is not None


def test_new_revision_becomes_a_stored_version_with_its_change_summary(runs: Runs) -> None:
    second = runs.hits(1)
    histories = [(hit.wiki, hit.params.get("rvstartid"), hit.params.get("rvcontinue")) for hit in second if hit.kind == "history"]
    assert histories == [("ar", str(AR_BEFORE), None), ("ar", str(AR_BEFORE), f"20240103112007|{AR_NEW}")]
    with runs.sessions()() as session:
        history = wiki_repo.revision_history(session, "ar", PAGEIDS["ar"])
        article = wiki_repo.find_page(session, "ar", PAGEIDS["ar"])
        changes = wiki_repo.changes_since(session, datetime(2024, 1, 1, tzinfo=timezone.utc))
    assert [v.revision_id for v in history] == [65000101, AR_BEFORE, AR_NEW]
    newest = history[-1]
    assert newest.kind == "revision" and newest.revision_user == "ArEditorB" and newest.revision_comment == "توسيع قسم الحرب"
    assert newest.revision_timestamp == datetime(2024, 1, 3, 11, 20, 7, tzinfo=timezone.utc)
    summary = newest.change_summary
    assert summary["paragraphs_added"] == 2 and summary["paragraphs_removed"] == 0
    assert summary["size_delta"] == (newest.revision_size or 0) - (history[-2].revision_size or 0) > 0
    assert any("سيرغي لافروف" in s for s in summary["sentences_added"]) and summary["sentences_removed"] == []
    assert article is not None and article.wiki_lastrevid == AR_NEW and "سيرغي لافروف" in article.text
    assert article.version_count == 3
    with runs.sessions()() as session:
        second_run = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()[1]
    assert second_run.updated_articles == 1 and second_run.new_articles == 0 and second_run.outcome == "finished"
    # What the digest says, from stored data only.
    assert [wiki.describe_change(c.lang or "", c.change_summary, c.user) for c in changes if c.lang == "ar"] == [
        "ar: +2 paragraphs, edited by ArEditorB"
    ]


def test_unchanged_pages_cost_one_cheap_request_per_wiki_and_store_nothing(runs: Runs) -> None:
    second = runs.hits(1)  # en, he and ru did not change since the first run
    assert sorted(hit.wiki for hit in second if hit.kind == "check") == ["ar", "en", "he", "ru"]
    assert sorted(hit.wiki for hit in second if hit.kind == "search") == ["ar", "en", "he", "ru"]
    assert {hit.wiki for hit in second if hit.kind in ("history", "newpage")} == {"ar"}
    with runs.sessions()() as session:
        run = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        assert run is not None and run.stats["wiki/unchanged"] == 3 and run.stats["wiki/changed"] == 1
        for lang in ("en", "he", "ru"):
            article = wiki_repo.find_page(session, lang, PAGEIDS[lang])
            assert article is not None and article.version_count == 2
            written = session.scalar(select(func.max(ArticleVersion.fetched_at)).where(ArticleVersion.article_id == article.id))
            assert written is not None and written < run.started_at, f"{lang}: a version written by the second run"


def test_refusals_are_recorded_failures_with_their_reason(runs: Runs) -> None:
    first = runs.hits(0)
    assert len([hit for hit in first if hit.wiki == "fa"]) == 2  # one retry (crawl.retry_times = 1), then given up
    assert len([hit for hit in first if hit.wiki == "de"]) == 1  # a 403 is a refusal: not retried
    with runs.sessions()() as session:
        run = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).first()
        failures = {f.reason: f for f in session.scalars(select(Failure).where(Failure.run_id == run.id))} if run else {}
        stored = {a.wiki_lang for a in session.scalars(select(Article).where(Article.wiki_pageid.in_(PAGEIDS.values())))}
    assert set(failures) == {"http_403", "maxlag"}
    assert failures["http_403"].http_status == 403 and REFUSAL_HINT in failures["http_403"].detail
    assert failures["http_403"].url.startswith(runs.server.template.replace("{lang}", "de"))
    assert "lagged 7" in failures["maxlag"].detail and "1 retries" in failures["maxlag"].detail
    assert run is not None and run.outcome == "partial" and run.blocked == 1 and run.failures == 2
    assert stored == {"en", "ar", "he", "ru"}  # the other wikis were watched regardless


# --- the offline demo ------------------------------------------------------------------------------------------


def test_replayed_demo_shows_the_article_in_several_languages_and_a_rerun_only_checks(demo: DemoReplay) -> None:
    demo.wait()
    sessions = make_session_factory(make_engine(f"sqlite:///{demo.db}"))
    with sessions() as session:
        first, second = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
        assert session.scalar(select(Failure.id).limit(1)) is None  # every request the spider made was recorded
        histories = {lang: wiki_repo.revision_history(session, lang, pageid) for lang, pageid in PAGEIDS.items()}
    assert all(len(history) >= 2 for history in histories.values())
    assert first.outcome == "finished" and first.new_articles == 6 and first.stats.get("replay/missing") is None
    # The re-run: one check and one search per language, nothing else.
    assert second.requests == 8 and second.new_articles == 0 and second.updated_articles == 0
    assert second.stats["wiki/unchanged"] == 4 and second.stats["wiki/cheap_checks"] == 4


def test_first_sight_is_a_baseline_not_a_digest_change(runs: Runs) -> None:
    """Issue 19 item 6: the history fetched when a page is first watched is not news; the later revision is."""
    from crawler.config import Settings
    from crawler.digest import build_digest

    now = datetime.now(timezone.utc) + timedelta(minutes=2)  # a --since window ends at a whole minute
    with runs.sessions()() as session:
        data = build_digest(session, Settings(), since=now - timedelta(days=1), now=now)
        first_sight = session.scalars(select(ArticleVersion).where(ArticleVersion.revision_id == AR_BEFORE)).one()
    assert first_sight.change_summary.get(wiki_repo.FIRST_SIGHT) is True
    revisions = [change for change in data.wiki_changes if "new related article" not in change.description]
    assert [(change.lang, change.revision_id) for change in revisions] == [("ar", AR_NEW)]
    assert revisions[0].description.startswith("ar: +2 paragraphs, edited by ArEditorB")
