"""Print extraction quality on the extraction_dev set: coverwatch against bare `trafilatura.extract`.

Usage: .venv/bin/python bench/extraction_quality.py [--limit N] [--diff]

The set is trafilatura's own evaluation data (../shared/benchmarks/extraction_dev; its README): each page has
`with` snippets a good extraction contains and `without` snippets (boilerplate) it must not. The archives are
unpacked once into bench/.cache/extraction_dev (gitignored). Both extractors get the same page bytes and URL.

Figures: share of `with` snippets found (recall), share of `without` snippets avoided, precision
(found / (found + boilerplate present)) and F1 of precision and recall: the F1-like combined figure of
trafilatura's own evaluation. Coverwatch is `crawler.extract.article.extract_html` (what `coverwatch extract` runs);
the baseline is `trafilatura.extract(html, url=url)` with default settings.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import trafilatura

from crawler.extract.article import extract_html

# The nearest ../shared (the main checkout's parent, or a worktree's grandparent).
SHARED = next(
    (parent / "shared" for parent in Path(__file__).resolve().parents if (parent / "shared" / "benchmarks").is_dir()),
    Path(__file__).resolve().parents[2] / "shared",
)
EXTRACTION_DEV = SHARED / "benchmarks" / "extraction_dev"
CACHE = REPO / "bench" / ".cache"
_ARCHIVES = ("eval_pages.tgz", "cache_pages.tgz")


def extraction_pages_dir() -> Path:
    """Unpack the extraction_dev archives once into bench/.cache/extraction_dev (gitignored)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    ignore = CACHE / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")  # keeps the unpacked pages out of git without touching the repo's .gitignore
    target = CACHE / "extraction_dev"
    marker = target / ".unpacked"
    if not marker.exists():
        target.mkdir(parents=True, exist_ok=True)
        for name in _ARCHIVES:
            with tarfile.open(EXTRACTION_DEV / name) as archive:
                archive.extractall(target, filter="data")
        marker.write_text("ok\n")
    return target


def extraction_items(limit: int | None = None) -> Iterator[tuple[str, dict, bytes]]:
    """(url, evaldata item, page bytes) for each page of the set, in evaldata.json order."""
    pages = extraction_pages_dir()
    data = json.loads((EXTRACTION_DEV / "evaldata.json").read_text(encoding="utf-8"))
    count = 0
    for url, item in data.items():
        for sub in ("cache", "eval"):
            path = pages / sub / item["file"]
            if path.exists():
                yield url, item, path.read_bytes()
                count += 1
                break
        if limit is not None and count >= limit:
            return


@dataclass
class Score:
    found: int = 0  # `with` snippets present
    missed: int = 0
    leaked: int = 0  # `without` snippets present
    avoided: int = 0

    def add(self, text: str, item: dict) -> tuple[list[str], list[str]]:
        missed = [s for s in item["with"] if s not in text]
        leaked = [s for s in item["without"] if s in text]
        self.found += len(item["with"]) - len(missed)
        self.missed += len(missed)
        self.leaked += len(leaked)
        self.avoided += len(item["without"]) - len(leaked)
        return missed, leaked

    @property
    def recall(self) -> float:
        return self.found / max(self.found + self.missed, 1)

    @property
    def avoided_share(self) -> float:
        return self.avoided / max(self.avoided + self.leaked, 1)

    @property
    def precision(self) -> float:
        return self.found / max(self.found + self.leaked, 1)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def coverwatch(html: bytes, url: str) -> str:
    return extract_html(html, url).text


def bare_trafilatura(html: bytes, url: str) -> str:
    return trafilatura.extract(html, url=url) or ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--diff", action="store_true", help="list pages where the two extractors differ")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # trafilatura logs a warning per discarded page

    extractors: dict[str, Callable[[bytes, str], str]] = {"coverwatch": coverwatch, "trafilatura": bare_trafilatura}
    scores = {name: Score() for name in extractors}
    pages = 0
    for url, item, html in extraction_items(args.limit):
        pages += 1
        outcomes = {name: scores[name].add(function(html, url), item) for name, function in extractors.items()}
        if args.diff and outcomes["coverwatch"] != outcomes["trafilatura"]:
            (cw_missed, cw_leaked), (tf_missed, tf_leaked) = outcomes["coverwatch"], outcomes["trafilatura"]
            print(f"{item['file']}: missed cw={cw_missed} tf={tf_missed} | leaked cw={cw_leaked} tf={tf_leaked}")

    print(
        f"extraction_dev: {pages} pages, {scores['coverwatch'].found + scores['coverwatch'].missed} `with` and "
        f"{scores['coverwatch'].leaked + scores['coverwatch'].avoided} `without` snippets"
    )
    print(f"{'extractor':<12} {'with found':>10} {'without avoided':>16} {'precision':>10} {'F1':>7}")
    for name, score in scores.items():
        print(
            f"{name:<12} {score.recall:>10.4f} {score.avoided_share:>16.4f} {score.precision:>10.4f} {score.f1:>7.4f}"
            f"   (found {score.found}, missed {score.missed}, leaked {score.leaked}, avoided {score.avoided})"
        )
    cw, tf = scores["coverwatch"], scores["trafilatura"]
    better = cw.recall > tf.recall and cw.avoided_share > tf.avoided_share
    print(f"coverwatch better on both counts: {'yes' if better else 'NO'}")


if __name__ == "__main__":
    main()
