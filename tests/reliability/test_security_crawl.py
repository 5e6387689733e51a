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

import socket
from pathlib import Path

import pytest
from sqlalchemy import text as sql
from sqlalchemy.engine import make_url

from storage.db import make_engine
from tests.reliability.test_bad_input import (
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


def _name_resolving_inside() -> str | None:
    """This machine's host name when it resolves to an internal address (it does in containers and most hosts)."""
    from crawler.fetch.resolver import is_internal
    from crawler.dedup.urls import is_safe_public_url

    name = socket.gethostname().lower()
    try:
        address = socket.gethostbyname(name)
    except OSError:
        return None
    return name if is_internal(address) and is_safe_public_url(f"http://{name}/")[0] else None


def test_feed_links_cannot_reach_internal_addresses_or_other_domains(tmp_path: Path) -> None:
    rebinding_name = _name_resolving_inside()
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
        # A *name* on the outlet's own domains that resolves inside (DNS rebinding): refused by the resolver.
        rebinding = [("A name resolving inside", f"http://{rebinding_name}:{trap_port2.port}/rebound")] if rebinding_name else []
        site.add("/sec/good", good_article("sec"))
        site.add("/sec/redirect-internal", status=302, headers={"Location": trap_host2.url("/steal")})
        site.add("/sec/redirect-metadata", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
        site.add("/sec/redirect-offsite", status=302, headers={"Location": "http://news.example.org/moved"})
        items = [(title, link, FEED_DATE) for title, link in internal + rebinding] + [
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
                "sec": {
                    "sources": [{"kind": "rss", "url": site.url("/sec/feed.xml")}, {"kind": "sitemap", "url": site.url("/sec/sitemap-index.xml")}],
                    "domains": ["127.0.0.1", *([rebinding_name] if rebinding_name else [])],
                },
                "control": {"sources": [{"kind": "rss", "url": site.url("/control/feed.xml")}], "domains": ["127.0.0.1", "news.example.org"]},
            },
        )
        direct = ",".join(["127.0.0.1", *([rebinding_name] if rebinding_name else [])])  # resolved by the crawler itself
        env = {"http_proxy": proxy.base, "HTTP_PROXY": proxy.base, "no_proxy": direct, "NO_PROXY": direct}
        process = run_crawl_process(config, ["sec", "control"], env=env)
        # (Scrapy logs a refused robots.txt download with its traceback; the run itself must not fail.)
        assert process.returncode == 0, process.stderr[-3000:]

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
    if rebinding_name:
        rebound = [f for f in sec.failures if "/rebound" in f["url"]]
        assert rebound and rebound[0]["reason"] == "unsafe_url" and "internal address" in rebound[0]["detail"], sec.failures
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
    assert not sec.run["stats"].get("spider_exceptions/count") and sec.run["outcome"] == "partial"


def test_secrets_never_reach_logs_output_or_store(tmp_path: Path, pg_url: str) -> None:
    """A crawl on a password-protected DB URL, SMTP password and UI token in the environment, verbose logging."""
    url = make_url(pg_url)
    if url.password:
        pytest.skip("the test PostgreSQL needs its own password; this test relies on trust authentication")
    # The test server trusts local connections, so any password works: the crawl really runs on this URL.
    secret_url = url.set(password=SECRET_DB_PASSWORD).render_as_string(hide_password=False)
    dead_url = url.set(password=SECRET_DB_PASSWORD, port=9).render_as_string(hide_password=False)  # nothing listens on 9
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
    # (In-process: both end before Scrapy starts. CliRunner sets the environment for the call.)
    from typer.testing import CliRunner

    from crawler.cli.app import app

    outputs = [crawl.stdout, crawl.stderr]
    for command, extra_env in (
        (["db", "upgrade"], env),  # prints the database URL it upgraded
        (["crawl", "secrets"], {**env, "COVERWATCH_DB_URL": dead_url}),
    ):
        result = CliRunner().invoke(app, [*command, "--config", str(config)], env=extra_env)
        outputs += [result.stdout, result.stderr, repr(result.exception)]
        if command[0] == "crawl":
            assert result.exit_code == 2 and "storage error" in result.stderr and "***" in result.stderr, result.stderr
        else:
            assert result.exit_code == 0 and "***" in result.stdout, result.output
    for text in outputs:
        for secret in (SECRET_DB_PASSWORD, SECRET_SMTP_PASSWORD, SECRET_UI_TOKEN):
            assert secret not in text, f"secret leaked into output: ...{text[max(0, text.find(secret) - 200):text.find(secret) + 50]}..."
    # Nor into the database (failures, run stats).
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


def test_resolver_refuses_internal_answers_for_names_no_source_names() -> None:
    """Unit level (no DNS needed): the answer check behind the DNS rebinding guard."""
    from twisted.internet.error import DNSLookupError

    from crawler.fetch.resolver import GuardedResolver, refusal_for

    resolver = GuardedResolver(reactor=object(), cache_size=0, timeout=5.0)  # type: ignore[arg-type]
    resolver.explicit_hosts = frozenset({"intranet-feed.example"})
    for name, address in (("metadata.outlet.example", "169.254.169.254"), ("cdn.outlet.example", "10.0.0.5"),
                          ("v6.outlet.example", "::1"), ("mapped.outlet.example", "::ffff:127.0.0.1")):
        try:
            resolver._check(address, name)
        except DNSLookupError:
            assert refusal_for(name) and address in refusal_for(name)
        else:
            raise AssertionError(f"{name} -> {address} was allowed")
    assert resolver._check("93.184.216.34", "www.outlet.example") == "93.184.216.34"  # public answers pass
    assert resolver._check("10.0.0.7", "intranet-feed.example") == "10.0.0.7"  # a source names it: the operator's choice
    assert resolver._check("127.0.0.1", "127.0.0.1") == "127.0.0.1"  # literals are judged by the URL checks
