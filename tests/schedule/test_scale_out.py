"""Scale-out over Scrapyd, with real processes on loopback: two Scrapyd nodes started here, the project deployed
to both with addversion.json, the real PostgreSQL (a fresh database per test, which also holds the shared
near-dup index), and a local HTTP site whose outlets serve real article texts. Nothing is mocked.

- the dispatcher spreads crawls over both nodes and every article is stored exactly once;
- a node SIGKILLed mid-crawl: its job is detected as lost and rerun on the other node once its lease lapses,
  with nothing lost or duplicated;
- a node down at dispatch time: the crawl goes to the other node.

bench/scale_out.py reuses the helpers at the top of this module (nodes, site, config).
"""

from __future__ import annotations

import html
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest

from tests.localsite import free_port
from tests.scheduler_site import article_page

REPO = Path(__file__).resolve().parents[2]
TEXTS = Path(__file__).parent.parent / "fixtures" / "scale_out"
# Languages of the fixture texts, which each page declares as the real outlets do.
_LANG = {"001": "he", "002": "ar", "003": "ar", "004": "ar"}
# Lines per article piece: a few paragraphs, enough for a real extraction.
LINES_PER_PIECE = 3
# Shorter pieces are the reference lists at the end of the Wikipedia text: alike, and hardly articles.
MIN_PIECE_CHARS = 500


# --- helpers (bench/scale_out.py uses them too) ---------------------------------------------------------------


def article_pieces() -> list[tuple[str, str, list[str]]]:
    """(language, title, paragraphs): the fixture texts cut into pieces of LINES_PER_PIECE whole lines (16 pieces)."""
    pieces = []
    for path in sorted(TEXTS.glob("*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) > 40]
        for start in range(0, len(lines) - LINES_PER_PIECE + 1, LINES_PER_PIECE):
            chunk = lines[start : start + LINES_PER_PIECE]
            if sum(map(len, chunk)) >= MIN_PIECE_CHARS:
                pieces.append((_LANG[path.name[:3]], chunk[0][:120], chunk))
    return pieces


def publish(site, name: str, pieces: list[tuple[str, str, list[str]]], *, delay: float = 0.0) -> list[str]:  # type: ignore[no-untyped-def]
    """Serve /<name>/feed.xml listing one article page per piece; returns the article URLs."""
    now = datetime.now(timezone.utc)
    items = []
    for index, (language, title, paragraphs) in enumerate(pieces):
        published = now - timedelta(hours=index + 1)
        path = f"/{name}/articles/{index}"
        headline = f"{title} ({name} {index})"
        site.add(path, article_page(headline, paragraphs, language, published), delay=delay)
        items.append(
            f"<item><title>{html.escape(headline)}</title><link>{site.base}{path}</link>"
            f"<pubDate>{format_datetime(published)}</pubDate></item>"
        )
    feed = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}</title>{"".join(items)}</channel></rss>'
    site.add(f"/{name}/feed.xml", feed, content_type="application/rss+xml; charset=utf-8")
    if "/robots.txt" not in site.routes:
        site.add("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
    return [site.base + f"/{name}/articles/{index}" for index in range(len(pieces))]


def write_config(path: Path, db_url: str, feeds: dict[str, str], nodes: list[str], *,
                 per_domain: int = 2, download_delay: float = 0.0) -> Path:
    """coverwatch.toml for nodes and dispatcher: one config-only outlet per feed URL, dispatch = scrapyd."""
    outlets = "".join(
        f"""
[outlets.{name}]
title = "Local {name}"
article_url_pattern = '/{name}/articles/\\d+'
sources = [{{kind = "rss", url = "{url}"}}]
"""
        for name, url in feeds.items()
    )
    node_list = ", ".join(f'"{node}"' for node in nodes)
    path.write_text(
        f"""
[storage]
url = "{db_url}"
[crawl]
download_delay = {download_delay}
autothrottle_start_delay = 0
retry_times = 0
download_timeout = 15
concurrent_requests_per_domain = {per_domain}
[schedule]
dispatch = "scrapyd"
scrapyd_nodes = [{node_list}]
crawl_timeout_minutes = 5
{outlets}""",
        encoding="utf-8",
    )
    return path


@dataclass
class NodeProcess:
    """One Scrapyd node: `python -m scrapyd` in its own directory and process group, on 127.0.0.1:port."""

    root: Path
    port: int
    max_proc: int
    config: Path  # the coverwatch.toml its jobs read ($COVERWATCH_CONFIG)
    poll_interval: float = 0.2
    cpu: int | None = None  # pin the node and its crawl processes to this core (taskset): one node, one machine's CPU
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def name(self) -> str:
        return f"127.0.0.1:{self.port}"

    def spec(self, max_proc: int | None = None) -> str:
        return f"{self.url}#max_proc={max_proc or self.max_proc}"

    def start(self) -> NodeProcess:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "scrapyd.conf").write_text(
            f"""[scrapyd]
bind_address = 127.0.0.1
http_port = {self.port}
max_proc = {self.max_proc}
poll_interval = {self.poll_interval}
eggs_dir = {self.root / 'eggs'}
logs_dir = {self.root / 'logs'}
dbs_dir = {self.root / 'dbs'}
items_dir =
jobs_to_keep = 20
finished_to_keep = 100
""",
            encoding="utf-8",
        )
        env = {**os.environ, "COVERWATCH_CONFIG": str(self.config), "PYTHONPATH": str(REPO)}
        env.pop("SCRAPY_SETTINGS_MODULE", None)
        output = (self.root / "scrapyd.out").open("ab")
        # Own process group: SIGKILL to the group takes the node and its running crawls down at once.
        command = [sys.executable, "-m", "scrapyd", "--pidfile", str(self.root / "twistd.pid")]
        if self.cpu is not None:  # children (the crawls) inherit the affinity
            command = ["taskset", "-c", str(self.cpu), *command]
        self.process = subprocess.Popen(
            command,
            cwd=self.root, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
        output.close()
        return self

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        from crawler.schedule.scrapyd.client import NodeUnreachable, ScrapydClient, parse_node

        client = ScrapydClient(parse_node(self.url), timeout_s=2.0)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                client.daemonstatus()
                return
            except NodeUnreachable:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(f"scrapyd on {self.name} exited: {self.log_tail()}") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"scrapyd on {self.name} not ready: {self.log_tail()}") from None
                time.sleep(0.2)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the node's process group: Scrapyd and every crawl it runs, no chance to clean up."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, chars: int = 3000) -> str:
        parts = []
        out = self.root / "scrapyd.out"
        if out.exists():
            parts.append(out.read_text(errors="replace")[-chars:])
        for log in sorted((self.root / "logs").rglob("*.log"), key=lambda p: p.stat().st_mtime)[-2:]:
            parts.append(f"--- {log.name}\n" + log.read_text(errors="replace")[-chars:])
        return "\n".join(parts)


def start_nodes(
    root: Path, config: Path, count: int, max_proc: int, poll_interval: float = 0.2, cpus: list[int] | None = None
) -> list[NodeProcess]:
    nodes = [
        NodeProcess(root / f"node{i + 1}", free_port(), max_proc, config, poll_interval, cpus[i] if cpus else None).start()
        for i in range(count)
    ]
    for node in nodes:
        node.wait_ready()
    return nodes


def deploy_all(nodes: list[NodeProcess]) -> None:
    from crawler.schedule.scrapyd.deploy import deploy

    with ThreadPoolExecutor(len(nodes)) as pool:
        results = list(pool.map(lambda node: deploy([node.url], version="1")[0], nodes))
    failed = [result for result in results if not result.ok]
    assert not failed, failed


# --- fixtures -----------------------------------------------------------------------------------------------


@dataclass
class Cluster:
    root: Path
    config: Path
    nodes: list[NodeProcess]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("scale_out")
    config = root / "coverwatch.toml"
    # Placeholder until a test writes its own: addversion.json runs `scrapy list`, which loads the config.
    write_config(config, f"sqlite:///{root / 'placeholder.db'}", {}, [])
    nodes = start_nodes(root, config, count=2, max_proc=2)
    try:
        deploy_all(nodes)
        yield Cluster(root, config, nodes)
    finally:
        for node in nodes:
            node.stop()


@pytest.fixture
def pool(cluster: Cluster) -> Cluster:
    """Both nodes up (a test before may have killed one: its eggs and queue are on disk, it comes back as it was)."""
    restarted = [node.start() for node in cluster.nodes if not node.alive()]
    for node in restarted:
        node.wait_ready()
    return cluster


def _dispatcher(config: Path, **overrides):  # type: ignore[no-untyped-def]
    from crawler.config import load_settings
    from crawler.schedule.scrapyd.dispatcher import ScrapydDispatcher
    from crawler.fetch.runner import open_store

    settings = load_settings(config)
    engine, sessions = open_store(settings)  # migrates the fresh database before any job starts
    options = {
        "poll_s": 0.3,
        "lost_after_s": 2.0,
        "grace_s": 10.0,
        # A short lease (renewed every second) so a dead node's lease lapses within the test's patience.
        "job_settings": {"COVERWATCH_LEASE_TTL_S": "5", "COVERWATCH_LEASE_RENEW_S": "1"},
        **overrides,
    }
    return ScrapydDispatcher(settings, timeout_s=120, sessions=sessions, **options), sessions, engine


def _stored(sessions):  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from storage.models import Article, ArticleVersion

    with sessions() as session:
        urls = list(session.scalars(select(Article.url)))
        versions = dict(session.execute(select(ArticleVersion.article_id, func.count()).group_by(ArticleVersion.article_id)).all())
    return urls, versions


def _logs(cluster: Cluster) -> str:
    return "\n".join(f"=== {node.name}\n{node.log_tail(1500)}" for node in cluster.nodes)


# --- tests --------------------------------------------------------------------------------------------------


def test_crawls_spread_over_both_nodes_and_every_article_is_stored_once(pool: Cluster, pg_url: str, local_site) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from crawler.dedup.index import NearDupIndex
    from crawler.schedule.scrapyd.client import ScrapydClient, parse_node
    from crawler.schedule.scrapyd.jobs import job_state
    from storage.near_dups import BandTable
    from storage.models import Article, CrawlRun, Failure, SourceLock

    pieces = article_pieces()
    names = ["spread_a", "spread_b", "spread_c", "spread_d"]
    expected: list[str] = []
    feeds = {}
    for number, name in enumerate(names):
        expected += publish(local_site, name, pieces[number * 3 : number * 3 + 3])
        feeds[name] = f"{local_site.base}/{name}/feed.xml"
    write_config(pool.config, pg_url, feeds, [node.spec() for node in pool.nodes])
    dispatcher, sessions, engine = _dispatcher(pool.config)

    with ThreadPoolExecutor(len(names)) as executor:  # as the daemon does with max_parallel_crawls
        results = dict(zip(names, executor.map(dispatcher.crawl, names)))

    assert {name: result.status for name, result in results.items()} == dict.fromkeys(names, "ok"), _logs(pool)
    placed = {name: dispatcher.attempts[name] for name in names}
    assert all(len(attempts) == 1 for attempts in placed.values()), placed
    assert {attempts[0].node for attempts in placed.values()} == {node.name for node in pool.nodes}, placed
    for node in pool.nodes:  # Scrapyd's own records agree: each node ran the jobs placed on it
        listing = ScrapydClient(parse_node(node.url)).listjobs()
        for attempts in placed.values():
            if attempts[0].node == node.name:
                assert job_state(listing, attempts[0].job or "")[0] == "finished"

    urls, versions = _stored(sessions)
    assert sorted(urls) == sorted(expected)  # every article, each exactly once
    assert set(versions.values()) == {1}
    for url in expected:
        assert local_site.hits[url.removeprefix(local_site.base)] == 1, url
    with sessions() as session:
        runs = {run.source: run for run in session.scalars(select(CrawlRun))}
        assert set(runs) == set(names)
        for name, run in runs.items():
            assert run.outcome == "finished", (name, run.outcome, run.failures_by_reason)
            assert run.stats.get("scrapyd/job") == placed[name][0].job  # the job's own run row
            assert run.new_articles == 3
        assert not list(session.scalars(select(Failure)))
        assert not list(session.scalars(select(SourceLock)))  # every lease released
        # One near-dup index, written by processes on both nodes: it holds every original full article.
        originals = [a for a in session.scalars(select(Article)) if a.signature is not None and a.duplicate_of_id is None]
        index = NearDupIndex(store=BandTable(session))
        assert len(originals) == len(expected) and len(index) == len(originals)
    engine.dispose()


def test_node_killed_mid_crawl_is_detected_and_its_crawl_rerun_elsewhere(pool: Cluster, pg_url: str, local_site) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from crawler.schedule.scrapyd.client import ScrapydClient, parse_node
    from crawler.schedule.scrapyd.jobs import job_state
    from storage.models import Article, CrawlRun, Failure, SourceLock

    pieces = article_pieces()[:8]
    # Slow pages, one at a time: the crawl takes several seconds, so it can be killed halfway.
    expected = publish(local_site, "killed", pieces, delay=0.7)
    write_config(pool.config, pg_url, {"killed": f"{local_site.base}/killed/feed.xml"}, [node.spec() for node in pool.nodes], per_domain=1)
    dispatcher, sessions, engine = _dispatcher(pool.config)

    with ThreadPoolExecutor(1) as executor:
        future = executor.submit(dispatcher.crawl, "killed")
        victim = None
        deadline = time.monotonic() + 90
        while victim is None and time.monotonic() < deadline and not future.done():
            with sessions() as session:
                stored = session.scalar(select(func.count()).select_from(Article)) or 0
            if 2 <= stored < len(expected):
                for node in pool.nodes:
                    listing = ScrapydClient(parse_node(node.url)).listjobs()
                    if listing["running"]:
                        victim = node
            time.sleep(0.1)
        assert victim is not None, "the crawl never got halfway: " + _logs(pool)
        victim.kill()
        result = future.result(timeout=120)

    survivor = next(node for node in pool.nodes if node is not victim)
    attempts = dispatcher.attempts["killed"]
    assert result.status == "ok", (result, _logs(pool))
    assert [(a.node, a.state) for a in attempts] == [(victim.name, "lost"), (survivor.name, "finished")], attempts
    assert "unreachable" in attempts[0].detail

    urls, versions = _stored(sessions)
    assert sorted(urls) == sorted(expected)  # nothing lost, nothing twice
    assert set(versions.values()) == {1}
    with sessions() as session:
        runs = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
        assert [run.outcome for run in runs] == ["interrupted", "finished"], [(r.outcome, r.finish_reason) for r in runs]
        assert runs[0].stats.get("scrapyd/job") == attempts[0].job and runs[1].stats.get("scrapyd/job") == attempts[1].job
        # What the killed run stored stays; the rerun stores only the rest (the dead run never wrote its counts).
        before = session.scalar(select(func.count()).select_from(Article).where(Article.first_seen < runs[1].started_at)) or 0
        assert before >= 2 and runs[1].new_articles == len(expected) - before
        lost = list(session.scalars(select(Failure).where(Failure.reason == "crawl_lost")))
        assert len(lost) == 1 and lost[0].run_id == runs[0].id and attempts[0].job in lost[0].detail
        assert not list(session.scalars(select(SourceLock)))
    # The survivor's own records: the rerun ran there.
    assert job_state(ScrapydClient(parse_node(survivor.url)).listjobs(), attempts[1].job or "")[0] == "finished"
    engine.dispose()


def test_node_down_at_dispatch_time_sends_the_crawl_to_the_other(pool: Cluster, pg_url: str, local_site) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from storage.models import CrawlRun, Failure

    down, up = pool.nodes
    expected = publish(local_site, "fallback", article_pieces()[12:15])
    # The down node advertises far more slots: only its being down can send the crawl elsewhere.
    specs = [down.spec(max_proc=16), up.spec()]
    write_config(pool.config, pg_url, {"fallback": f"{local_site.base}/fallback/feed.xml"}, specs)
    down.kill()
    dispatcher, sessions, engine = _dispatcher(pool.config)

    result = dispatcher.crawl("fallback")

    assert result.status == "ok", (result, _logs(pool))
    assert [(a.node, a.state) for a in dispatcher.attempts["fallback"]] == [(up.name, "finished")]
    urls, versions = _stored(sessions)
    assert sorted(urls) == sorted(expected) and set(versions.values()) == {1}
    with sessions() as session:
        assert [run.outcome for run in session.scalars(select(CrawlRun))] == ["finished"]
        assert not list(session.scalars(select(Failure)))
    engine.dispose()


def test_a_crawl_past_its_timeout_is_cancelled_gracefully(pool: Cluster, pg_url: str, local_site) -> None:  # type: ignore[no-untyped-def]
    """Independent of machine load (issue 19): the timeout passes once the crawl is observably under way, not
    after a guess of how long a loaded machine needs to start one, and the grace period is ample, so a forced
    KILL can only mean the crawl ignored Scrapy's graceful stop."""
    from sqlalchemy import select

    from crawler.schedule.scrapyd.client import ScrapydClient, parse_node
    from crawler.schedule.scrapyd.jobs import job_state
    from storage.models import CrawlRun, SourceLock

    # Slow pages: the crawl is still fetching when its timeout passes.
    pages = publish(local_site, "too_slow", article_pieces(), delay=2.0)
    write_config(pool.config, pg_url, {"too_slow": f"{local_site.base}/too_slow/feed.xml"}, [node.spec() for node in pool.nodes], per_domain=1)
    dispatcher, sessions, engine = _dispatcher(pool.config, grace_s=180.0)
    dispatcher.timeout_s = 3600.0  # passes only when the crawl is under way (below)

    def under_way() -> bool:
        """The crawl opened its run (Scrapy's shutdown handlers are installed) and requests article pages."""
        fetching = any(local_site.hits[url.removeprefix(local_site.base)] for url in pages)
        with sessions() as session:
            return fetching and session.scalars(select(CrawlRun).where(CrawlRun.outcome == "running")).first() is not None

    with ThreadPoolExecutor(1) as executor:
        future = executor.submit(dispatcher.crawl, "too_slow")
        patience = time.monotonic() + 300  # a bound on waiting, not a speed assertion
        while not under_way() and not future.done() and time.monotonic() < patience:
            time.sleep(0.1)
        assert under_way(), "the crawl never got under way: " + _logs(pool)
        dispatcher.timeout_s = 0.0  # the crawl is now past its timeout
        result = future.result(timeout=600)

    attempt = dispatcher.attempts["too_slow"][-1]
    assert result.status == "timeout" and attempt.state == "timeout" and not result.forced, (result, _logs(pool))
    node = next(node for node in pool.nodes if node.name == attempt.node)
    assert job_state(ScrapydClient(parse_node(node.url)).listjobs(), attempt.job or "")[0] == "finished"  # cancel.json stopped it
    with sessions() as session:
        run = session.scalars(select(CrawlRun)).one()
        assert (run.outcome, run.finish_reason) == ("interrupted", "shutdown")  # TERM: Scrapy's graceful stop
        assert not list(session.scalars(select(SourceLock)))
    engine.dispose()


def test_every_node_down_is_a_recorded_dispatch_failure(tmp_path: Path, pg_url: str) -> None:
    from sqlalchemy import select

    from storage.models import Failure

    config = write_config(tmp_path / "coverwatch.toml", pg_url, {}, [f"http://127.0.0.1:{free_port()}"])
    dispatcher, sessions, engine = _dispatcher(config)

    result = dispatcher.crawl("anything")

    assert result.status == "error" and "no Scrapyd node accepted" in result.output_tail
    with sessions() as session:
        failure = session.scalars(select(Failure)).one()
        assert failure.source == "anything" and failure.reason == "dispatch_failed" and "127.0.0.1" in failure.detail
    engine.dispose()


def test_spider_loader_binds_each_outlet_and_accepts_scrapyd_arguments(tmp_path: Path) -> None:
    """The project's spiders: one per outlet, bound to its declaration, taking Scrapyd's _job and other -a args."""
    from scrapy.crawler import Crawler

    from crawler.config import load_settings
    from crawler.fetch.settings import scrapy_settings
    from crawler.schedule.scrapyd.project.loader import OutletSpiderLoader

    config = write_config(tmp_path / "coverwatch.toml", f"sqlite:///{tmp_path / 'x.db'}", {"solo": "http://127.0.0.1:9/feed.xml"}, [])
    settings = load_settings(config)
    loader = OutletSpiderLoader(settings)
    assert "solo" in loader.list() and "ynet" in loader.list()
    spider_class = loader.load("solo")
    crawler = Crawler(spider_class, scrapy_settings(settings))
    spider = spider_class.from_crawler(crawler, _job="job-1", outlet="ignored", extra="x")
    assert spider.name == "solo" and spider.outlet.name == "solo" and spider.outlet.sources[0].url.endswith("/feed.xml")
    assert spider._job == "job-1" and spider.extra == "x"
    with pytest.raises(KeyError):
        loader.load("no_such_outlet")


def test_the_scheduler_daemon_dispatches_through_scrapyd(pool: Cluster, pg_url: str, local_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The Dispatcher seam: the APScheduler daemon's crawl job runs unchanged on a ScrapydDispatcher."""
    import json

    from crawler.schedule import daemon as scheduler
    from crawler.config import load_settings

    expected = publish(local_site, "daemon_run", article_pieces()[4:6])
    write_config(pool.config, pg_url, {"daemon_run": f"{local_site.base}/daemon_run/feed.xml"}, [node.spec() for node in pool.nodes])
    dispatcher, sessions, engine = _dispatcher(pool.config)
    events = tmp_path / "events.jsonl"
    daemon = scheduler.Daemon(load_settings(pool.config), scheduler.DaemonOptions(events_path=events, heartbeat_path=None),
                              dispatcher=dispatcher)

    daemon.crawl_job("daemon_run")

    finished = [json.loads(line) for line in events.read_text(encoding="utf-8").splitlines() if '"finished"' in line]
    assert [event["status"] for event in finished] == ["ok"], (finished, _logs(pool))
    urls, _ = _stored(sessions)
    assert sorted(urls) == sorted(expected)
    daemon.engine.dispose()
    engine.dispose()


def test_cli_shows_node_load_and_deploys(pool: Cluster) -> None:
    import json

    import typer
    from typer.testing import CliRunner

    from crawler.cli.scrapyd import register

    app = typer.Typer()
    register(app)
    runner = CliRunner()
    down = f"http://127.0.0.1:{free_port()}"

    status = runner.invoke(app, ["scrapyd", "status", pool.nodes[0].spec(), down, "--json"])
    rows = json.loads(status.stdout)
    assert status.exit_code == 1  # one node is down
    assert rows[0]["up"] and rows[0]["max_proc"] == pool.nodes[0].max_proc and "free" in rows[0]
    assert not rows[1]["up"] and "refused" in rows[1]["error"].lower()

    deployed = runner.invoke(app, ["scrapyd", "deploy", pool.nodes[0].url])
    assert deployed.exit_code == 0, deployed.stdout
    assert pool.nodes[0].name in deployed.stdout and "ok" in deployed.stdout


def test_distributed_compose_override_and_node_config_are_valid() -> None:
    """No Docker engine here: parse the override and the shipped scrapyd.conf and check what the docs promise."""
    import configparser

    import yaml

    from crawler.schedule.scrapyd.client import DEFAULT_MAX_PROC

    compose = yaml.safe_load((REPO / "docker-compose.distributed.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    nodes = [name for name in services if name.startswith("scrapyd-") and name != "scrapyd-deploy"]
    assert len(nodes) >= 2 and "scheduler" in services
    for name in [*nodes, "scrapyd-deploy"]:
        assert services[name]["profiles"] == ["distributed"], name
    for name in nodes:
        check = services[name]["healthcheck"]
        assert check["test"][0] in ("CMD", "CMD-SHELL") and {"interval", "timeout", "retries"} <= set(check)
    for name in nodes:
        node = services[name]
        assert node["image"] == "coverwatch:latest" and node["build"] == "." and node["command"] == ["scrapyd"]
        assert "./deploy/scrapyd.conf:/etc/scrapyd/scrapyd.conf:ro" in node["volumes"]
        assert "ports" not in node  # the API runs deployed code: never published
        assert "${POSTGRES_PASSWORD" in node["environment"]["COVERWATCH_DB_URL"]
        assert any(volume.startswith(f"{name}-data:") for volume in node["volumes"]) and f"{name}-data" in compose["volumes"]
    assert services["scheduler"]["depends_on"]["scrapyd-deploy"]["condition"] == "service_completed_successfully"

    config = configparser.ConfigParser()
    config.read(REPO / "deploy" / "scrapyd.conf")
    assert config["scrapyd"]["bind_address"] == "0.0.0.0" and config["scrapyd"]["http_port"] == "6800"
    assert int(config["scrapyd"]["max_proc"]) == DEFAULT_MAX_PROC  # the dispatcher's assumption without #max_proc
    assert config["scrapyd"]["items_dir"] == ""


@pytest.mark.skipif(not {0, 1} <= os.sched_getaffinity(0), reason="bench/scale_out.py pins its nodes to cores 0 and 1")
def test_the_scale_out_bench_runs_on_these_helpers() -> None:
    """bench/scale_out.py builds on the helpers above: a change to them must not leave it broken (it once was).
    The smallest crawl set, one round; the figures it prints are the bench's business, not this test's."""
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "scale_out.py"), "--outlets", "2", "--articles", "2", "--rounds", "1"],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "articles stored per phase: [4]" in done.stdout and "speed-up with two nodes per round" in done.stdout
