"""Authors: several people in one field are split, prefixes dropped, e-mails/URLs/ids refused, bylines read."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html as lxml_html

from crawler.extract.article import extract_html
from crawler.extract.byline import choose_authors, split_names
from crawler.extract.page import read_page_meta

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("Maya Gebeily and Anthony Deutsch", ["Maya Gebeily", "Anthony Deutsch"]),
        ("Von Hans Müller und Petra Schmidt", ["Hans Müller", "Petra Schmidt"]),
        ("أحمد علي و سعيد حسن", ["أحمد علي", "سعيد حسن"]),
        ("Иван Петров и Анна Сидорова", ["Иван Петров", "Анна Сидорова"]),
        ("מאת יוסי כהן", ["יוסי כהן"]),
        ("By JOE SMITH", ["JOE SMITH"]),
        ("Dana A. Ford, James S.A. Corey", ["Dana A. Ford", "James S.A. Corey"]),
        ("Rob Ewaschuk Edited by Betsy Beyer", ["Rob Ewaschuk", "Betsy Beyer"]),
        ("Jane Doe (jane.doe@example.org)", ["Jane Doe"]),
        ("newsdesk@example.org", []),
        ("cc7567", []),
        ("https://www.theguardian.com/profile/eleanor-ainge-roy", []),
        ("Вадим Иванов", ["Вадим Иванов"]),  # "и" inside a word is not a conjunction
    ],
)
def test_author_fields_become_people(field: str, names: list[str]) -> None:
    assert split_names(field) == names


def test_an_id_in_jsonld_gives_way_to_the_meta_author() -> None:
    page_html = """<html><head><title>t</title>
    <script type="application/ld+json">{"@type": "NewsArticle", "headline": "t", "author": {"name": "user4711"}}</script>
    <meta name="author" content="Eleanor Ainge Roy"></head><body><p>x</p></body></html>"""
    tree = lxml_html.fromstring(page_html)
    assert choose_authors(read_page_meta(tree, "https://example.org/a"), tree) == (["Eleanor Ainge Roy"], "meta:author")


def test_visible_byline_when_nothing_is_declared() -> None:
    page_html = """<html><head><title>Story</title></head><body><article><h1>Story</h1>
    <p class="byline">By <a rel="author" href="/people/jg">Jeffrey Gettleman</a></p>
    <p>Paragraph one of the story, long enough to be text.</p></article></body></html>"""
    tree = lxml_html.fromstring(page_html)
    assert choose_authors(read_page_meta(tree, "https://example.org/a"), tree) == (["Jeffrey Gettleman"], "byline")


def test_captured_page_keeps_its_declared_author() -> None:
    article = extract_html((PAGES / "ru_kommersant_2025.html").read_bytes(), "https://www.kommersant.ru/doc/7728574")
    assert article.authors == ["Андрей Колесников"]
