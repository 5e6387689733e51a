"""The local news site the scheduler tests and bench/daemon_soak.py crawl: robots.txt, an RSS feed per outlet,
article pages with real Russia–Hamas text (tests/fixtures/scheduler, copies of the reference documents), and
endpoints made slow on purpose to force overlapping runs. Config-only outlets point at it.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

from tests.localsite import LocalSite

SEEDS = Path(__file__).parent / "fixtures" / "scheduler"
# Arabic and Hebrew seeds: each page declares its language, as the real outlets do.
_LANG = {"001": "he", "002": "ar", "003": "ar", "004": "ar"}


def seed_articles() -> list[tuple[str, str, list[str]]]:
    """(language, title, paragraphs) for every seed text, title = its first non-empty line."""
    articles = []
    for path in sorted(SEEDS.glob("*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        articles.append((_LANG.get(path.name[:3], "ar"), lines[0][:200], lines[1:]))
    return articles


def article_page(title: str, paragraphs: list[str], language: str, published: datetime) -> str:
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    direction = "rtl" if language in ("he", "ar") else "ltr"
    return (
        f'<!doctype html><html lang="{language}" dir="{direction}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        f'<meta property="article:published_time" content="{published.isoformat()}">'
        f'</head><body><header><nav><a href="/">home</a></nav></header>'
        f"<article><h1>{html.escape(title)}</h1>{body}</article><footer>local test site</footer></body></html>"
    )


def feed(base: str, items: list[tuple[str, str, datetime]]) -> str:
    entries = "".join(
        f"<item><title>{html.escape(title)}</title><link>{base}{path}</link>"
        f"<pubDate>{format_datetime(published)}</pubDate></item>"
        for title, path, published in items
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>local</title>{entries}</channel></rss>'


def publish_outlet(
    site: LocalSite,
    name: str,
    *,
    count: int = 4,
    feed_delay: float = 0.0,
    article_delays: dict[int, float] | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Serve /<name>/feed.xml listing `count` articles at /<name>/articles/<i>; returns the article paths."""
    now = now or datetime.now(timezone.utc)
    seeds = seed_articles()
    items = []
    for index in range(count):
        language, title, paragraphs = seeds[index % len(seeds)]
        published = now - timedelta(hours=index + 1)
        path = f"/{name}/articles/{index}"
        # The outlet name and index keep the pages distinct, so no two are exact duplicates of each other.
        page = article_page(f"{title} ({name} {index})", [*paragraphs, f"{name} #{index}"], language, published)
        site.add(path, page, delay=(article_delays or {}).get(index, 0.0))
        items.append((f"{title} ({name} {index})", path, published))
    site.add(f"/{name}/feed.xml", feed(site.base, items), content_type="application/rss+xml; charset=utf-8", delay=feed_delay)
    if "/robots.txt" not in site.routes:
        site.add("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
    return [path for _, path, _ in items]


def write_config(
    path: Path, db_url: str, site: LocalSite, outlets: dict[str, int], *, parallel: int = 2, extra: str = ""
) -> Path:
    """A coverwatch.toml with one config-only outlet per name (value: interval in minutes) on the site."""
    from spiders.registry import builtin_outlets

    # The built-in outlets live on the internet; these tests and benches crawl only the local site.
    disabled = [f"\n[outlets.{name}]\nenabled = false\n" for name in builtin_outlets() if name not in outlets]
    blocks = disabled + [
        f"""
[outlets.{name}]
title = "Local {name}"
article_url_pattern = '/{name}/articles/\\d+'
interval_minutes = {interval}
sources = [{{kind = "rss", url = "{site.base}/{name}/feed.xml"}}]
"""
        for name, interval in outlets.items()
    ]
    path.write_text(
        f"""
[storage]
url = "{db_url}"
[crawl]
download_delay = 0
autothrottle_start_delay = 0
retry_times = 0
download_timeout = 10
[schedule]
jitter_seconds = 0
max_parallel_crawls = {parallel}
crawl_timeout_minutes = 60
{extra}
"""
        + "".join(blocks),
        encoding="utf-8",
    )
    return path
