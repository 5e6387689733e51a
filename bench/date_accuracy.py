"""Print exact-day publication-date accuracy on the dates_dev set: coverwatch against htmldate and trafilatura.

Usage: .venv/bin/python bench/date_accuracy.py [--verbose]

The set is htmldate's test cache (../shared/benchmarks/dates_dev: truth.json maps URL -> {file, date}).
A page counts when the extracted publication day equals the true day.

- coverwatch: `crawler.extract.article.extract_html(html, url).published` (JSON-LD/meta, then htmldate, then textual dates);
- htmldate: `htmldate.find_date(html, url=url)` with its defaults;
- trafilatura: `trafilatura.bare_extraction(html, url=url, with_metadata=True).date` (htmldate inside,
  original_date=True).
Target (issue "Extraction quality"): coverwatch >= 0.95.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import trafilatura
from htmldate import find_date

from crawler.extract.article import extract_html

# The nearest ../shared (the main checkout's parent, or a worktree's grandparent).
SHARED = next(
    (parent / "shared" for parent in Path(__file__).resolve().parents if (parent / "shared" / "benchmarks").is_dir()),
    Path(__file__).resolve().parents[2] / "shared",
)
DATES_DEV = SHARED / "benchmarks" / "dates_dev"
TARGET = 0.95


def coverwatch(html: bytes, url: str) -> str | None:
    local = extract_html(html, url).published.local_isoformat()  # the publisher's own day
    return local[:10] if local else None


def bare_htmldate(html: bytes, url: str) -> str | None:
    return find_date(html, url=url)


def bare_trafilatura(html: bytes, url: str) -> str | None:
    document = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    return document.date if document is not None else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list every page a method gets wrong")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)

    truth = json.loads((DATES_DEV / "truth.json").read_text(encoding="utf-8"))
    methods: dict[str, Callable[[bytes, str], str | None]] = {
        "coverwatch": coverwatch,
        "htmldate": bare_htmldate,
        "trafilatura": bare_trafilatura,
    }
    correct = dict.fromkeys(methods, 0)
    for url, expected in truth.items():
        html = (DATES_DEV / "pages" / expected["file"]).read_bytes()
        for name, method in methods.items():
            found = method(html, url)
            if found == expected["date"]:
                correct[name] += 1
            elif args.verbose:
                print(f"{name:<12} {expected['file']}: expected {expected['date']}, got {found}")
    total = len(truth)
    print(f"dates_dev: {total} pages, exact-day accuracy")
    for name, count in correct.items():
        print(f"{name:<12} {count / total:.3f} ({count}/{total})")
    verdict = "meets" if correct["coverwatch"] / total >= TARGET else "BELOW"
    print(f"coverwatch {verdict} the {TARGET} target")


if __name__ == "__main__":
    main()
