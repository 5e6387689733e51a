"""Security of the crawl itself: only configured domains, no internal addresses, no secrets in logs.

Real crawls over real sockets. Every address a hostile feed points at is watched, so "refused without any
connection attempt" is observed, not assumed:
- 127.0.0.2 and a second port on 127.0.0.1 run trap servers that count connections;
- every other host (169.254.169.254, 10.0.0.1, news.example.org, ...) is routed through a trap *proxy*
  (`http_proxy` for the crawl process, which Scrapy's HttpProxyMiddleware honours), so any attempt to fetch
  it would show up there. A control outlet that *does* declare news.example.org proves the trap sees fetches.
(The review UI's security is tested with the UI, in crawler/web's tests.)
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_bad_input import (
    FEED_DATE,
    HostileSite,
    collect,
    good_article,
    good_marker,
    rss,
    run_crawl_process,
    write_config,
)

SECRET_DB_PASSWORD = "Pg-Secret-7f3a91"
SECRET_SMTP_PASSWORD = "Smtp-Secret-c0ffee"
SECRET_UI_TOKEN = "Ui-Token-5e5e5e5e"


def _internal_links(site: HostileSite, trap_host2: HostileSite, trap_port2: HostileSite) -> list[tuple[str, str]]:
    return [
        ("Another loopback host", trap_host2.url("/steal")),
        ("Another port on the feed's own host", trap_port2.url("/steal")),
        ("Cloud metadata", "http://169.254.169.254/latest/meta-data/iam/security-credentials/"),
        ("Private network", "http://10.0.0.1/admin"),
        ("IPv6 loopback", f"http://[::1]:{site.port}/sec/good"),
        ("localhost by name", f"http://localhost:{site.port}/sec/good"),
        ("Decimal loopback", f"http://2130706433:{site.port}/sec/good"),
        ("Hex short loopback", f"http://0x7f.1:{site.port}/sec/good"),
    ]


def test_feed_links_cannot_reach_internal_addresses_or_other_domains(tmp_path: Path) -> None:
    with HostileSite() as site, HostileSite("127.0.0.2") as trap_host2, HostileSite() as trap_port2, HostileSite() as proxy:
        for trap in (trap_host2, trap_port2):
            trap.add("/steal", "<html><body><p>internal secret</p></body></html>")
            trap.add("/sitemap.xml", "<urlset/>", content_type="application/xml")
        # The proxy answers anything with an article, so a fetch that slipped through would even be stored.
        proxy.add("/robots.txt", "", content_type="text/plain", status=404)
        for path in ("/story", "/moved", "/control-story", "/sitemap.xml", "/latest/meta-data/iam/security-credentials/", "/admin"):
            proxy.add(f"http://news.example.org{path}", good_article("offsite_" + path.strip("/").replace("/", "_").replace("-", "_")))
            proxy.add(path, good_article("offsite_" + path.strip("/").replace("/", "_").replace("-", "_")))

        internal = _internal_links(site, trap_host2, trap_port2)
        site.add("/sec/good", good_article("sec"))
        site.add("/sec/redirect-internal", status=302, headers={"Location": trap_host2.url("/steal")})
        site.add("/sec/redirect-metadata", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
        site.add("/sec/redirect-offsite", status=302, headers={"Location": "http://news.example.org/moved"})
        items = [(title, link, FEED_DATE) for title, link in internal] + [
            ("Another publisher", "http://news.example.org/story", FEED_DATE),
            ("Redirect to loopback", site.url("/sec/redirect-internal"), FEED_DATE),
            ("Redirect to metadata", site.url("/sec/redirect-metadata"), FEED_DATE),
            ("Redirect to another publisher", site.url("/sec/redirect-offsite"), FEED_DATE),
            ("Good", site.url("/sec/good"), FEED_DATE),
        ]
        site.add("/sec/feed.xml", rss(items), content_type="application/rss+xml")
        # A sitemap index may only lead to the outlet's own sitemaps.
        site.add(
            "/sec/sitemap-index.xml",
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>http://news.example.org/sitemap.xml</loc></sitemap><sitemap><loc>{trap_host2.url('/sitemap.xml')}</loc></sitemap>"
            "</sitemapindex>",
            content_type="application/xml",
        )
        # The control outlet declares news.example.org: the same kind of link IS fetched (through the trap proxy).
        site.add("/control/feed.xml", rss([("Control", "http://news.example.org/control-story", FEED_DATE)]), content_type="application/rss+xml")

        db_url = f"sqlite:///{tmp_path / 'cw.db'}"
        config = write_config(
            tmp_path / "coverwatch.toml",
            db_url,
            {
                "sec": {"sources": [{"kind": "rss", "url": site.url("/sec/feed.xml")}, {"kind": "sitemap", "url": site.url("/sec/sitemap-index.xml")}]},
                "control": {"sources": [{"kind": "rss", "url": site.url("/control/feed.xml")}], "domains": ["127.0.0.1", "news.example.org"]},
            },
        )
        env = {"http_proxy": proxy.base, "HTTP_PROXY": proxy.base, "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"}
        process = run_crawl_process(config, ["sec", "control"], env=env)
        assert process.returncode == 0, process.stderr[-3000:]
        assert "Traceback" not in process.stderr, process.stderr[-3000:]

        sec = collect(db_url, "sec", site)
        control = collect(db_url, "control", site)
        proxied = dict(proxy.hits)

    # Nothing internal was even connected to.
    assert trap_host2.connections == 0, trap_host2.hits
    assert trap_port2.connections == 0, trap_port2.hits
    # The only request that went out to another host is the control outlet's declared one (and its robots.txt).
    assert set(proxied) <= {"http://news.example.org/control-story", "http://news.example.org/robots.txt"}, proxied
    assert proxied.get("http://news.example.org/control-story") == 1, f"the trap proxy saw no control fetch: {proxied}"
    assert control.article("/control-story") is not None

    assert sec.article("/sec/good") is not None and good_marker("sec") in sec.article("/sec/good")["text"]
    stored_urls = " ".join(sec.articles)
    assert "steal" not in stored_urls and "169.254" not in stored_urls and "example.org" not in stored_urls
    refused = {f["url"]: f for f in sec.failures if f["reason"] == "unsafe_url"}
    for title, link in internal:
        assert any(link.split("://", 1)[1].split("/", 1)[0] in url for url in refused), f"{title} ({link}) not refused: {sec.failures}"
    # Redirects are refused before they are followed, and recorded against the article that redirected.
    for path, target in (("/sec/redirect-internal", trap_host2.url("/steal")), ("/sec/redirect-metadata", "http://169.254.169.254/latest/meta-data/")):
        failure = refused.get(site.url(path))
        assert failure is not None and target in failure["detail"], f"redirect to {target} not refused: {sec.failures}"
        assert sec.article(path)["status"] == "lead_only"  # the feed's title and lead are kept
    # A redirect off the outlet's domains and a sitemap index's foreign child are recorded failures; a feed link
    # to another publisher is not this outlet's story: counted by Scrapy's offsite filter, never fetched.
    offsite = {f["url"]: f["detail"] for f in sec.failures if f["reason"] == "offsite"}
    assert "http://news.example.org/sitemap.xml" in offsite, sec.failures
    assert "http://news.example.org/moved" in offsite.get(site.url("/sec/redirect-offsite"), ""), sec.failures
    assert sec.run["stats"].get("offsite/filtered", 0) >= 1
    assert sec.article("/sec/redirect-offsite")["status"] == "lead_only"  # the feed's title and lead are kept
    assert all(f["detail"] for f in sec.failures)


def test_secrets_never_reach_logs_output_or_store(tmp_path: Path, pg_url: str) -> None:
    """A crawl on a password-protected DB URL, SMTP password and UI token in the environment, verbose logging."""
    secret_url = re.sub(r"^postgresql\+psycopg://postgres@", f"postgresql+psycopg://postgres:{SECRET_DB_PASSWORD}@", pg_url)
    assert SECRET_DB_PASSWORD in secret_url  # the test server trusts local connections, so any password works
    env = {
        "COVERWATCH_DB_URL": secret_url,
        "COVERWATCH_SMTP_PASSWORD": SECRET_SMTP_PASSWORD,
        "COVERWATCH_UI_TOKEN": SECRET_UI_TOKEN,
    }
    with HostileSite() as site:
        site.add("/s/good", good_article("secrets"))
        site.add("/s/missing", status=500)
        site.add("/s/feed.xml", rss([("Good", site.url("/s/good"), FEED_DATE), ("Broken", site.url("/s/missing"), FEED_DATE)]),
                 content_type="application/rss+xml")
        config = write_config(tmp_path / "coverwatch.toml", "sqlite:///unused.db", {"secrets": {"sources": [{"kind": "rss", "url": site.url("/s/feed.xml")}]}},
                              extra="[digest.email]\nenabled = false\nusername = \"digest\"\n")
        crawl = run_crawl_process(config, ["secrets"], env=env, verbose=True)
        assert crawl.returncode == 0, crawl.stderr[-3000:]
        stored = collect(secret_url, "secrets", site)
    assert stored.article("/s/good") is not None, "the crawl did not use the database from the environment"

    # The same database, unreachable (a closed port): the error names it, with the password masked.
    import subprocess
    import sys

    from tests.test_bad_input import REPO

    dead_url = re.sub(r"@127\.0\.0\.1:\d+/", "@127.0.0.1:9/", secret_url)
    outputs = [crawl.stdout, crawl.stderr]
    for command, extra_env in (
        (["config", "check"], env),
        (["db", "upgrade"], env),
        (["crawl", "secrets"], {**env, "COVERWATCH_DB_URL": dead_url}),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "crawler.cli", *command, "--config", str(config)],
            cwd=REPO, capture_output=True, text=True, timeout=120, env={**__import__("os").environ, **extra_env},
        )
        outputs += [result.stdout, result.stderr]
        if command[0] == "crawl":
            assert result.returncode == 2 and "storage error" in result.stderr and "***" in result.stderr, result.stderr
    for text in outputs:
        for secret in (SECRET_DB_PASSWORD, SECRET_SMTP_PASSWORD, SECRET_UI_TOKEN):
            assert secret not in text, f"secret leaked into output: ...{text[max(0, text.find(secret) - 200):text.find(secret) + 50]}..."
    # Nor into the database (failures, run stats).
    from sqlalchemy import text as sql

    from storage.db import make_engine

    engine = make_engine(secret_url)
    with engine.connect() as connection:
        dumped = " ".join(
            str(row)
            for table in ("failures", "crawl_runs", "sources")
            for row in connection.execute(sql(f"SELECT * FROM {table}"))
        )
    engine.dispose()
    for secret in (SECRET_DB_PASSWORD, SECRET_SMTP_PASSWORD, SECRET_UI_TOKEN):
        assert secret not in dumped
