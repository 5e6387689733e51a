"""`coverwatch check --live` against the local HTTP site: a healthy outlet, one behind a bot wall (a real captured
challenge page) and a dead one (a closed port). Runs the real CLI in a subprocess, as an operator would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.localsite import LocalSite, free_port

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REPO = Path(__file__).resolve().parents[2]
ARTICLE = FIXTURES / "outlets/ynetnews/article_byv0vcw55.html"  # a real ynetnews page with a JSON-LD date
CHALLENGE = FIXTURES / "listings/he_israelhayom_antibot_challenge.html"  # a real Reblaze interstitial


def _feed(base: str, paths: list[str]) -> str:
    items = "".join(f"<item><title>Story {i}</title><link>{base}{path}</link></item>" for i, path in enumerate(paths))
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'


def _site(site: LocalSite) -> None:
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    site.add("/healthy/feed.xml", _feed(site.base, ["/healthy/articles/1", "/healthy/articles/2", "/healthy/articles/3"]),
             content_type="application/rss+xml")
    for number in (1, 2, 3):
        site.add(f"/healthy/articles/{number}", ARTICLE.read_bytes())
    site.add("/healthy/sitemap.xml", "<html><body>not a sitemap</body></html>", status=404)
    site.add("/walled/feed.xml", CHALLENGE.read_bytes(), status=403)


def _config(tmp_path: Path, base: str, dead_port: int) -> Path:
    config = tmp_path / "coverwatch.toml"
    config.write_text(
        f"""
[storage]
url = "sqlite:///{tmp_path / 'production.db'}"
[crawl]
download_delay = 0
autothrottle_start_delay = 0
[outlets.healthy]
language = "en"
article_url_pattern = '/healthy/articles/\\d+'
sources = [{{kind = "rss", url = "{base}/healthy/feed.xml"}}, {{kind = "sitemap", url = "{base}/healthy/sitemap.xml"}}]
[outlets.walled]
sources = [{{kind = "rss", url = "{base}/walled/feed.xml"}}]
[outlets.dead]
sources = [{{kind = "rss", url = "http://127.0.0.1:{dead_port}/feed.xml"}}]
""",
        encoding="utf-8",
    )
    return config


def _check(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", "check", "--live", *args, "--config", str(config)],
        capture_output=True, text=True, cwd=REPO, timeout=300,
    )


def test_check_live_tells_healthy_blocked_and_dead_outlets_apart(tmp_path: Path, local_site: LocalSite) -> None:
    _site(local_site)
    config = _config(tmp_path, local_site.base, free_port())

    result = _check(config, "healthy", "walled", "dead", "--json")
    assert result.returncode == 1, result.stderr[-3000:]  # enabled outlets yield nothing
    checks = {record["outlet"]: record for record in map(json.loads, result.stdout.splitlines())}

    healthy = checks["healthy"]
    assert healthy["verdict"] == "partial"  # its sitemap route is broken, its feed is fine
    feed, sitemap = healthy["routes"]
    assert (feed["route"], feed["status"], feed["leads"], feed["problems"]) == ("rss", 200, 3, [])
    assert sitemap["status"] == 404 and sitemap["leads"] == 0 and sitemap["problems"] == ["http_404"]
    assert healthy["article"] == "extracted" and healthy["dated"] is True and healthy["blocked_by"] == []
    # One article, once; each route once (no retries): polite on a first contact.
    assert [local_site.hits[f"/healthy/articles/{n}"] for n in (1, 2, 3)].count(1) == 1
    assert sum(local_site.hits[f"/healthy/articles/{n}"] for n in (1, 2, 3)) == 1
    assert local_site.hits["/healthy/feed.xml"] == 1 and local_site.hits["/healthy/sitemap.xml"] == 1
    assert all("coverwatch/" in headers.get("User-Agent", "") for _, path, headers in local_site.request_log if path != "/robots.txt")

    walled = checks["walled"]
    assert walled["verdict"] == "NOTHING" and walled["blocked_by"] == ["blocked:reblaze"]
    assert walled["routes"][0]["status"] == 403 and walled["routes"][0]["problems"] == ["blocked:reblaze"]
    assert local_site.hits["/walled/feed.xml"] == 1  # a refusal is not retried

    dead = checks["dead"]
    assert dead["verdict"] == "NOTHING" and dead["routes"][0]["status"] is None
    assert dead["routes"][0]["problems"] == ["connection_refused"] and dead["article"] == "none found"

    # The configured database is never touched by a check.
    assert not (tmp_path / "production.db").exists()


def test_check_live_prints_a_table_and_exits_0_when_every_outlet_yields(tmp_path: Path, local_site: LocalSite) -> None:
    _site(local_site)
    config = _config(tmp_path, local_site.base, free_port())
    result = _check(config, "healthy")
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    row = next(line for line in lines if "healthy" in line and "rss" in line)
    for cell in ("yes (200)", " 3 ", "extracted", "yes", "partial"):
        assert cell in row, row
    assert any("sitemap" in line and "no (http_404)" in line for line in lines), result.stdout


def test_check_without_live_says_what_to_do(tmp_path: Path) -> None:
    config = tmp_path / "coverwatch.toml"
    config.write_text("", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "check", "--config", str(config)], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert result.returncode == 2 and "give --live" in result.stderr
