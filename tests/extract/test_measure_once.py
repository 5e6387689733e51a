"""trafilatura's whole-page measure, kept for the two reads of one page (crawler.extract.measure_once)."""

from __future__ import annotations

import threading
from pathlib import Path

from trafilatura import core as trafilatura_core
from trafilatura.utils import load_html

from crawler.extract.measure_once import one_page_measure

PAGE = Path(__file__).resolve().parent.parent / "fixtures" / "pages" / "en_reuters_2024_03_07.html"


def test_the_page_is_measured_once_inside_the_block_and_every_time_outside_it() -> None:
    tree = load_html(PAGE.read_bytes())
    first, second = trafilatura_core.html2txt(tree), trafilatura_core.html2txt(tree)
    assert first == second and first is not second and len(first) > 1000  # outside: the plain measure
    with one_page_measure():
        kept = trafilatura_core.html2txt(tree)
        assert trafilatura_core.html2txt(tree) is kept  # the second read reuses the first one's
        assert kept == first
    assert trafilatura_core.html2txt(tree) is not kept  # nothing kept after the block


def test_another_thread_inside_the_block_measures_its_own_page() -> None:
    tree = load_html(PAGE.read_bytes())
    other: list[str] = []
    with one_page_measure():
        kept = trafilatura_core.html2txt(tree)
        worker = threading.Thread(target=lambda: other.append(trafilatura_core.html2txt(load_html(b"<html><body><p>Other page.</p></body></html>"))))
        worker.start()
        worker.join()
    assert other == ["Other page."] and kept != other[0]
