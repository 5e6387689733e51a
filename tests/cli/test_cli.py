"""The CLI's stable interfaces: `extract` JSONL, `sources`, `articles`, and --help everywhere."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=120)


def test_extract_jsonl_contract(tmp_path: Path) -> None:
    page = tmp_path / "ynet.html"
    shutil.copy(FIXTURES / "outlets/ynetnews/article_byv0vcw55.html", page)
    second = tmp_path / "sidecar.html"
    shutil.copy(FIXTURES / "http/he_windows1255_article.html", second)
    (tmp_path / "sidecar.html.url").write_text("https://www.ynet.co.il/news/article/abc123\n", encoding="utf-8")
    result = _cli("extract", str(page), str(second), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2
    for record in lines:
        assert {"path", "url", "title", "text", "published_at", "language", "authors"} <= record.keys()
    first, other = lines
    assert first["path"] == str(page)
    assert first["title"] == "Turkey reportedly nabs Iran cell plotting to harm Israelis"
    assert first["published_at"].startswith("2022-06-23")
    assert first["language"] == "en" and isinstance(first["authors"], list)
    assert other["url"] == "https://www.ynet.co.il/news/article/abc123"  # from the sidecar FILE.url
    assert other["language"] == "he" and "חמאס" in other["text"]


def test_extract_url_option_wins(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    shutil.copy(FIXTURES / "outlets/ynetnews/article_byv0vcw55.html", page)
    result = _cli("extract", str(page), "--url", "https://www.ynetnews.com/article/byv0vcw55")
    assert json.loads(result.stdout)["url"] == "https://www.ynetnews.com/article/byv0vcw55"


def test_extract_missing_file_is_an_error_record(tmp_path: Path) -> None:
    result = _cli("extract", str(tmp_path / "absent.html"))
    assert result.returncode == 1
    record = json.loads(result.stdout)
    assert record["text"] == "" and "error" in record and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [[], ["crawl"], ["run"], ["sources"], ["articles", "list"], ["articles", "show"], ["db", "upgrade"], ["db", "reband"], ["config", "check"], ["extract"], ["relevance"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = _cli(*command, "--help")
    assert result.returncode == 0 and "Usage" in result.stdout


def test_sources_and_articles_after_a_replay(tmp_path: Path, demo_archive: Path) -> None:
    env = {"COVERWATCH_DB_URL": f"sqlite:///{tmp_path / 'c.db'}", "PATH": "/usr/bin:/bin", "COLUMNS": "200"}
    assert _cli("crawl", "ynetnews", "--replay", str(demo_archive), env=env).returncode == 0
    sources = _cli("sources", "--json", env=env)
    rows = {row["name"]: row for row in json.loads(sources.stdout)}
    assert rows["ynetnews"]["routes"] == ["rss"] and rows["ynetnews"]["last_run"] == "finished"
    listing = _cli("articles", "list", "--outlet", "ynetnews", env=env)
    assert "Turkey reportedly nabs Iran" in listing.stdout
    shown = json.loads(_cli("articles", "show", "1", env=env).stdout)
    assert shown["title"].startswith("Turkey") and shown["versions"][0]["kind"] == "first"
    assert _cli("articles", "show", "999", env=env).returncode == 1


def test_db_reband_rebuilds_the_near_duplicate_index(tmp_path: Path, demo_archive: Path) -> None:
    env = {"COVERWATCH_DB_URL": f"sqlite:///{tmp_path / 'c.db'}", "PATH": "/usr/bin:/bin", "COLUMNS": "200"}
    assert _cli("crawl", "ynetnews", "--replay", str(demo_archive), env=env).returncode == 0
    with sqlite3.connect(tmp_path / "c.db") as connection:
        before = connection.execute("SELECT band, article_id FROM near_dup_bands ORDER BY 1, 2").fetchall()
        connection.execute("DELETE FROM near_dup_bands")
    result = _cli("db", "reband", env=env)
    assert result.returncode == 0, result.stderr
    articles = len({article_id for _, article_id in before})
    assert f"rebuilt: {articles} articles, 32 bands of 4 rows" in result.stdout and articles > 0
    with sqlite3.connect(tmp_path / "c.db") as connection:
        assert connection.execute("SELECT band, article_id FROM near_dup_bands ORDER BY 1, 2").fetchall() == before


def test_extract_prints_the_publishers_offset(tmp_path: Path) -> None:
    """TASS states 00:16 Moscow time on 29 June: that is the story's day, though it is still 28 June in UTC."""
    page = tmp_path / "tass.html"
    shutil.copy(FIXTURES / "pages/ru_tass_8836033_2020.html", page)
    record = json.loads(_cli("extract", str(page), "--url", "https://tass.ru/moskva/8836033").stdout)
    assert record["published_at"] == "2020-06-29T00:16:15+03:00"
    assert record["published_at_utc"] == "2020-06-28T21:16:15+00:00"


def test_crawl_exit_codes_tell_all_failed_from_some_failed(tmp_path: Path, demo_archive: Path) -> None:
    """Issue 19 item 1: cron must tell an all-failed night (4) from a partly failed one (1) and a good one (0)."""

    def crawl(*names: str) -> int:  # each in a fresh database: a second run skips the leads already stored
        env = {"COVERWATCH_DB_URL": f"sqlite:///{tmp_path / '-'.join(names)}.db", "PATH": "/usr/bin:/bin"}
        return _cli("crawl", *names, "--replay", str(demo_archive), env=env).returncode

    # reuters and tass_ru are recorded refusing us (DataDome, StormWall); ynetnews answers.
    assert crawl("ynetnews") == 0
    assert crawl("ynetnews", "reuters") == 1
    assert crawl("reuters", "tass_ru") == 4
    env = {"COVERWATCH_DB_URL": f"sqlite:///{tmp_path / 'c.db'}", "PATH": "/usr/bin:/bin"}
    nothing = _cli("crawl", "--replay", str(tmp_path / "absent"), env=env)
    assert nothing.returncode == 2 and "Traceback" not in nothing.stderr
    assert "4 every source failed" in " ".join(_cli("crawl", "--help").stdout.split())


def test_crawl_exit_code_rule() -> None:
    from crawler.exit_codes import crawl_exit_code

    assert crawl_exit_code(["finished", "partial"]) == 0
    assert crawl_exit_code(["finished", "blocked"]) == 1
    assert crawl_exit_code(["failed", "blocked"]) == 4
    assert crawl_exit_code(["failed"]) == 4
    assert crawl_exit_code([]) == 2


def test_extract_output_pipes_into_relevance(tmp_path: Path) -> None:
    """Issue 19 item 8: the two stable interfaces compose; each result carries its input's id."""
    page = FIXTURES / "outlets/alaalem/article_73418.html"
    url = "https://alaalem.com/article/73418"
    extracted = _cli("extract", str(page), "--url", url)
    record = json.loads(extracted.stdout)
    assert record["id"] == url
    scored = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "relevance"], input=extracted.stdout, capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert scored.returncode == 0, scored.stderr
    result = json.loads(scored.stdout)
    assert result["id"] == url and result["relevant"] is True
    assert {"russia", "hamas"} <= {match["side"] for match in result["matches"]}  # the Arabic terms matched: lang was read


def test_run_reports_what_this_run_stored_not_the_whole_store(tmp_path: Path) -> None:
    """`coverwatch run`'s store report counts the articles first seen since the run started, by outlet."""
    from datetime import datetime, timedelta, timezone

    from crawler.cli.app import _print_store_report
    from crawler.config import Settings
    from storage import repo
    from storage.bulk import insert_new_articles
    from storage.db import make_engine, make_session_factory, upgrade

    url = f"sqlite:///{tmp_path / 'c.db'}"
    engine = make_engine(url)
    upgrade(engine)
    started = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
    rows = [("old", "ynet", "full", False, started - timedelta(days=30)), ("new1", "ynet", "full", True, started),
            ("new2", "ynet", "lead_only", False, started + timedelta(minutes=5)), ("new3", "reuters", "full", True, started + timedelta(minutes=9))]
    records = [repo.ArticleRecord(url_key=key, url=f"https://{outlet}.example/{key}", outlet=outlet, title=key, text=key, status=status,
                                  relevant=relevant) for key, outlet, status, relevant, _ in rows]
    with make_session_factory(engine).begin() as session:
        insert_new_articles(session, records, [seen for *_, seen in rows], [[] for _ in rows])
    engine.dispose()
    report = _print_store_report(Settings.model_validate({"storage": {"url": url}}), started, "json")
    assert report == [{"outlet": "reuters", "articles": 1, "full": 1, "partial": 0, "relevant": 1},
                      {"outlet": "ynet", "articles": 2, "full": 1, "partial": 1, "relevant": 1}]
