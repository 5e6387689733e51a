"""The daily digest: window, content, folding, sections, grouping, idempotence, every format, the CLI."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from crawler.config import Settings
from crawler.digest import build_digest
from crawler.digest.data import DigestData
from crawler.digest.format import FSI, PDI, safe_href
from crawler.digest.query import DEFAULT_THRESHOLD, resolve_threshold, story_key
from crawler.digest.render_atom import render_atom
from crawler.digest.render_html import render_html
from crawler.digest.render_markdown import render_markdown
from crawler.digest.render_text import render_text
from crawler.digest.run import produce_digest
from crawler.digest.snippet import direction, highlight, snippet
from crawler.digest.window import current_day, day_window, last_complete_day, parse_since
from storage.db import make_engine, make_session_factory, upgrade
from storage.models import Article, Digest
from tests.digest_seed import AFTER_WINDOW, DAY, IN_WINDOW, NOW, XSS_TITLE, record_for, seed_store, seeds, store

RTL_KEYS = {"ynet", "inss", "alaalem", "khanadeq"}


def _settings(url: str, tmp_path: Path, **digest: object) -> Settings:
    return Settings.model_validate(
        {"storage": {"url": url}, "topic": {"threshold": 0.5, "near_miss_margin": 0.15},
         "digest": {"output_dir": str(tmp_path / "digests"), "timezone": "Asia/Jerusalem", "time": "07:00", **digest}}
    )


@pytest.fixture
def seeded(sqlite_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(sqlite_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    ids = seed_store(sessions)
    yield sessions, ids, sqlite_url
    engine.dispose()


def _build(sessions, settings: Settings, **kwargs) -> DigestData:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return build_digest(session, settings, **{"day": DAY, "now": NOW, **kwargs})


# --- windows ----------------------------------------------------------------------------------------------


def test_day_window_runs_from_digest_time_to_digest_time_and_survives_dst(tmp_path: Path) -> None:
    digest = _settings("sqlite://", tmp_path).digest
    window = day_window(date(2025, 3, 10), digest)
    assert (window.start, window.end) == (datetime(2025, 3, 10, 5, tzinfo=timezone.utc), datetime(2025, 3, 11, 5, tzinfo=timezone.utc))
    # Israel moved to summer time on 2025-03-28: that digest day has 23 hours, still 07:00 to 07:00 local.
    dst = day_window(date(2025, 3, 27), digest)
    assert dst.end - dst.start == timedelta(hours=23)
    assert current_day(datetime(2025, 3, 11, 4, 59, tzinfo=timezone.utc), digest) == date(2025, 3, 10)
    assert current_day(datetime(2025, 3, 11, 5, 0, tzinfo=timezone.utc), digest) == date(2025, 3, 11)
    assert last_complete_day(datetime(2025, 3, 11, 5, 0, tzinfo=timezone.utc), digest) == date(2025, 3, 10)
    assert parse_since("24h", NOW, digest) == NOW - timedelta(hours=24)
    assert parse_since("2025-03-10T08:00", NOW, digest) == datetime(2025, 3, 10, 6, tzinfo=timezone.utc)
    with pytest.raises(ValueError):
        parse_since("yesterday-ish", NOW, digest)


# --- content --------------------------------------------------------------------------------------------


def test_items_are_the_relevant_articles_first_seen_in_the_window(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, ids, url = seeded
    data = _build(sessions, _settings(url, tmp_path))
    shown = {item.article_id for item in data.items}
    assert shown == {ids[key] for key in ("ynet", "inss", "alaalem", "khanadeq", "tass", "kommersant", "xss")}
    for excluded in ("near", "irrelevant", "later", "old_edit", "old_gone", "wiki", "copy"):
        assert ids[excluded] not in shown, excluded
    assert data.complete and data.day == "2025-03-10"


def test_duplicates_fold_into_also_in(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, ids, url = seeded
    data = _build(sessions, _settings(url, tmp_path))
    khanadeq = next(item for item in data.items if item.article_id == ids["khanadeq"])
    assert [(c.article_id, c.outlet_title) for c in khanadeq.also_in] == [(ids["copy"], "Al Mayadeen")]
    assert ids["copy"] in data.article_ids
    assert "Also in" in render_html(data) and "Al Mayadeen" in render_markdown(data)


def test_copy_of_an_older_story_is_shown_with_its_original(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, ids, url = seeded
    tass = next(s for s in seeds() if s.key == "tass")
    with sessions.begin() as session:
        copy_id = store(session, record_for(tass, url_key="ria-copy", url="https://ria.ru/copy", outlet="ria", title="RIA carries an old story",
                                            duplicate_of_id=ids["old_edit"], duplicate_kind="near", relevance_score=0.7),
                        IN_WINDOW + timedelta(hours=8))
    data = _build(sessions, _settings(url, tmp_path))
    item = next(item for item in data.items if item.article_id == copy_id)
    assert item.copy_of is not None and item.copy_of.article_id == ids["old_edit"]


def test_items_are_newest_first_and_groups_ordered_by_their_newest_item(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, _ids, url = seeded
    data = _build(sessions, _settings(url, tmp_path))
    assert data.group_by == "outlet"
    newest = [group.items[0].sort_time for group in data.groups]
    assert newest == sorted(newest, reverse=True)
    for group in data.groups:
        times = [item.sort_time for item in group.items]
        assert times == sorted(times, reverse=True)
        assert {item.outlet for item in group.items} == {group.key}


def test_each_item_carries_what_the_reader_needs(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, ids, url = seeded
    data = _build(sessions, _settings(url, tmp_path))
    by_id = {item.article_id: item for item in data.items}
    inss, ynet = by_id[ids["inss"]], by_id[ids["ynet"]]
    assert inss.published_uncertain and not ynet.published_uncertain
    assert "(date uncertain)" in render_text(data) and "(date uncertain)" in render_html(data)
    assert ynet.outlet_title == "ynet" and ynet.language == "he" and ynet.direction == "rtl"
    hits = [segment.text for segment in ynet.snippet if segment.hit]
    assert hits and set(hits) <= {"פוטין", "חמאס", "רוסיה", "קרמלין"}
    assert ynet.explanation == "test fixture: ynet links both sides"
    assert [s.text for s in ynet.title_segments if s.hit] == ["פוטין"]
    for item in data.items:
        assert item.direction == ("rtl" if item.article_id in {ids[k] for k in RTL_KEYS} else "ltr")


def test_sections_after_the_items(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, ids, url = seeded
    data = _build(sessions, _settings(url, tmp_path))
    assert {(c.article_id, c.kind) for c in data.changes} == {(ids["old_edit"], "edit"), (ids["old_gone"], "takedown")}
    edit = next(c for c in data.changes if c.kind == "edit")
    assert edit.summary == "1 sentence added; +35 chars"
    assert [w.description for w in data.wiki_changes] == ["ar: +2 paragraphs, edited by Editor<script> (“تحديث”)"]
    assert [item.article_id for item in data.near_misses] == [ids["near"]]
    assert data.near_miss_floor == pytest.approx(0.35)
    problems = {row.source: row for row in data.health}
    assert {name: row.problem for name, row in problems.items()} == {
        "ria": "blocked", "rt": "failing", "kommersant": "errors", "aljazeera": "disabled"
    }
    assert problems["ria"].failures == {"blocked": 1} and problems["ria"].reason == "DataDome on every request"
    assert problems["rt"].outcomes == {"failed": 1}
    assert data.sources_ok == 8
    html = render_html(data)
    for heading in ("Edits and take-downs", "Wikipedia changes", "Near misses", "Coverage health"):
        assert heading in html
    assert "DataDome on every request" in html and "http_404×1" in html


def test_source_without_runs_or_new_articles_is_reported(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, _ids, url = seeded
    from storage import repo

    with sessions.begin() as session:
        repo.sync_source(session, "haaretz", title="Haaretz", language="he", routes=["rss"], enabled=True)
    data = _build(sessions, _settings(url, tmp_path))
    assert {row.source: row.problem for row in data.health}["haaretz"] == "not_crawled"


def test_past_digest_shows_the_health_of_its_day_not_todays(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, _ids, url = seeded
    from storage import repo
    from storage.models import CrawlRun, HealthEvent, Source

    ynet = next(s for s in seeds() if s.key == "ynet")
    with sessions.begin() as session:
        repo.sync_source(session, "haaretz", title="Haaretz", language="he", routes=["rss"], enabled=True)
        session.add(CrawlRun(source="haaretz", started_at=IN_WINDOW, outcome="finished"))
        store(session, record_for(ynet, url_key="haaretz-1", url="https://www.haaretz.co.il/1", outlet="haaretz", relevance_score=0.1),
              IN_WINDOW)
        session.add(HealthEvent(source="haaretz", at=IN_WINDOW - timedelta(hours=1), old_state="ok", new_state="degraded",
                                reason="2 of 5 runs empty"))
        session.add(HealthEvent(source="haaretz", at=AFTER_WINDOW, old_state="degraded", new_state="ok", reason="recovered"))
        session.query(Source).filter_by(name="haaretz").one().health = "ok"
    row = {r.source: r for r in _build(sessions, _settings(url, tmp_path)).health}["haaretz"]
    assert (row.problem, row.health, row.reason) == ("failing", "degraded", "2 of 5 runs empty")


def test_group_by_story_links_actors_across_languages(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, ids, url = seeded
    data = _build(sessions, _settings(url, tmp_path, group_by="story"))
    groups = {group.key: {item.article_id for item in group.items} for group in data.groups}
    # ynet (he) and the XSS test item (en) both link Putin and Hamas: one story across languages.
    assert {ids["ynet"], ids["xss"]} <= groups["putin|hamas"]
    assert story_key([{"side": "russia", "group": "russia"}, {"side": "russia", "group": "lavrov"}, {"side": "hamas", "group": "hamas"}]) == (
        "lavrov", "hamas")
    labels = {group.key: group.label for group in data.groups}
    assert labels["putin|hamas"] == "Putin – Hamas"


def test_threshold_comes_from_settings_then_profile_then_default(tmp_path: Path) -> None:
    from crawler.relevance.assess import load_profile

    assert resolve_threshold(Settings.model_validate({"topic": {"threshold": 0.7}})) == 0.7
    assert resolve_threshold(Settings()) == load_profile(None).threshold
    missing = Settings.model_validate({"topic": {"profile": str(tmp_path / "missing.toml")}})
    assert resolve_threshold(missing) == DEFAULT_THRESHOLD


def test_since_window_covers_since_until_now(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, ids, url = seeded
    data = _build(sessions, _settings(url, tmp_path), day=None, since=AFTER_WINDOW - timedelta(hours=1), now=AFTER_WINDOW + timedelta(hours=1))
    assert [item.article_id for item in data.items] == [ids["later"]]
    assert data.since and data.window_key.startswith("since ")


# --- idempotence ----------------------------------------------------------------------------------------


def test_rerunning_a_day_gives_the_same_digest(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, _ids, url = seeded
    settings = _settings(url, tmp_path)
    first = produce_digest(settings, sessions, day=DAY, now=NOW)
    stamps = {name: path.stat().st_mtime_ns for name, path in first.paths.items()}
    contents = {name: path.read_bytes() for name, path in first.paths.items()}
    second = produce_digest(settings, sessions, day=DAY, now=NOW + timedelta(days=3))
    assert first.record.changed and not second.record.changed
    assert second.record.id == first.record.id and second.data.content_hash == first.data.content_hash
    assert {name: path.read_bytes() for name, path in second.paths.items()} == contents
    assert {name: path.stat().st_mtime_ns for name, path in second.paths.items()} == stamps  # not even rewritten
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Digest)) == 1
    # New coverage in the window changes the digest: same row, new hash.
    ynet = next(s for s in seeds() if s.key == "ynet")
    with sessions.begin() as session:
        store(session, record_for(ynet, url_key="late-arrival", url="https://www.ynet.co.il/late"), IN_WINDOW + timedelta(hours=10))
    third = produce_digest(settings, sessions, day=DAY, now=NOW)
    assert third.record.changed and third.record.id == first.record.id and third.data.content_hash != first.data.content_hash
    assert not list(Path(settings.digest.output_dir).glob(".*"))  # no temp files left behind


# --- formats --------------------------------------------------------------------------------------------


class _ItemDirections(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, str] = {}
        self.scripts = 0
        self.handlers: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.scripts += 1
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"] or "")
        if "item" in (values.get("class") or "").split() and values.get("data-article-id"):
            self.items[values["data-article-id"] or ""] = values.get("dir") or ""


def test_html_is_standalone_escaped_and_bidi_safe(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, ids, url = seeded
    data = _build(sessions, _settings(url, tmp_path))
    html = render_html(data)
    parser = _ItemDirections()
    parser.feed(html)
    rtl = {str(ids[k]) for k in RTL_KEYS}
    main_items = {str(item.article_id) for item in data.items}
    assert main_items <= set(parser.items)
    for article_id in main_items:
        assert parser.items[article_id] == ("rtl" if article_id in rtl else "ltr"), article_id
    assert parser.scripts == 0 and parser.handlers == []  # the payload's <script>/onerror stayed text
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html and "Editor&lt;script&gt;" in html
    assert all(href.startswith("https://") for href in parser.hrefs)  # javascript: URL never became a link
    assert "<link" not in html and "<style" not in html and 'src="http' not in html  # standalone: inline styles only
    assert "<bdi>" in html and 'dir="auto"' in html


def test_markdown_escapes_untrusted_text(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, _ids, url = seeded
    markdown = render_markdown(_build(sessions, _settings(url, tmp_path)))
    assert not re.search(r"(?<!\\)[<>]", markdown)  # every angle bracket escaped: no raw HTML reaches a renderer
    assert r"\<script\>" in markdown
    assert "](javascript" not in markdown  # the javascript: URL never became a link target
    assert re.search(r"\]\(https://www\.ynet\.co\.il/news/article/seed001\)", markdown)
    assert "**פוטין**" in markdown and FSI in markdown and PDI in markdown


def test_text_isolates_every_untrusted_run(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, _ids, url = seeded
    text = render_text(_build(sessions, _settings(url, tmp_path)))
    assert f"{FSI}הפגישה של *פוטין* עם שורדי השבי{PDI}" in text
    assert "https://www.ynet.co.il/news/article/seed001" in text and "javascript:" not in text


def test_wording_counts_escaping_and_isolation_are_minimal(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 19 item 7: "1 story", no needless backslashes, FSI/PDI only where a field could reorder the line."""
    import dataclasses

    from crawler.digest.format import isolate, summary_line
    from crawler.digest.render_markdown import md_escape
    from crawler.wording import plural

    sessions, _ids, url = seeded
    data = _build(sessions, _settings(url, tmp_path))
    first = dataclasses.replace(data.groups[0], items=data.groups[0].items[:1])
    one = dataclasses.replace(data, groups=(first,), changes=data.changes[:1], wiki_changes=(), health=data.health[:1])
    assert len(one.items) == 1 and len(one.health) == 1
    line = summary_line(one)
    assert line.startswith("1 story from 1 outlet") and "1 source with problems" in line and " 1 sources" not in line
    assert plural(1, "item") == "1 item" and plural(0, "item") == "0 items"
    assert md_escape("ynet (Hebrew)") == "ynet (Hebrew)" and md_escape("a_b *c*") == r"a\_b \*c\*"
    assert md_escape("# not a heading") == r"\# not a heading" and md_escape("2023. year") == r"2023\. year"
    markdown = render_markdown(data)
    assert f"score {FSI}" not in markdown and "\\(" not in markdown
    assert isolate("score 1.00") == "score 1.00" and isolate("פוטין") == f"{FSI}פוטין{PDI}"
    assert isolate("text\u202eevil") == f"{FSI}text\u202eevil{PDI}"  # an override control is fenced in


def test_digest_files_are_readable_by_the_team(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 19 item 7: digest files take the umask's mode (0644 under the usual 022), not mkstemp's 0600."""
    import os

    sessions, _ids, url = seeded
    old = os.umask(0o022)
    try:
        outcome = produce_digest(_settings(url, tmp_path), sessions, day=DAY, formats=["html", "markdown"], output_dir=tmp_path / "d", now=NOW)
    finally:
        os.umask(old)
    assert {oct(path.stat().st_mode & 0o777) for path in outcome.paths.values()} == {"0o644"}


def test_atom_is_valid_per_feedparser(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sessions, ids, url = seeded
    data = _build(sessions, _settings(url, tmp_path))
    atom = render_atom(data)
    feed = feedparser.parse(atom)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    entries = {entry.id: entry for entry in feed.entries}
    assert len(feed.entries) == len(data.items) + 1  # plus the sections entry
    ynet = entries[f"tag:coverwatch.invalid,2024:article:{ids['ynet']}"]
    assert ynet.title == "הפגישה של פוטין עם שורדי השבי" and ynet.link == "https://www.ynet.co.il/news/article/seed001"
    assert 'dir="rtl"' in ynet.content[0].value and "<strong>פוטין</strong>" in ynet.content[0].value
    xss = entries[f"tag:coverwatch.invalid,2024:article:{ids['xss']}"]
    assert xss.title == XSS_TITLE
    assert all(link.href.startswith("http") for link in xss.get("links", []))
    root = ET.fromstring(atom.encode("utf-8"))
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    assert render_atom(data) == atom  # deterministic


def test_empty_window_renders_every_format(tmp_path: Path, sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    data = _build(sessions, _settings(sqlite_url, tmp_path))
    assert data.items == [] and data.health == ()
    assert "No relevant coverage" in render_html(data) and "No relevant coverage" in render_markdown(data)
    assert feedparser.parse(render_atom(data)).bozo == 0
    engine.dispose()


# --- pure helpers ---------------------------------------------------------------------------------------


def test_snippet_centres_on_the_densest_matches_and_trusts_only_true_offsets() -> None:
    text = "Filler words here. " * 30 + "Putin thanked Hamas for the release. " + "More filler text. " * 30
    start = text.index("Putin")
    matches = [
        {"field": "text", "start": start, "end": start + 5, "surface": "Putin"},
        {"field": "text", "start": text.index("Hamas"), "end": text.index("Hamas") + 5, "surface": "Hamas"},
        {"field": "text", "start": 3, "end": 8, "surface": "Kremlin"},  # stale offsets, surface absent: dropped
    ]
    segments = snippet({"text": text}, matches, width=120)
    assert [s.text for s in segments if s.hit] == ["Putin", "Hamas"]
    joined = "".join(s.text for s in segments)
    assert joined.startswith("… ") and joined.endswith(" …") and len(joined) <= 130
    assert highlight("abcdef", [(1, 3), (2, 4)]) == highlight("abcdef", [(1, 4)])
    assert direction("he") == "rtl" and direction("ar-EG") == "rtl" and direction("ru") == "ltr" and direction(None, "שלום עולם") == "rtl"
    assert safe_href("javascript:alert(1)") is None and safe_href("https://x.test/a\nb") is None


# --- CLI ------------------------------------------------------------------------------------------------


def test_cli_digest_writes_files_and_prints_their_paths(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _sessions, _ids, url = seeded
    from crawler.cli.digest import register

    out = tmp_path / "out"
    config = tmp_path / "coverwatch.toml"
    config.write_text(f'[storage]\nurl = "{url}"\n[topic]\nthreshold = 0.5\n[digest]\noutput_dir = "{out}"\n', encoding="utf-8")
    app = typer.Typer()
    app.command("noop")(lambda: None)  # a second command keeps typer in multi-command mode
    register(app)
    result = CliRunner().invoke(app, ["digest", "--date", "2025-03-10", "--formats", "html,markdown", "--config", str(config)])
    assert result.exit_code == 0, result.output
    printed = [line for line in result.stdout.splitlines() if line.strip()]
    assert printed == [str(out / "digest-2025-03-10.html"), str(out / "digest-2025-03-10.md")]
    # The day names the window's start: the line says which window that is (issue 19 item 7).
    assert "digest 2025-03-10 (2025-03-10 07:00 – 2025-03-11 07:00" in " ".join(result.output.split())
    assert all(Path(line).is_file() for line in printed)
    assert "פוטין" in Path(printed[1]).read_text(encoding="utf-8")
    bad = CliRunner().invoke(app, ["digest", "--date", "10/03/2025", "--config", str(config)])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
    wrong = CliRunner().invoke(app, ["digest", "--formats", "pdf", "--config", str(config)])
    assert wrong.exit_code == 2 and "unknown pdf" in wrong.output


def test_digest_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    engine = make_engine(pg_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    ids = seed_store(sessions)
    settings = _settings(pg_url, tmp_path)
    first = produce_digest(settings, sessions, day=DAY, now=NOW)
    second = produce_digest(settings, sessions, day=DAY, now=NOW)
    assert {item.article_id for item in first.data.items} == {ids[k] for k in ("ynet", "inss", "alaalem", "khanadeq", "tass", "kommersant", "xss")}
    assert second.data.content_hash == first.data.content_hash and not second.record.changed
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Article)) > 10
    engine.dispose()
