"""INSS publications are PDFs linked from the publication page: the real spider follows the link and stores the
PDF's text; an unreadable PDF is stored as pdf_pending, a missing one leaves the page's own text.

One replayed crawl (crawler.fetch.runner.run_crawl in a subprocess) over an archive written here from the INSS fixtures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from crawler.fetch.archive import write_warc
from spiders.registry import builtin_outlets
from storage.db import make_engine, make_session_factory
from storage.models import Article, CrawlRun, Failure

REPO = Path(__file__).resolve().parents[2]
INSS = REPO / "tests" / "fixtures" / "outlets" / "inss"
RUN_CRAWL = """
import json, sys
from pathlib import Path
from crawler.config import load_settings
from crawler.fetch.runner import run_crawl
from spiders.registry import select_outlets
settings = load_settings(sys.argv[1])
print(json.dumps([r.__dict__ for r in run_crawl(settings, select_outlets(settings, ["inss"]), replay=[Path(sys.argv[2])])]))
"""
PAGE = "https://www.inss.org.il/he/publication/russia-hamas-october-7/"
PDF = "https://www.inss.org.il/he/wp-content/uploads/sites/2/systemfiles/%D7%9E%D7%92%D7%9F%20%D7%95%D7%90%D7%95%D7%9C%D7%A0%D7%94%20589851867767.pdf"
BROKEN_PAGE = "https://www.inss.org.il/he/publication/broken-pdf/"
BROKEN_PDF = "https://www.inss.org.il/he/wp-content/uploads/sites/2/2023/11/broken.pdf"
MISSING_PAGE = "https://www.inss.org.il/he/publication/missing-pdf/"
MISSING_PDF = "https://www.inss.org.il/he/wp-content/uploads/sites/2/2023/11/missing.pdf"


def _feed() -> bytes:
    feed = (INSS / "feed_he.xml").read_text(encoding="utf-8")
    item = feed[feed.index("<item>") : feed.index("</item>") + len("</item>")]
    extra = item.replace(PAGE, BROKEN_PAGE) + item.replace(PAGE, MISSING_PAGE)
    return feed.replace("</item>", "</item>" + extra, 1).encode("utf-8")


def test_publication_pdf_is_followed_and_stored(tmp_path: Path) -> None:
    page = (INSS / "publication_he.html").read_bytes()
    html = [("Content-Type", "text/html; charset=UTF-8")]
    pdf = [("Content-Type", "application/pdf")]
    responses = [
        (PAGE, 200, html, page),
        (PDF, 200, pdf, (INSS / "publication_he.pdf").read_bytes()),
        (BROKEN_PAGE, 200, html, page.replace(PDF.encode(), BROKEN_PDF.encode()).replace(PAGE.encode(), BROKEN_PAGE.encode())),
        (BROKEN_PDF, 200, pdf, b"%PDF-1.7\n% truncated: no objects, no xref\n"),
        (MISSING_PAGE, 200, html, page.replace(PDF.encode(), MISSING_PDF.encode()).replace(PAGE.encode(), MISSING_PAGE.encode())),
        (MISSING_PDF, 404, [("Content-Type", "text/html")], b"<html><body>Not found</body></html>"),
    ]
    empty_feed = b'<?xml version="1.0"?><rss version="2.0"><channel><title>INSS</title></channel></rss>'
    for source in builtin_outlets()["inss"].sources:
        for request in source.listing_requests():
            if request.url.endswith("/he/feed/"):
                responses.append((request.url, 200, [("Content-Type", "application/rss+xml; charset=UTF-8")], _feed()))
            elif "wp-json" in request.url:
                responses.append((request.url, 200, [("Content-Type", "application/json")], b"[]"))
            else:
                responses.append((request.url, 200, [("Content-Type", "application/rss+xml")], empty_feed))
    archive = tmp_path / "archive"
    write_warc(archive / "inss.warc.gz", responses)
    db = tmp_path / "inss.db"
    config = tmp_path / "coverwatch.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{db}"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", RUN_CRAWL, str(config), str(archive)], capture_output=True, text=True, cwd=REPO, timeout=240, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert [r["outcome"] for r in json.loads(result.stdout.strip().splitlines()[-1])] == ["partial"]  # the 404 PDF

    with make_session_factory(make_engine(f"sqlite:///{db}"))() as session:
        articles = {a.url: a for a in session.scalars(select(Article))}
        failures = [(f.reason, f.url) for f in session.scalars(select(Failure))]
        run = session.scalars(select(CrawlRun)).one()
    good = articles[PAGE]
    assert good.status == "full" and good.extraction_method.startswith("pdf:")
    assert "הידידה הקרובה ביותר של חמאס" in " ".join(good.text.split())  # from the PDF, not the page summary
    assert good.pdf is not None and good.pdf.startswith(b"%PDF-")
    assert good.language == "he" and good.relevant is True
    assert good.published_at is not None and good.published_at.date().isoformat() == "2023-11-07"

    broken = articles[BROKEN_PAGE]
    assert broken.status == "pdf_pending" and broken.text == "" and broken.pdf is not None
    assert broken.title == "רוסיה מתייצבת לצד חמאס, מסרבת לגנות את המתקפה הרצחנית שביצע בנגב"  # from the feed

    missing = articles[MISSING_PAGE]
    assert missing.status == "full" and "מחדדת את הצורך מבחינת ישראל" in missing.text  # the page's own text
    assert ("http_404", MISSING_PDF) in failures
    assert run.stats.get("pdf/followed") == 3
    assert PDF not in articles and BROKEN_PDF not in articles  # a PDF is the publication's text, not an article
