"""The near-duplicate index is the database's: separate processes and spiders see each other's articles at once.

Each crawl process used to rebuild an in-memory index from every stored signature when its first spider opened
(7.8 GB at 100k articles), and a spider saw only its own new articles. Here two real OS processes store an
original and its reprint; spiders of one process share one processor; starting a processor reads no article.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import event, select

from crawler.fetch.processing import ArticleProcessor, shared_processor
from storage.db import make_engine, make_session_factory, upgrade
from storage.models import Article

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "dedup"
ALAALEM = FIXTURES / "ar_alaalem_did_russia_prepare_hamas.txt"
YNET = FIXTURES / "he_ynet_putin_thanks_hamas.txt"

# One process storing one article through the real processor, as a crawl process's pipeline does.
STORE_IN_OWN_PROCESS = """
import json, sys
from datetime import datetime, timezone
from crawler.config import Settings
from crawler.discover.feeds import Lead
from crawler.fetch.processing import ArticleProcessor
from crawler.model import DateEvidence, ExtractedArticle
from spiders.registry import all_outlets
from storage.db import make_engine, make_session_factory
db_url, outlet_name, url, path, prefix = sys.argv[1:6]
settings = Settings.model_validate({"storage": {"url": db_url}})
sessions = make_session_factory(make_engine(db_url))
processor = ArticleProcessor(settings, sessions)
text = prefix + open(path, encoding="utf-8").read()
published = DateEvidence(datetime(2023, 10, 20, 9, 0, tzinfo=timezone.utc), "jsonld")
article = ExtractedArticle(url=url, title="هل أعدت روسيا حماس؟", text=text, language="ar", published=published)
result = processor.store(all_outlets(settings)[outlet_name], Lead(url=url, route="rss"), article, status="full")
print(json.dumps([result.article_id, result.outcome, result.duplicate_kind]))
"""


def _store_in_process(db_url: str, outlet: str, url: str, path: Path, prefix: str = "") -> list:  # type: ignore[type-arg]
    done = subprocess.run(
        [sys.executable, "-c", STORE_IN_OWN_PROCESS, db_url, outlet, url, str(path), prefix],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_reprint_stored_by_another_process_is_linked(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    original_id, outcome, kind = _store_in_process(db_url, "alaalem", "https://alaalem.com/index.php?aa=news&id22=73418", ALAALEM)
    assert (outcome, kind) == ("new", None)
    copy_id, outcome, kind = _store_in_process(
        db_url, "alkhanadeq", "https://www.alkhanadeq.com/post/1/copy", ALAALEM, "نقلا عن موقع العالم\n"
    )
    assert (outcome, kind) == ("new", "near")
    with make_session_factory(engine)() as session:
        assert session.scalar(select(Article.duplicate_of_id).where(Article.id == copy_id)) == original_id
    engine.dispose()


def test_spiders_of_one_process_share_one_processor(make_settings, db_url: str) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(storage={"url": db_url})
    engine = make_engine(db_url)
    upgrade(engine)
    first_spider = shared_processor(settings, make_session_factory(engine))
    second_spider = shared_processor(settings, make_session_factory(engine))  # each crawler has its own engine
    assert first_spider is second_spider
    assert shared_processor(make_settings(storage={"url": db_url}), make_session_factory(engine)) is not first_spider
    engine.dispose()


def test_starting_a_processor_reads_no_stored_article(make_settings, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """Start-up cost does not grow with the store: the processor issues no query at all when it is built."""
    settings = make_settings(storage={"url": db_url})
    engine = make_engine(db_url)
    upgrade(engine)
    _store_in_process(db_url, "ynet", "https://www.ynet.co.il/news/article/s1", YNET)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda conn, cursor, statement, *rest: statements.append(statement))
    processor = ArticleProcessor(settings, make_session_factory(engine))
    assert statements == []
    with processor.sessions() as session:
        assert len(processor.near_index(session)) == 1  # the stored article is indexed all the same
    engine.dispose()
