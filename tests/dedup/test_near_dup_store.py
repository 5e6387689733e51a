"""The near-duplicate index in the database (storage.near_dups.BandTable), on SQLite and PostgreSQL.

Two sessions (two processes' views of one store) share one index; migration 0005 back-fills the band table from
signatures stored before it existed, in batches, with the same band hashes crawler.dedup.index computes.
"""

from __future__ import annotations

import importlib.util
import json
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import event, func, select

from crawler.dedup.fingerprint import decode_signature, signature
from crawler.dedup.index import NearDupIndex, band_hashes, lsh_banding
from storage import repo
from storage.db import MIGRATIONS_DIR, make_engine, make_session_factory, upgrade
from storage.models import NearDupBand
from storage.near_dups import BandTable, rebuild_bands

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "dedup"
HE_YNET = (FIXTURES / "he_ynet_putin_thanks_hamas.txt").read_text(encoding="utf-8")
AR_ALAALEM = (FIXTURES / "ar_alaalem_did_russia_prepare_hamas.txt").read_text(encoding="utf-8")
AR_KHANADEQ = (FIXTURES / "ar_alkhanadeq_will_russia_sacrifice_israel.txt").read_text(encoding="utf-8")
TASS = [item["text"] for item in json.loads((FIXTURES / "en_tass_politics_2024_first4.json").read_text(encoding="utf-8"))]
SEEDS = {"ynet": HE_YNET, "alaalem": AR_ALAALEM, "alkhanadeq": AR_KHANADEQ}
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def _record(outlet: str, number: int, text: str, *, sig: bool = True) -> repo.ArticleRecord:
    return repo.ArticleRecord(
        url_key=f"{outlet}-{number}", url=f"https://{outlet}.example/{number}", outlet=outlet, title=f"{outlet} {number}",
        text=text, published_at=NOW, signature=signature(text) if sig else None,
    )


def _migration_0005():  # type: ignore[no-untyped-def]
    path = MIGRATIONS_DIR / "versions" / "0005_near_dup_bands.py"
    spec = importlib.util.spec_from_file_location("migration_0005", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_two_sessions_share_one_index(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        ids = {name: repo.store_article(session, _record(name, 1, text)).article_id for name, text in SEEDS.items()}
        writer = NearDupIndex(store=BandTable(session))
        for name, article_id in ids.items():
            assert writer.add(str(article_id), signature(SEEDS[name]))
    copy = "שתפו את הכתבה\n" + HE_YNET + "\nכל הזכויות שמורות ©"
    with sessions() as session:  # another process's session: nothing loaded, one lookup per query
        reader = NearDupIndex(store=BandTable(session), text_of=lambda key: repo.text_of(session, int(key)))
        assert len(reader) == 3 and str(ids["ynet"]) in reader
        assert [key for key, _ in reader.query(signature(copy), text=copy)] == [str(ids["ynet"])]
        match = reader.matches(signature(copy), text=copy)[0]
        assert match.exact and match.jaccard > 0.9
        assert [key for key, _ in reader.query(signature(copy))] == [str(ids["ynet"])]  # estimated from signatures
        assert reader.query(signature(TASS[0])) == []
    with sessions.begin() as session:
        assert NearDupIndex(store=BandTable(session)).remove(str(ids["ynet"]))
    with sessions() as session:
        index = NearDupIndex(store=BandTable(session))
        assert index.query(signature(copy)) == [] and len(index) == 2 and str(ids["ynet"]) not in index
    engine.dispose()


def test_a_query_is_one_statement_and_reads_only_likely_texts(db_url: str) -> None:
    """Candidates come with their signatures in one lookup; texts are read only for those that may pass."""
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        ids = [repo.store_article(session, _record("seed", n, text)).article_id for n, text in enumerate([*SEEDS.values(), *TASS])]
        index = NearDupIndex(store=BandTable(session))
        for article_id, text in zip(ids, [*SEEDS.values(), *TASS]):
            index.add(str(article_id), signature(text), replace=False)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_: statements.append(statement))
    copy = "שתפו את הכתבה\n" + HE_YNET
    with sessions() as session:
        index = NearDupIndex(store=BandTable(session))
        assert [key for key, _ in index.query(signature(copy))] == [str(ids[0])]
        assert len(statements) == 1
        statements.clear()
        matches = index.matches(signature(copy), text=copy, text_of=lambda key: repo.text_of(session, int(key)))
        assert [m.key for m in matches] == [str(ids[0])] and matches[0].exact
        assert len(statements) == 2  # the lookup, and the one candidate's text
        statements.clear()
        assert index.query(signature(TASS[0] + " updated"), text=TASS[0], text_of=lambda key: repo.text_of(session, int(key)))
        assert len(statements) == 2
    engine.dispose()


def test_rebuild_bands_for_a_new_banding(db_url: str) -> None:
    """After near_threshold changes, stored bands are found again only once rebuilt with the new banding."""
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    texts = [*SEEDS.values(), *TASS]
    with sessions.begin() as session:
        ids = [repo.store_article(session, _record("seed", n, text)).article_id for n, text in enumerate(texts)]
        unsigned = repo.store_article(session, _record("seed", 99, TASS[1] + " unsigned", sig=False)).article_id
        for article_id, text in zip(ids, texts):
            NearDupIndex(store=BandTable(session)).add(str(article_id), signature(text), replace=False)
    copy = "المصدر: العالم\n" + AR_ALAALEM
    with sessions.begin() as session:
        stricter = NearDupIndex(threshold=0.7, store=BandTable(session))
        assert (stricter.bands, stricter.rows) != (NearDupIndex().bands, NearDupIndex().rows)
        assert stricter.query(signature(copy)) == []  # its bands are not the stored ones
        assert rebuild_bands(session, stricter.band_hashes, batch=2) == len(texts)  # several batches
    with sessions() as session:
        stricter = NearDupIndex(threshold=0.7, store=BandTable(session))
        assert [key for key, _ in stricter.query(signature(copy))] == [str(ids[1])]
        assert all(str(article_id) in stricter for article_id in ids) and str(unsigned) not in stricter
        assert session.scalar(select(func.count()).select_from(NearDupBand)) == stricter.bands * len(texts)
    engine.dispose()


def test_migration_band_hash_is_the_index_band_hash() -> None:
    """Migration 0005 spells the banding out; it must equal what crawler.dedup.index computes."""
    migration = _migration_0005()
    assert (migration.BANDS, migration.ROWS) == lsh_banding(0.5, 128)
    for text in [HE_YNET, AR_ALAALEM, *TASS]:
        sig = signature(text)
        assert migration.band_hashes(sig) == band_hashes(decode_signature(sig).hashvalues, migration.BANDS, migration.ROWS)
    assert migration.band_hashes(signature("")) == []  # an empty text is never indexed
    assert migration.band_hashes(b"\x02" + signature(HE_YNET)[1:]) == []  # another signature format


def test_migration_backfills_stored_signatures_in_batches(db_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from alembic import command
    from alembic.config import Config

    engine = make_engine(db_url)
    upgrade(engine)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004_publisher_offset")  # the revision before 0005
    sessions = make_session_factory(engine)
    texts = [*SEEDS.values(), *TASS]
    with sessions.begin() as session:  # a store written before the band table existed
        stored = [repo.store_article(session, _record("old", n, text)).article_id for n, text in enumerate(texts)]
        unsigned = repo.store_article(session, _record("old", 99, TASS[1] + " unsigned", sig=False)).article_id
        duplicate = _record("copy", 1, HE_YNET + " copy")
        duplicate.duplicate_of_id, duplicate.duplicate_kind = stored[0], "near"
        copy_id = repo.store_article(session, duplicate).article_id
    upgrade(engine)  # the back-fill, as `coverwatch` runs it on an existing store
    with sessions() as session:
        index = NearDupIndex(store=BandTable(session))
        assert all(str(article_id) in index for article_id in stored)
        assert str(unsigned) not in index and str(copy_id) not in index  # no signature; a duplicate is no original
        copy = "المصدر: العالم\n" + AR_ALAALEM
        assert [key for key, _ in index.query(signature(copy))] == [str(stored[1])]
        rows = session.scalar(select(func.count()).select_from(NearDupBand))
    assert rows == 32 * len(stored)
    migration = _migration_0005()
    monkeypatch.setattr(migration, "BATCH", 2)  # several batches over this small store give the same table
    with engine.begin() as connection:
        connection.execute(NearDupBand.__table__.delete())
        assert migration.backfill(connection) == len(stored)
        assert connection.scalar(select(func.count()).select_from(NearDupBand)) == rows
    engine.dispose()
