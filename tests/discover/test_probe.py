"""`coverwatch probe URL` over real HTTP on 127.0.0.1: feeds and sitemaps found, robots.txt obeyed, block usable."""

from __future__ import annotations

import tomllib
from pathlib import Path

import typer
from typer.testing import CliRunner

from crawler.config import Settings
from crawler.discover.probe import config_block, http_fetch, probe, suggest_article_pattern
from spiders.registry import outlet_from_config

UA = "coverwatch-test/0 (+https://example.invalid)"
FIXTURES = Path(__file__).parent.parent / "fixtures"


def _home(base: str, *, feed_link: bool = True) -> str:
    link = f'<link rel="alternate" type="application/rss+xml" title="RSS" href="{base}/feed/">' if feed_link else ""
    return (
        f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>جريدة المثال</title>{link}'
        f'<link rel="https://api.w.org/" href="{base}/wp-json/"></head><body>'
        f'<a href="{base}/post/1/slug">خبر</a><a href="{base}/rss.xml">RSS</a></body></html>'
    )


def _feed(base: str) -> str:
    items = "".join(
        f"<item><title>خبر {n}</title><link>{base}/post/{n}/%D8%AE%D8%A8%D8%B1</link>"
        f"<pubDate>Mon, 06 Nov 2023 1{n}:00:00 +0300</pubDate></item>"
        for n in range(1, 4)
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title><language>ar</language>{items}</channel></rss>'


def _news_sitemap(base: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"<url><loc>{base}/post/9/x</loc><news:news><news:publication><news:name>x</news:name><news:language>ar</news:language>"
        "</news:publication><news:publication_date>2023-11-06T10:00:00+03:00</news:publication_date><news:title>t</news:title>"
        "</news:news></url></urlset>"
    )


def test_probe_finds_linked_feed_robots_sitemap_and_wordpress_api(local_site) -> None:  # type: ignore[no-untyped-def]
    base = local_site.base
    local_site.add("/", _home(base))
    local_site.add("/feed/", _feed(base), content_type="application/rss+xml; charset=utf-8")
    local_site.add("/robots.txt", f"User-agent: *\nDisallow: /private/\nSitemap: {base}/sitemap_index.xml\n", content_type="text/plain")
    local_site.add(
        "/sitemap_index.xml",
        f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>{base}/sitemap_news.xml</loc></sitemap></sitemapindex>',
        content_type="application/xml",
    )
    local_site.add("/sitemap_news.xml", _news_sitemap(base), content_type="application/xml")
    result = probe(base + "/", http_fetch(base, user_agent=UA))

    assert [(f.url, f.items) for f in result.feeds] == [(f"{base}/feed/", 3)]
    assert result.language == "ar" and result.title == "جريدة المثال"
    assert result.wordpress_api == base
    by_url = {s.url: s for s in result.sitemaps}
    assert by_url[f"{base}/sitemap_index.xml"].children == (f"{base}/sitemap_news.xml",)
    assert by_url[f"{base}/sitemap_news.xml"].news is True
    # The linked feed was enough: no guessing of /feed, /rss..., and no robots-listed sitemap was ignored.
    assert local_site.hits.get("/rss") is None and local_site.hits.get("/sitemap.xml") is None
    assert all(headers.get("User-Agent") == UA for _, _, headers in local_site.request_log)

    block = config_block(result, "example")
    data = tomllib.loads(block)
    declared = Settings.model_validate({"outlets": data["outlets"]}).outlets["example"]
    outlet = outlet_from_config("example", declared)
    kinds = sorted(source.kind for source in outlet.sources)
    assert kinds == ["rss", "sitemap", "wordpress_api"]  # news sitemap: kind "sitemap" with news=True
    assert [s.route for s in outlet.sources if s.kind == "sitemap"] == ["news_sitemap"]
    assert outlet.language == "ar" and outlet.domains == ("127.0.0.1",)
    assert outlet.is_article_url(f"{base}/post/77/x") and not outlet.is_article_url(f"{base}/about")


def test_feed_found_by_guess_and_robots_obeyed(local_site) -> None:  # type: ignore[no-untyped-def]
    base = local_site.base
    local_site.add("/", "<html><body><p>no links here</p></body></html>")
    local_site.add("/robots.txt", "User-agent: *\nDisallow: /feed\nDisallow: /sitemap\n", content_type="text/plain")
    local_site.add("/feed", _feed(base), content_type="application/rss+xml")
    local_site.add("/rss", _feed(base), content_type="application/rss+xml")
    result = probe(base, http_fetch(base, user_agent=UA))
    assert [f.url for f in result.feeds] == [f"{base}/rss"]
    assert local_site.hits.get("/feed") is None  # disallowed: never requested
    assert (f"{base}/feed", "robots_disallowed") in result.tried


def test_nothing_found_falls_back_to_cross_outlet_sources(local_site) -> None:  # type: ignore[no-untyped-def]
    base = local_site.base
    local_site.add("/", '<html lang="ar"><head><title>x</title></head><body>no feeds</body></html>')
    result = probe(base, http_fetch(base, user_agent=UA), max_requests=40)
    assert not result.found
    data = tomllib.loads(config_block(result, "alaalem"))
    sources = data["outlets"]["alaalem"]["sources"]
    assert sources == [
        {"kind": "google_news", "query": "site:127.0.0.1 when:7d", "lang": "ar"},
        {"kind": "gdelt", "query": "domainis:127.0.0.1"},
    ]
    Settings.model_validate({"outlets": data["outlets"]})


def test_request_budget_and_unreachable_site() -> None:
    calls: list[str] = []

    def fetch(url: str):  # type: ignore[no-untyped-def]
        calls.append(url)
        # nothing answers

    result = probe("https://alaalem.com", fetch, max_requests=5)
    assert len(calls) == 5 and not result.found
    assert any(outcome.startswith("skipped") for _, outcome in result.tried)


def test_suggested_article_pattern() -> None:
    host = "www.example.com"
    dated = [f"https://www.example.com/2023/11/0{n}/story-{n}" for n in range(1, 6)]
    assert suggest_article_pattern(dated, host) == r"^https?://(?:www\.)?example\.com/\d{4}/\d{1,2}/"
    sectioned = [f"https://example.com/post/{n}/x" for n in range(5)]
    assert suggest_article_pattern(sectioned, host) == r"^https?://(?:www\.)?example\.com/post/"
    assert suggest_article_pattern(["https://other.org/a/b"], host) is None


def test_probe_command_prints_a_block(local_site) -> None:  # type: ignore[no-untyped-def]
    from crawler.cli.probe import register

    base = local_site.base
    local_site.add("/", _home(base))
    local_site.add("/feed/", _feed(base), content_type="application/rss+xml; charset=utf-8")
    app = typer.Typer()
    register(app)

    @app.command()
    def _unused() -> None:  # a second command makes typer keep `probe` as a sub-command
        pass

    result = CliRunner().invoke(app, ["probe", base, "--name", "example", "--max-requests", "12"])
    assert result.exit_code == 0, result.output
    assert "[outlets.example]" in result.stdout
    data = tomllib.loads(result.stdout)
    assert data["outlets"]["example"]["sources"][0] == {"kind": "rss", "url": f"{base}/feed/"}


def _probe_app() -> typer.Typer:
    from crawler.cli.probe import register

    app = typer.Typer()
    register(app)

    @app.command()
    def _unused() -> None:  # a second command makes typer keep `probe` as a sub-command
        pass

    return app


def test_probe_without_an_answer_exits_non_zero_and_prints_no_block() -> None:
    """Issue 19 item 10: with no network the probe fails visibly instead of printing a made-up block."""
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens, the connection is refused at once
    result = CliRunner().invoke(_probe_app(), ["probe", closed, "--max-requests", "3"])
    assert result.exit_code == 1, result.output
    assert "[outlets." not in result.stdout and "no answer from 127.0.0.1" in result.output


def test_probe_block_has_no_made_up_language(local_site) -> None:  # type: ignore[no-untyped-def]
    base = local_site.base
    local_site.add("/", "<!DOCTYPE html><html><head><title>Example</title></head><body><p>hi</p></body></html>")
    local_site.add("/feed/", _feed(base).replace("<language>ar</language>", ""), content_type="application/rss+xml")
    result = CliRunner().invoke(_probe_app(), ["probe", base, "--name", "plain", "--max-requests", "12"])
    assert result.exit_code == 0, result.output
    assert 'language = "' not in result.stdout and "# language: not declared" in result.stdout
