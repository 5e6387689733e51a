"""One Scrapyd node vs two, each node pinned to its own CPU core: wall time and articles per second for the same
CPU-bound crawl set.

Real processes on loopback, as in tests/schedule/test_scale_out.py (whose helpers this reuses): two Scrapyd nodes,
node 1 pinned to core 0 and node 2 to core 1 (`taskset -c`; the crawl processes a node starts inherit its
core), the same max_proc slots on each, the project deployed with addversion.json, the real PostgreSQL (a fresh
database per phase, which also holds the shared near-duplicate index).

The work per article is CPU: every outlet is its own local host serving real pages (trafilatura's evaluation
set, ../shared/benchmarks/extraction_dev, or the repository's captured outlet pages when that is absent)
with no added latency and no download delay, so a crawl is process start-up plus real extraction,
relevance scoring, near-duplicate checks and storing, not waiting. (A crawl bounded by politeness and
latency instead scales with crawl *slots*, not machines: see docs/DISTRIBUTED.md.)

Phases alternate, 1 node then 2 nodes, for --rounds rounds, so a change in the machine's other load hits both.
Each phase starts on an empty database, so every article is new in both. Printed per phase: wall time,
articles stored, articles per second, the CPU seconds the nodes and their crawls used (from /proc: the node
processes plus their reaped children) and so how busy each pinned core was, and the load average; then the
speed-up per round and its median (target: >= 1.7x with two nodes).

Run:  .venv/bin/python bench/scale_out.py [--outlets 8] [--articles 24] [--max-proc 1] [--rounds 2] [--pages DIR]
"""

from __future__ import annotations

import argparse
import html
import os
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from anywhere

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from tests.localsite import LocalSite  # noqa: E402
from tests.schedule.test_scale_out import NodeProcess, deploy_all, start_nodes, write_config  # noqa: E402

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CAPTURED_PAGES = REPO / "tests" / "fixtures" / "pages"
# Scrapyd's queue poll: how soon a node starts a pending job once a slot frees (deploy/scrapyd.conf: 1.0).
POLL_INTERVAL_S = 0.5
# Requests in flight per outlet: enough that a crawl never waits on its local host.
PER_DOMAIN = 2
CORES = (0, 1)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def real_pages(limit: int, directory: Path | None) -> list[bytes]:
    """Real article pages: the *.html of `directory` when given, else the extraction dev set when present
    (bench scripts may read ../shared), else the repository's captured outlet pages."""
    if directory is not None:
        return [path.read_bytes() for path in sorted(directory.rglob("*.html"))[:limit]]
    try:
        from bench.extraction_quality import extraction_items

        pages = [page for _url, _item, page in extraction_items(limit)]
    except (FileNotFoundError, OSError):
        pages = []
    return pages or [path.read_bytes() for path in sorted(CAPTURED_PAGES.glob("*.html"))]


def publish_pages(site: LocalSite, name: str, pages: list[bytes]) -> None:
    """/<name>/feed.xml listing one article URL per page, each serving the page as captured."""
    now = datetime.now(timezone.utc)
    items = []
    for index, page in enumerate(pages):
        path = f"/{name}/articles/{index}"
        site.add(path, page)
        published = format_datetime(now - timedelta(hours=index + 1))
        items.append(f"<item><title>{html.escape(name)} {index}</title><link>{site.base}{path}</link><pubDate>{published}</pubDate></item>")
    feed = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}</title>{"".join(items)}</channel></rss>'
    site.add(f"/{name}/feed.xml", feed, content_type="application/rss+xml; charset=utf-8")
    site.add("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")


def cpu_seconds(node: NodeProcess) -> float:
    """CPU time of the node process and of the crawl processes it has reaped (utime, stime, cutime, cstime)."""
    assert node.process is not None
    fields = Path(f"/proc/{node.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / CLOCK_TICKS


def create_database() -> str:
    name = f"cw_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def run_phase(label: str, config: Path, feeds: dict[str, str], used: list[NodeProcess], max_proc: int) -> dict[str, object]:
    from crawler.config import load_settings
    from crawler.fetch.runner import open_store
    from crawler.schedule.scrapyd.dispatcher import ScrapydDispatcher
    from storage.models import Article

    db_url = create_database()
    try:
        write_config(config, db_url, feeds, [node.spec() for node in used], per_domain=PER_DOMAIN, download_delay=0.0)
        settings = load_settings(config)
        engine, sessions = open_store(settings)
        dispatcher = ScrapydDispatcher(settings, timeout_s=1800, sessions=sessions, poll_s=0.25, lost_after_s=60)
        names = list(feeds)
        cpu_before = sum(cpu_seconds(node) for node in used)
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        # As many dispatches at once as the nodes have slots, as the daemon's max_parallel_crawls would be set.
        with ThreadPoolExecutor(max_proc * len(used)) as executor:
            results = list(executor.map(dispatcher.crawl, names))
        wall = time.perf_counter() - started
        cpu = sum(cpu_seconds(node) for node in used) - cpu_before
        with sessions() as session:
            articles = int(session.scalar(select(func.count()).select_from(Article)) or 0)
        engine.dispose()
    finally:
        drop_database(db_url)
    statuses = sorted({result.status for result in results})
    return {
        "label": label, "wall": wall, "articles": articles, "rate": articles / wall, "statuses": statuses,
        "cpu": cpu, "busy": cpu / wall / len(used), "load": (load_before + os.getloadavg()[0]) / 2,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outlets", type=int, default=8)
    parser.add_argument("--articles", type=int, default=24, help="real pages per outlet")
    parser.add_argument("--max-proc", type=int, default=1, help="Scrapyd slots per node (the same on both)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating 1-node / 2-node pairs")
    parser.add_argument("--pages", type=Path, default=None, help="a directory of real *.html pages to serve (default: extraction_dev)")
    args = parser.parse_args()
    available = os.sched_getaffinity(0)
    if not set(CORES) <= available:
        print(f"needs cores {CORES} (this process may use {sorted(available)})")
        return 2

    pages = real_pages(args.outlets * args.articles, args.pages)
    phases: list[dict[str, object]] = []
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="cw_scale_out_") as tmp:
        root = Path(tmp)
        feeds: dict[str, str] = {}
        for number in range(args.outlets):
            site = stack.enter_context(LocalSite())  # one host per outlet
            name = f"bench_{number}"
            publish_pages(site, name, [pages[(number * args.articles + index) % len(pages)] for index in range(args.articles)])
            feeds[name] = f"{site.base}/{name}/feed.xml"
        config = root / "coverwatch.toml"
        write_config(config, f"sqlite:///{root / 'placeholder.db'}", feeds, [])
        print(f"starting 2 Scrapyd nodes pinned to cores {CORES} (max_proc={args.max_proc} each) and deploying...", flush=True)
        nodes = start_nodes(root, config, count=2, max_proc=args.max_proc, poll_interval=POLL_INTERVAL_S, cpus=list(CORES))
        try:
            deploy_all(nodes)
            for round_number in range(1, args.rounds + 1):
                for label, used in (("1 node", nodes[:1]), ("2 nodes", nodes)):
                    print(f"round {round_number}, {label}: {args.outlets} outlets x {args.articles} pages ...", flush=True)
                    phases.append(run_phase(label, config, feeds, used, args.max_proc))
        finally:
            for node in nodes:
                node.stop()

    print()
    print(f"crawl set: {args.outlets} outlets (one host each) x {args.articles} real pages ({len(pages)} distinct), no latency, "
          f"no download delay, per-domain concurrency {PER_DOMAIN}; Scrapyd max_proc {args.max_proc} per node; node n on core n-1")
    print(f"{'phase':<9} {'wall s':>8} {'articles':>9} {'articles/s':>11} {'node CPU s':>11} {'core busy':>10} {'load avg':>9}  statuses")
    for phase in phases:
        print(f"{phase['label']:<9} {phase['wall']:>8.1f} {phase['articles']:>9} {phase['rate']:>11.2f} {phase['cpu']:>11.1f} "
              f"{phase['busy']:>10.0%} {phase['load']:>9.1f}  {','.join(phase['statuses'])}")  # type: ignore[arg-type]
    ratios = [float(one["wall"]) / float(two["wall"]) for one, two in zip(phases[::2], phases[1::2])]
    ratio = statistics.median(ratios)
    print(f"speed-up with two nodes per round: {', '.join(f'{r:.2f}x' for r in ratios)}; median {ratio:.2f}x "
          f"(target >= 1.7x): {'MET' if ratio >= 1.7 else 'NOT MET'}")
    counts = {phase["articles"] for phase in phases}
    print(f"articles stored per phase: {sorted(counts)}{'' if len(counts) == 1 else '  (phases differ: INCOMPLETE)'}")
    return 0 if len(counts) == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
