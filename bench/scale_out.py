"""One Scrapyd node vs two: wall time and articles per second for the same crawl set, in one run.

Real processes on loopback, as in tests/schedule/test_scale_out.py (whose helpers this reuses): two Scrapyd nodes
(max_proc each), the project deployed with addversion.json, the real PostgreSQL (a fresh database per phase)
(which also holds the shared near-dup index), and a local site.

What bounds a real crawl is politeness, not CPU: one request at a time per domain, a delay between requests,
and the outlet's own latency. So every outlet here is its own host (its own HTTP server and port) that answers
each request after LATENCY_S, and the crawl config asks for per-domain concurrency 1 and DOWNLOAD_DELAY_S.
An outlet's crawl then takes seconds of mostly waiting, and more nodes mean more outlets waited on at once.

Phase 1 places every crawl on node 1 only; phase 2 on both nodes (the dispatcher picks by free capacity).
The same outlets, articles and settings; each phase on an empty database, so every article is new in both.
Prints both phases and the speed-up (target: >= 1.7x with two nodes).

Run:  .venv/bin/python bench/scale_out.py [--outlets 8] [--articles 16] [--max-proc 2]   (about 4 minutes)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from anywhere

from sqlalchemy import create_engine, func, select, text

from tests.localsite import LocalSite
from tests.schedule.test_scale_out import (
    article_pieces,
    deploy_all,
    publish,
    start_nodes,
    write_config,
)

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# An outlet's answer time per request: a typical news site's time to first byte.
LATENCY_S = 0.3
# The crawl's own politeness (crawl.download_delay): what a considerate crawler waits between two requests
# to one domain.
DOWNLOAD_DELAY_S = 1.0
# Scrapyd's queue poll: how soon a node starts a pending job once a slot frees (deploy/scrapyd.conf: 1.0).
POLL_INTERVAL_S = 0.5


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


def run_phase(label: str, config: Path, db_url: str, feeds: dict[str, str], node_specs: list[str], workers: int) -> dict[str, object]:
    from crawler.config import load_settings
    from crawler.schedule.scrapyd.dispatcher import ScrapydDispatcher
    from crawler.fetch.runner import open_store
    from storage.models import Article

    write_config(config, db_url, feeds, node_specs, per_domain=1, download_delay=DOWNLOAD_DELAY_S)
    settings = load_settings(config)
    engine, sessions = open_store(settings)
    dispatcher = ScrapydDispatcher(settings, timeout_s=900, sessions=sessions, poll_s=0.25, lost_after_s=60)
    names = list(feeds)
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as executor:  # the daemon's max_parallel_crawls
        results = list(executor.map(dispatcher.crawl, names))
    wall = time.perf_counter() - started
    with sessions() as session:
        articles = int(session.scalar(select(func.count()).select_from(Article)) or 0)
    engine.dispose()
    statuses = sorted({result.status for result in results})
    per_node: dict[str, int] = {}
    for name in names:
        node = dispatcher.attempts[name][-1].node or "-"
        per_node[node] = per_node.get(node, 0) + 1
    return {"label": label, "wall": wall, "articles": articles, "rate": articles / wall, "statuses": statuses, "per_node": per_node}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outlets", type=int, default=8)
    parser.add_argument("--articles", type=int, default=16, help="articles per outlet")
    parser.add_argument("--max-proc", type=int, default=2, help="Scrapyd slots per node")
    args = parser.parse_args()

    pieces = article_pieces()
    databases: list[str] = []
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="cw_scale_out_") as tmp:
        root = Path(tmp)
        feeds: dict[str, str] = {}
        for number in range(args.outlets):
            site = stack.enter_context(LocalSite())  # one host per outlet: politeness is per domain
            name = f"bench_{number}"
            chosen = [pieces[(number * args.articles + index) % len(pieces)] for index in range(args.articles)]
            publish(site, name, chosen, delay=LATENCY_S)
            feeds[name] = f"{site.base}/{name}/feed.xml"
        config = root / "coverwatch.toml"
        write_config(config, f"sqlite:///{root / 'placeholder.db'}", feeds, [], dedup="memory")
        print(f"starting 2 Scrapyd nodes (max_proc={args.max_proc}) and deploying the project...", flush=True)
        nodes = start_nodes(root, config, count=2, max_proc=args.max_proc, poll_interval=POLL_INTERVAL_S)
        try:
            deploy_all(nodes)
            phases = []
            for label, used in (("1 node", nodes[:1]), ("2 nodes", nodes)):
                db_url = create_database()
                databases.append(db_url)
                print(f"{label}: {args.outlets} outlets x {args.articles} articles ...", flush=True)
                phases.append(run_phase(label, config, db_url, feeds, [node.spec() for node in used], workers=args.outlets))
        finally:
            for node in nodes:
                node.stop()
            for url in databases:
                drop_database(url)

    print()
    print(f"crawl set: {args.outlets} outlets (one host each) x {args.articles} articles; latency {LATENCY_S} s/request, "
          f"per-domain concurrency 1, download_delay {DOWNLOAD_DELAY_S} s; Scrapyd max_proc {args.max_proc} per node")
    print(f"{'phase':<9} {'wall s':>8} {'articles':>9} {'articles/s':>11}  statuses  crawls per node")
    for phase in phases:
        print(f"{phase['label']:<9} {phase['wall']:>8.1f} {phase['articles']:>9} {phase['rate']:>11.2f}  "
              f"{','.join(phase['statuses'])}  {phase['per_node']}")
    one, two = phases
    ratio = float(one["wall"]) / float(two["wall"])
    print(f"speed-up with two nodes: {ratio:.2f}x (target >= 1.7x): {'MET' if ratio >= 1.7 else 'NOT MET'}")
    complete = one["articles"] == two["articles"] == args.outlets * args.articles
    print(f"articles stored per phase: {one['articles']} / {two['articles']} of {args.outlets * args.articles}"
          f"{'' if complete else '  (INCOMPLETE)'}")
    return 0 if complete else 1


if __name__ == "__main__":
    raise SystemExit(main())
