"""The per-document budget (crawler.extract.budget): what each extractor charges, and where it stops."""

from __future__ import annotations

import io
import zlib

import pytest

from crawler.discover.feeds import ListingError
from crawler.discover.jsonlisting import load_listing_json
from crawler.extract.budget import BudgetExceeded, DocumentBudget, inflate, nesting_depth, read_bounded
from crawler.extract.pdf import charge_streams, extract_pdf
from tests.pdf_builder import pdf_from_streams


def _flate_pdf(block: bytes, size: int) -> bytes:
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(block * (1024 // len(block) or 1)) for _ in range(size // 1024)) + compressor.flush()
    return pdf_from_streams([data], filters="/FlateDecode")


def test_inflation_stops_one_chunk_past_the_budget() -> None:
    budget = DocumentBudget(max_bytes=3 << 20)
    with pytest.raises(BudgetExceeded) as refused:
        inflate(zlib.compress(b" " * (64 << 20)), budget, "the stream")
    assert refused.value.reason == "too_large" and "the stream" in refused.value.detail
    assert budget.spent_bytes <= (4 << 20)  # never more than one 1 MiB chunk past the limit


def test_a_corrupt_tail_keeps_what_inflated() -> None:
    data = zlib.compress(b"hello world " * 100)
    assert inflate(data[:-8] + b"garbage!", DocumentBudget(), "x").startswith(b"hello world")


def test_pdf_streams_are_charged_before_any_parser_runs() -> None:
    with pytest.raises(BudgetExceeded) as inflated:
        extract_pdf(_flate_pdf(b" ", 4 << 20), budget=DocumentBudget(max_bytes=1 << 20))
    assert inflated.value.reason == "too_large"
    with pytest.raises(BudgetExceeded) as objects:
        extract_pdf(_flate_pdf(b"BT /F1 1 Tf 10 10 Td (A) Tj ET\n", 1 << 20), budget=DocumentBudget(max_objects=1000))
    assert objects.value.reason == "too_many_objects"


def test_images_are_not_charged_and_a_normal_pdf_fits_easily() -> None:
    image = b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /Filter /FlateDecode /Length 9 >>\nstream\n"
    budget = DocumentBudget(max_bytes=1000)
    charge_streams(b"%PDF-1.4\n1 0 obj\n" + image + zlib.compress(b"\0" * 100_000) + b"\nendstream\nendobj\n", budget)
    assert budget.spent_bytes == 0
    normal = pdf_from_streams([b"BT /F1 10 Tf 50 750 Td (Moscow hosts a Hamas delegation) Tj ET"])
    assert "Moscow" in extract_pdf(normal).text


def test_json_nesting_is_measured_without_recursion() -> None:
    assert nesting_depth('{"a": "[[[[", "b": [1, {"c": []}]}') == 4
    assert nesting_depth("[" * 200_000) == 200_000
    with pytest.raises(ListingError) as deep:
        load_listing_json("[" * 50_000 + "]" * 50_000)
    assert deep.value.reason == "api_too_deep"
    with pytest.raises(ListingError) as junk:
        load_listing_json(b"<html>rate limited</html>")
    assert junk.value.reason == "api_not_json"
    assert load_listing_json(b'{"items": [{"url": "https://example.org/a"}]}')["items"][0]["url"] == "https://example.org/a"


def test_bounded_reads_refuse_what_is_past_the_limit() -> None:
    assert read_bounded(io.BytesIO(b"x" * 10), 10) == b"x" * 10
    with pytest.raises(BudgetExceeded):
        read_bounded(io.BytesIO(b"x" * 11), 10)
