"""Run the whole bad-input corpus and print how many items were handled cleanly, peak memory and the slowest item.

Usage: .venv/bin/python bench/robustness.py [--items NAME ...] [--no-combined]

The corpus is tests/reliability/test_bad_input.py's CORPUS (listed in tests/fixtures/bad_input/README.md): each item is a
config-only outlet on a local hostile HTTP server serving one bad thing next to a good article. Each item is
crawled by its own `python -m crawler.cli.app crawl` subprocess, as the scheduler runs crawls, so its time and peak
RSS are its own: peak RSS is the child's `ru_maxrss` from os.wait4, time is wall clock of the whole process
(interpreter start, imports, migrations, crawl). Then, unless --no-combined, every item is crawled at once in one
process (as the test suite does) and that process's peak RSS is printed too.

"Handled cleanly" = exit 0, no traceback, no spider exception, the good article stored in full, and the bad
thing left exactly its expected outcome (tests/test_bad_input.check_item). Targets (issue "Reliability and
security"): every item clean, peak memory under 500 MB.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability.test_bad_input import CORPUS, HostileSite, Item, check_item, collect, run_crawl_process, write_config

TARGET_PEAK_MB = 500


def run_items(items: list[Item], workdir: Path) -> tuple[list[str], float, float]:
    """Crawl `items` in one process: (problems per item as 'name: problem', peak RSS MB, seconds)."""
    db_url = f"sqlite:///{workdir / 'cw.db'}"
    with HostileSite() as site:
        outlets = {item.name: item.publish(site, item.name, workdir) for item in items}
        config = write_config(workdir / "coverwatch.toml", db_url, outlets)
        process = run_crawl_process(config, list(outlets), env=site.proxy_env())
        problems = []
        if process.returncode != 0:
            problems.append(f"exit status {process.returncode}: {process.stderr.strip().splitlines()[-1:] }")
        if "Traceback" in process.stderr:
            problems.append("traceback on stderr")
        for item in items:
            problems += [f"{item.name}: {problem}" for problem in check_item(item, collect(db_url, item.name, site))]
    return problems, process.max_rss_mb, process.seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", nargs="*", help="Only these corpus items (default: all).")
    parser.add_argument("--no-combined", action="store_true", help="Skip the all-items-in-one-process run.")
    args = parser.parse_args()
    items = [item for item in CORPUS if not args.items or item.name in args.items]
    if not items:
        print(f"no such items; choose from: {', '.join(item.name for item in CORPUS)}")
        return 2

    print(f"{'item':<26} {'result':<8} {'seconds':>8} {'peak RSS MB':>12}")
    results: list[tuple[Item, list[str], float, float]] = []
    for item in items:
        with tempfile.TemporaryDirectory(prefix=f"robustness-{item.name}-") as workdir:
            problems, peak, seconds = run_items([item], Path(workdir))
        results.append((item, problems, peak, seconds))
        print(f"{item.name:<26} {'clean' if not problems else 'FAILED':<8} {seconds:>8.1f} {peak:>12.0f}", flush=True)
        for problem in problems:
            print(f"    {problem}")

    clean = sum(1 for _, problems, _, _ in results if not problems)
    peak_item = max(results, key=lambda row: row[2])
    slowest = max(results, key=lambda row: row[3])
    print()
    print(f"handled cleanly: {clean}/{len(results)} items")
    print(f"peak RSS, one item per process: {peak_item[2]:.0f} MB ({peak_item[0].name}); target < {TARGET_PEAK_MB} MB")
    print(f"slowest item: {slowest[0].name} ({slowest[3]:.1f} s wall clock, process start included)")
    combined_ok = True
    if not args.no_combined and len(items) > 1:
        with tempfile.TemporaryDirectory(prefix="robustness-all-") as workdir:
            problems, peak, seconds = run_items(items, Path(workdir))
        combined_ok = not problems and peak < TARGET_PEAK_MB
        print(f"all {len(items)} items in one process: {'clean' if not problems else f'{len(problems)} problems'}, "
              f"peak RSS {peak:.0f} MB, {seconds:.1f} s")
        for problem in problems:
            print(f"    {problem}")
    met = clean == len(results) and peak_item[2] < TARGET_PEAK_MB and combined_ok
    print(f"target {'met' if met else 'NOT met'}: all items clean and peak RSS < {TARGET_PEAK_MB} MB")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
