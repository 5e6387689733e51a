"""Site-split extraction figures: publication day, body F1, title exact, author-set exact, vs bare trafilatura.

Usage: .venv/bin/python bench/extraction_heldout.py [--verbose] [--only day|body|title|authors] [--sets NAME ...]

Every page of the development sets is put in one of two halves by its *site* (a stable hash of the publisher's
name), never by page, so that a site's pages are all tuned on or all reported on:
- `tune`: the sites the extraction may be tuned on;
- `report`: the other sites, the stand-in for pages never seen (read these figures, not the tune ones).
Each figure is printed for tune, report and all, for coverwatch and for bare trafilatura in its DEFAULT mode
(`trafilatura.bare_extraction(html, url=url, with_metadata=True)`, fast=False) in the same run.

Sets (../shared/benchmarks, see its README; pages belong to their publishers):
- readability_dev (Mozilla Readability test pages): body = text of expected.html, title, byline, publishedTime.
  Folders whose source.html is under 4 kB, or named 00N, are Readability's constructed edge cases, not pages
  from a site: they are left out.
- newspaper4k_dev: body = txt/, title, authors, publish_date from metadata/.
- dates_dev (htmldate's cache): publication day only.
- trafilatura_eval: extraction_dev's pages (trafilatura's evaluation set) with the title, author and date that
  trafilatura's authors wrote into its evaluation data by hand; no body (the set has snippets, not whole texts:
  bench/extraction_quality.py scores them). Its authors are read like a byline; usernames and agency codes
  with digits drop out as in Readability's bylines.
- fundus: the shared fixtures' pages that come with fundus's expected output (`*_expected_fundus.json`, beside
  the page): body = summary, subheadings and paragraphs; title; authors; publishing date. The page's version
  of the expected output is the one whose title the page holds; its URL is the page's canonical link.
Every figure is printed for all sets together and for each set apart (`--sets` runs some of them only).
Measures:
- day: the publisher's local day (coverwatch's `published_at` in the page's own offset; trafilatura's date)
  equals the true day as the page states it; pages without a true date are skipped;
- body F1: bag-of-words F1 (lower-cased \\w+ tokens, one per character in Chinese and Japanese) between the extracted text and the true body;
- title exact: equal after folding whitespace;
- authors exact: the set of names equals the true set (case- and whitespace-folded; the true bylines are
  cleaned of "By", dates and labels); only pages whose truth names at least one author.
Targets (issue 15, on unseen pages): day >= 0.95, body F1 >= 0.970, title >= 0.90, authors >= 0.90.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
import sys
import tarfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import trafilatura  # noqa: E402
from lxml import html as lxml_html  # noqa: E402

from crawler.extract.article import extract_html  # noqa: E402

# The nearest ../shared (the main checkout's parent, or a worktree's grandparent).
SHARED = next(
    (parent / "shared" for parent in Path(__file__).resolve().parents if (parent / "shared" / "benchmarks").is_dir()),
    Path(__file__).resolve().parents[2] / "shared",
)
BENCHMARKS = SHARED / "benchmarks"
TARGETS = {"day": 0.95, "body": 0.970, "title": 0.90, "authors": 0.90}
# One site in REPORT_SHARE goes to the report half (stable: sha1 of the site name).
REPORT_MODULUS = 3
MIN_REAL_PAGE_BYTES = 4000
# Words; CJK and kana count one token per character (they are written without spaces).
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
_BYLINE_NOISE = re.compile(r"^(?:by|par|von|written by|edited by|por)\s+", re.IGNORECASE)
_NAME_SPLIT = re.compile(r"\s*(?:,|;|\n|\s+and\s+|\s+&\s+|\s+und\s+|\s+et\s+|\s+y\s+)\s*", re.IGNORECASE)
# A day written year, month, day with any separators and unpadded parts (two of trafilatura's hand-written dates).
_LOOSE_DAY = re.compile(r"^(\d{4})\D(\d{1,2})\D(\d{1,2})$")


@dataclass
class Page:
    set_name: str
    site: str
    name: str
    html: bytes
    url: str
    day: str | None = None
    body: str | None = None
    title: str | None = None
    authors: frozenset[str] | None = None

    @property
    def half(self) -> str:
        digest = hashlib.sha1(self.site.encode("utf-8")).digest()
        return "report" if digest[0] % REPORT_MODULUS == 0 else "tune"


@dataclass
class Found:
    day: str | None
    body: str
    title: str | None
    authors: frozenset[str]


@dataclass
class Scores:
    values: dict[tuple[str, str, str], list[float]] = field(default_factory=dict)  # (measure, half, system)

    def add(self, measure: str, page: Page, system: str, value: float) -> None:
        """Count the value for the page's half and for all, over all sets and within the page's set."""
        for group in ("", f"{page.set_name}/"):
            for half in (page.half, "all"):
                self.values.setdefault((measure, group + half, system), []).append(value)

    def mean(self, measure: str, half: str, system: str) -> tuple[float, int]:
        values = self.values.get((measure, half, system), [])
        return (sum(values) / len(values) if values else float("nan")), len(values)


def fold(text: str | None) -> str:
    return " ".join((text or "").split())


def name_set(names: list[str]) -> frozenset[str]:
    return frozenset(fold(name).casefold() for name in names if fold(name))


def clean_byline(byline: str | None) -> frozenset[str] | None:
    """Readability's byline as a set of names; None when it holds no usable name (labels, dates)."""
    if not byline:
        return None
    names = []
    for part in _NAME_SPLIT.split(byline.strip()):
        part = _BYLINE_NOISE.sub("", fold(part)).strip(" ()")
        if part and not re.search(r"\d|https?:|updated|author", part, re.IGNORECASE) and len(part.split()) <= 5:
            names.append(part)
    return name_set(names) or None


def body_text(path: Path) -> str:
    tree = lxml_html.fromstring(path.read_text(encoding="utf-8", errors="replace"))  # Readability writes UTF-8, undeclared
    for block in tree.iter("p", "div", "li", "h1", "h2", "h3", "h4", "br", "tr", "blockquote", "pre"):
        block.tail = "\n" + (block.tail or "")
    return tree.text_content()


def site_of(url: str) -> str:
    host = urlsplit(url).hostname or url
    parts = host.removeprefix("www.").split(".")
    return ".".join(parts[-2:]) if len(parts) >= 2 else host


def readability_pages() -> Iterator[Page]:
    root = BENCHMARKS / "readability_dev"
    for folder in sorted(path for path in root.iterdir() if path.is_dir()):
        source = folder / "source.html"
        if not source.is_file() or source.stat().st_size < MIN_REAL_PAGE_BYTES or re.match(r"^\d{3}$", folder.name):
            continue
        meta = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
        site = re.sub(r"-\d+$", "", folder.name)
        published = meta.get("publishedTime")
        yield Page(
            "readability",
            site,
            folder.name,
            source.read_bytes(),
            f"http://fakehost/{folder.name}/",
            day=published[:10] if published else None,
            body=body_text(folder / "expected.html"),
            title=meta.get("title"),
            authors=clean_byline(meta.get("byline")),
        )


def newspaper_pages() -> Iterator[Page]:
    root = BENCHMARKS / "newspaper4k_dev"
    for meta_path in sorted((root / "metadata").glob("*.json")):
        html_path, text_path = root / "html" / (meta_path.stem + ".html"), root / "txt" / (meta_path.stem + ".txt")
        if not html_path.is_file():
            continue
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        url = meta.get("url") or f"http://fakehost/{meta_path.stem}"
        published = meta.get("publish_date")
        authors = [name for name in meta.get("authors") or [] if not re.search(r"\d|www\.|\.com", name)]
        yield Page(
            "newspaper4k",
            site_of(url),
            meta_path.stem,
            html_path.read_bytes(),
            url,
            day=published[:10] if published else None,
            body=text_path.read_text(encoding="utf-8") if text_path.is_file() else None,
            title=meta.get("title"),
            authors=name_set(authors) or None,
        )


def dates_pages() -> Iterator[Page]:
    root = BENCHMARKS / "dates_dev"
    truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
    for url, expected in truth.items():
        yield Page(
            "dates", site_of(url), expected["file"], (root / "pages" / expected["file"]).read_bytes(), url, day=expected["date"]
        )


def trafilatura_eval_pages() -> Iterator[Page]:
    root = BENCHMARKS / "extraction_dev"
    truth = json.loads((root / "evaldata.json").read_text(encoding="utf-8"))
    by_file = {expected["file"]: (url, expected) for url, expected in truth.items()}
    for archive in ("eval_pages.tgz", "cache_pages.tgz"):
        with tarfile.open(root / archive) as tar:
            for member in tar:
                found = by_file.get(Path(member.name).name) if member.isfile() else None
                if found is None:
                    continue
                url, expected = found
                loose_day = _LOOSE_DAY.match(expected.get("date") or "")
                author = expected.get("author")
                yield Page(
                    "trafilatura_eval",
                    site_of(url),
                    expected["file"],
                    tar.extractfile(member).read(),
                    url,
                    day="-".join((loose_day[1], loose_day[2].zfill(2), loose_day[3].zfill(2))) if loose_day else None,
                    title=expected.get("title") or None,
                    authors=clean_byline("; ".join(author) if isinstance(author, list) else author),
                )


def fundus_pages() -> Iterator[Page]:
    for truth_path in sorted((SHARED / "fixtures").rglob("*_expected_fundus.json")):
        versions = json.loads(truth_path.read_text(encoding="utf-8")).values()
        for html_path in sorted(truth_path.parent.glob("*.html")):
            html = html_path.read_bytes()
            text = html.decode("utf-8", errors="replace")
            canonical = lxml_html.fromstring(html).xpath("//link[@rel='canonical']/@href")
            for expected in versions:
                if not canonical or expected["title"] not in text:
                    continue
                body = expected["body"]
                blocks = list(body.get("summary", []))
                for section in body.get("sections", []):
                    blocks += [*section["headline"], *section["paragraphs"]]
                yield Page(
                    "fundus",
                    site_of(canonical[0]),
                    html_path.name,
                    html,
                    canonical[0],
                    day=(expected.get("publishing_date") or "")[:10] or None,
                    body="\n".join(blocks),
                    title=expected["title"],
                    authors=name_set(expected.get("authors") or []) or None,
                )


SETS: dict[str, Callable[[], Iterator[Page]]] = {
    "readability": readability_pages,
    "newspaper4k": newspaper_pages,
    "dates": dates_pages,
    "trafilatura_eval": trafilatura_eval_pages,
    "fundus": fundus_pages,
}


def coverwatch(page: Page) -> Found:
    article = extract_html(page.html, page.url)
    local = article.published.local_isoformat()
    return Found(local[:10] if local else None, article.text, article.title, name_set(article.authors))


def bare_trafilatura(page: Page) -> Found:
    document = trafilatura.bare_extraction(page.html, url=page.url, with_metadata=True)
    if document is None:
        return Found(None, "", None, frozenset())
    authors = name_set((document.author or "").split("; ")) if document.author else frozenset()
    return Found(document.date, document.text or "", document.title, authors)


def body_f1(found: str, truth: str) -> float:
    got, want = Counter(_TOKEN.findall(found.lower())), Counter(_TOKEN.findall(truth.lower()))
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def score_page(page: Page, found: Found) -> dict[str, float]:
    result: dict[str, float] = {}
    if page.day:
        result["day"] = float(found.day == page.day)
    if page.body:
        result["body"] = body_f1(found.body, page.body)
    if page.title:
        result["title"] = float(fold(found.title) == fold(page.title))
    if page.authors:
        result["authors"] = float(found.authors == page.authors)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list the pages coverwatch gets wrong")
    parser.add_argument("--only", choices=sorted(TARGETS), help="print misses of this measure only")
    parser.add_argument("--sets", nargs="+", choices=sorted(SETS), default=list(SETS), help="the sets to run (default: all)")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    if not BENCHMARKS.is_dir():
        sys.exit(f"development sets not found at {BENCHMARKS}")
    systems: dict[str, Callable[[Page], Found]] = {"coverwatch": coverwatch, "trafilatura": bare_trafilatura}
    scores = Scores()
    pages = [page for name in args.sets for page in SETS[name]()]
    for page in pages:
        results = {name: score_page(page, system(page)) for name, system in systems.items()}
        for name, measured in results.items():
            for measure, value in measured.items():
                scores.add(measure, page, name, value)
        if args.verbose:
            for measure, value in results["coverwatch"].items():
                if (args.only in (None, measure)) and value < (0.9 if measure == "body" else 1.0):
                    other = results["trafilatura"].get(measure)
                    print(f"miss {measure:<7} {page.half:<6} {page.set_name}/{page.name} cw={value:.3f} traf={other:.3f}")
    sites = {half: len({p.site for p in pages if p.half == half}) for half in ("tune", "report")}
    print(f"{len(pages)} pages; sites: {sites['tune']} tune, {sites['report']} report (split by site, not by page)")
    print_table(scores, "")
    for name in args.sets:
        set_pages = [page for page in pages if page.set_name == name]
        print(f"\n{name}: {len(set_pages)} pages from {len({page.site for page in set_pages})} sites")
        print_table(scores, f"{name}/")


def print_table(scores: Scores, group: str) -> None:
    """One row per measure and half of the group ("" for all sets, "<set>/" for one); measures it lacks are left out."""
    print(f"{'measure':<8} {'half':<7} {'n':>4} {'coverwatch':>11} {'trafilatura':>12}  target")
    for measure in ("day", "body", "title", "authors"):
        for half in ("tune", "report", "all"):
            ours, count = scores.mean(measure, group + half, "coverwatch")
            theirs, _ = scores.mean(measure, group + half, "trafilatura")
            if count or not group:
                print(f"{measure:<8} {half:<7} {count:>4} {ours:>11.3f} {theirs:>12.3f}  {TARGETS[measure]}")


if __name__ == "__main__":
    main()
