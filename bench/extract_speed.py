"""Print ms per page of the coverwatch extraction pipeline against bare `trafilatura.extract`.

Usage: .venv/bin/python bench/extract_speed.py [--limit N] [--rounds R]

Pages: the extraction_dev set (see bench/extraction_quality.py). Coverwatch is `crawler.extract.article.extract_document`
on the page bytes, the function `coverwatch extract FILE` calls (title, dates, language, JSON-LD included);
the baseline is `trafilatura.extract(html, url=url)` with default settings (text only, no metadata).

Both run in this one process, alternating page by page so that load from other processes hits them equally.
Times are the process's CPU time (time.process_time), which other workers on a shared machine disturb far
less than wall-clock time; wall-clock figures are printed too. A warm-up pass over the first pages (not timed)
pays one-off costs: imports and py3langid's model; then the language-limited dateparser coverwatch points htmldate's
extensive search at compiles its locales (about 0.3 s of CPU, which a long-running crawler pays once, on the
first page that needs it).
Single core. Target (issue "Extraction quality"): coverwatch <= 1.25x the baseline.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import trafilatura
from extraction_quality import extraction_items

from crawler.extract.article import extract_document
from crawler.extract.htmldate_search import compile_external_parser

TARGET_RATIO = 1.25
WARMUP_PAGES = 40


def coverwatch(html: bytes, url: str) -> object:
    return extract_document(html, url)


def bare_trafilatura(html: bytes, url: str) -> object:
    return trafilatura.extract(html, url=url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--rounds", type=int, default=1, help="timed passes over the pages")
    parser.add_argument(
        "--command-pages", type=int, default=200, help="files for the whole-command comparison (0: skip it)"
    )
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)

    pages = [(url, html) for url, _item, html in extraction_items(args.limit)]
    extractors: dict[str, Callable[[bytes, str], object]] = {"coverwatch": coverwatch, "trafilatura": bare_trafilatura}
    for url, html in pages[:WARMUP_PAGES]:
        for function in extractors.values():
            function(html, url)
    warm_seconds = _warm_dateparser()

    cpu = dict.fromkeys(extractors, 0.0)
    wall = dict.fromkeys(extractors, 0.0)
    for round_index in range(args.rounds):
        for index, (url, html) in enumerate(pages):
            order = list(extractors.items())
            if (index + round_index) % 2:
                order.reverse()
            for name, function in order:
                start_cpu, start_wall = time.process_time(), time.perf_counter()
                function(html, url)
                cpu[name] += time.process_time() - start_cpu
                wall[name] += time.perf_counter() - start_wall

    count = len(pages) * args.rounds
    print(f"extraction_dev: {len(pages)} pages x {args.rounds} round(s), warm-up {WARMUP_PAGES} pages not timed")
    print(f"{'extractor':<12} {'CPU ms/page':>12} {'wall ms/page':>13}")
    for name in extractors:
        print(f"{name:<12} {1000 * cpu[name] / count:12.2f} {1000 * wall[name] / count:13.2f}")
    ratio = cpu["coverwatch"] / cpu["trafilatura"]
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(
        f"ratio coverwatch/trafilatura (CPU): {ratio:.2f}x ({verdict} the {TARGET_RATIO}x target); "
        f"wall-clock: {wall['coverwatch'] / wall['trafilatura']:.2f}x"
    )
    print(f"one-off, not in the figures above: dateparser locale compilation {warm_seconds:.1f} s CPU per process")
    if args.command_pages:
        _whole_command(args.command_pages)


# The bare baseline of the whole-command comparison: one process, trafilatura in default mode on each file,
# one JSON line per file, as `coverwatch extract --format jsonl` prints.
_BARE_SCRIPT = """
import json, sys, trafilatura
for path in sys.argv[1:]:
    with open(path, "rb") as stream:
        document = trafilatura.bare_extraction(stream.read(), with_metadata=True)
    record = {"path": path, "text": document.text if document else "", "title": document.title if document else None,
              "published_at": document.date if document else None}
    sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\\n")
"""


def _whole_command(count: int) -> None:
    """CPU seconds of `coverwatch extract --format jsonl FILES` against a bare trafilatura script over the same
    files, each a fresh process (start-up, imports and one-off compilations included)."""
    import resource
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        files = []
        for index, (url, _item, html) in enumerate(extraction_items(count)):
            path = Path(folder) / f"page{index:04d}.html"
            path.write_bytes(html)
            path.with_name(path.name + ".url").write_text(url, encoding="utf-8")
            files.append(str(path))
        commands = {
            "coverwatch": [sys.executable, "-m", "crawler.cli", "extract", "--format", "jsonl", *files],
            "trafilatura": [sys.executable, "-c", _BARE_SCRIPT, *files],
        }
        cpu = {}
        for name, command in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"whole command over {len(files)} files, one process each (start-up included), CPU seconds:")
    for name, seconds in cpu.items():
        print(f"{name:<12} {seconds:8.2f}")
    ratio = cpu["coverwatch"] / cpu["trafilatura"]
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(f"ratio coverwatch extract / bare trafilatura script: {ratio:.2f}x ({verdict} the {TARGET_RATIO}x target)")


def _warm_dateparser() -> float:
    """Compile the language-limited dateparser that coverwatch points htmldate at, outside the timed loop; CPU s.

    Coverwatch pays this once per process, on the first page whose date only htmldate's extensive search finds.
    Bare trafilatura without metadata never calls dateparser.
    """
    start = time.process_time()
    compile_external_parser()
    return time.process_time() - start


if __name__ == "__main__":
    main()
