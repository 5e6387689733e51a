"""Boilerplate inside the article area, on real pages (tests/fixtures/pages, see its README): teaser lists,
promotion boxes, runs of linked headlines, a lead shown only in a hidden dialog; and the guards that keep an
article's own linked sections, its table of contents and a section front's teasers."""

from __future__ import annotations

from pathlib import Path

from lxml import html as lxml_html
from trafilatura.utils import load_html

from crawler.extract.article import extract_html
from crawler.extract.cleanup import LinkTexts, clean_lines
from crawler.extract.teasers import not_article_parts, set_aside_not_article

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"


def _read(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def _flagged_texts(name: str) -> list[str]:
    return [" ".join(element.text_content().split()) for element in not_article_parts(load_html(_read(name)))]


def test_a_box_of_teasers_after_the_column_is_not_its_text() -> None:
    article = extract_html(_read("en_heraldsun_opinion_2015.html"), "http://www.heraldsun.com.au/news/opinion/x")
    assert "A HIGH-powered federal government team has been doing the rounds" in article.text
    assert "LAURIE OAKES IS THE NINE NETWORK POLITICAL EDITOR" in article.text  # the column's last line stays
    for teaser in ("Other Opinion Columns", "Wave of stupidity", "Fraser’s lasting legacy", "Own backyard"):
        assert teaser not in article.text


def test_the_teaser_box_is_flagged_whole_with_its_title() -> None:
    flagged = _flagged_texts("en_heraldsun_opinion_2015.html")
    box = [text for text in flagged if text.startswith("Other Opinion Columns")]
    assert len(box) == 1 and "Wave of stupidity" in box[0] and "Own backyard" in box[0]
    assert not any("A HIGH-powered federal government team" in text for text in flagged)


def test_linked_headlines_under_a_related_title_go_in_any_language() -> None:
    article = extract_html(_read("th_prachatai_2019.html"), "https://prachatai.com/journal/2019/01/80642")
    assert "ผู้สื่อข่าวได้รับแจ้งจากนาย" in article.text  # the article's opening
    assert "นับเป็นเวลานาน 1 เดือน กับอีก 10 วัน" in article.text  # its last sentence
    for teaser in ("เรื่องที่เกี่ยวข้อง", "ลืออุ้ม อ.สุรชัย", "ตร.เร่งหาเบาะแสคดีฆ่ายัดเสาถ่วงน้ำโขง"):
        assert teaser not in article.text


def test_a_single_linked_line_is_not_a_list() -> None:
    tree = load_html(
        "<html><body><p>Intro paragraph of the story, long enough to be prose.</p>"
        '<p><a href="/other">A linked headline about something else</a></p>'
        "<p>Second paragraph of the story.</p></body></html>"
    )
    text = "Intro paragraph of the story, long enough to be prose.\nA linked headline about something else\nSecond paragraph of the story."
    assert clean_lines(text, link_texts=LinkTexts.of(tree)) == text


def test_newsletter_box_goes_but_the_table_of_contents_headings_stay() -> None:
    article = extract_html(_read("en_hakibenita_readability_toc_missing.html"), "https://hakibenita.com/sql-anomaly-detection")
    assert "Want me to send you an email when I publish something new?" not in article.text
    # Its headings are targets of the in-page table of contents ("#" links), not teasers of other pages.
    for heading in ("Detecting Anomalies", "Understanding Z-Score", "Eliminating Repeating Alerts"):
        assert heading in article.text.split("\n")
    assert not any(text.startswith("Detecting Anomalies") for text in _flagged_texts("en_hakibenita_readability_toc_missing.html"))


def test_the_lead_is_not_taken_from_a_hidden_share_dialog() -> None:
    article = extract_html(_read("en_buzzfeed_hidden_share_2015.html"), "http://www.buzzfeed.com/markdistefano/diet-pills")
    assert "http://www.buzzfeed.com/markdistefano/diet-pill..." not in article.text
    assert "+lead" not in article.extraction_method
    # The lead is there once, as the page shows it (typographic apostrophe) and the description does not.
    assert article.text.count("An inquest into Eloise Parry") == 1


def test_a_section_front_keeps_its_teasers() -> None:
    """A page that is nothing but teaser lists is a listing: flagging them would leave it empty."""
    assert _flagged_texts("es_nytimes_section_front.html") == []
    article = extract_html(_read("es_nytimes_section_front.html"), "https://www.nytimes.com/es/")
    assert len(article.text) > 1000


def test_parts_set_aside_come_back_in_place() -> None:
    """Lead recovery and link cleanup read the whole page after trafilatura: it must be unchanged."""
    tree = load_html(_read("en_heraldsun_opinion_2015.html"))
    before = lxml_html.tostring(tree)
    with set_aside_not_article(tree) as count:
        assert count >= 1
        assert "Other Opinion Columns" not in tree.text_content()
    assert "Other Opinion Columns" in tree.text_content()
    assert lxml_html.tostring(tree) == before
