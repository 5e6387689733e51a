"""Bodies doubled or split (issue 15, item 3) on constructed pages (tests/fixtures/pages, see its README) and
small HTML: a JSON-LD articleBody holding the article twice, a body continued after a "read more" teaser in a
second container, a body held only in the page's embedded JSON. Each page's expected text is written beside
it (`*.expected.txt`, from the article's source paragraphs, not from an extraction)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from trafilatura.utils import load_html

from crawler.extract.article import extract_html
from crawler.extract.blocks import fragment_lines
from crawler.extract.cleanup import clean_lines
from crawler.extract.embedded import embedded_bodies
from crawler.extract.repetition import without_repetition

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"

FIRST = "Первый абзац о встрече в Москве, где обсуждали обмен заложниками и гуманитарную помощь."
SECOND = "Второй абзац с подробностями переговоров и заявлениями официальных лиц обеих сторон."
ONCE = f"{FIRST}\n{SECOND}"


def _extract(name: str, url: str) -> tuple[str, str]:
    article = extract_html((PAGES / name).read_bytes(), url)
    return article.text, article.extraction_method


def _expected(name: str) -> str:
    return (PAGES / name.replace(".html", ".expected.txt")).read_text(encoding="utf-8").strip()


# ---------------------------------------------------------------------------------------------------------
# 3a: the article twice in a structured body


@pytest.mark.parametrize(
    ("doubled", "once"),
    [
        (f"{ONCE}\n{ONCE}", ONCE),  # paragraphs, then the same paragraphs
        (f"{FIRST} {SECOND} {FIRST} {SECOND}", f"{FIRST} {SECOND}"),  # one line: X + space + X
        (f"{FIRST} {SECOND}{FIRST} {SECOND}", f"{FIRST} {SECOND}"),  # glued: X + X
        (f"{FIRST} {SECOND} {FIRST}\n{SECOND}", ONCE),  # a flat copy, then the paragraphed one: that one is kept
        (f"{ONCE}\n{FIRST} {SECOND}", ONCE),  # the paragraphed copy, then a flat one
        (f"{FIRST}\n{FIRST}\n{SECOND}\n{SECOND}", ONCE),  # every paragraph twice in place
    ],
)
def test_an_article_written_twice_is_kept_once(doubled: str, once: str) -> None:
    assert without_repetition(doubled) == once


def test_what_surrounds_the_two_copies_stays() -> None:
    assert without_repetition(f"{ONCE}\n{ONCE}\nReporting by Anna Petrova.") == f"{ONCE}\nReporting by Anna Petrova."
    assert without_repetition(f"{FIRST} {SECOND} {FIRST} {SECOND} Reporting by Anna.") == f"{FIRST} {SECOND} Reporting by Anna."
    assert without_repetition(f"Kicker line\n{ONCE}\n{ONCE}") == f"Kicker line\n{ONCE}"
    assert without_repetition("Yes.\nYes.\nNo.\nNo.") == "Yes.\nNo."  # every paragraph doubled, however short


@pytest.mark.parametrize(
    "text",
    [
        ONCE,
        f"{FIRST}\n{SECOND}\n{FIRST}",  # a paragraph quoted again later is the writer's
        "Yes.\nYes.\nThen the delegation left the Kremlin without a statement.",  # a short repetition may be meant
        f"{FIRST} {SECOND} {FIRST} {SECOND}xyz",  # not on a word boundary: not a second copy
    ],
)
def test_text_without_a_second_copy_is_unchanged(text: str) -> None:
    assert without_repetition(text) == text


def test_a_doubled_jsonld_article_body_does_not_double_the_page_text() -> None:
    """tass.com layout whose articleBody is the body flat, the body paragraphed, and a standard line: taken as
    it was, it covered trafilatura's text and was twice as long, so it replaced it (the text twice)."""
    name = "en_tass_constructed_doubled_articlebody.html"
    text, method = _extract(name, "https://tass.com/politics/1891745")
    assert text == _expected(name)
    assert method == "trafilatura"


# ---------------------------------------------------------------------------------------------------------
# 3b: the body continued in a second container after a "read more" teaser


def test_a_body_continued_after_continue_reading_keeps_both_parts() -> None:
    """Two div.article__body[itemprop=articleBody], the second hidden until "Continue reading" is clicked:
    trafilatura read the first only (and its text was long enough not to be retried)."""
    name = "en_tass_constructed_continue_reading.html"
    text, method = _extract(name, "https://tass.com/politics/1891741")
    assert text == _expected(name)
    assert method == "trafilatura+parts"
    assert "Continue reading" not in text and "Most read" not in text


def test_a_russian_body_continued_after_chitat_dalee_keeps_both_parts() -> None:
    """div.article-text, a «Читать далее» link and an advertisement label, then div.article-text.is-hidden."""
    name = "ru_kommersant_constructed_read_more.html"
    text, method = _extract(name, "https://www.kommersant.ru/doc/7731234")
    assert text == _expected(name)
    assert method == "trafilatura+parts"
    assert "Читать далее" not in text and "Реклама" not in text


def _split_page(between: str, second_opening: str = "") -> str:
    part = "<p>{}</p>".format
    first = "".join(part(f"Paragraph {i} of the first part tells what the delegation said in Moscow.") for i in range(8))
    second = "".join(part(f"Paragraph {i} of the next part tells what happened after the meeting.") for i in range(4))
    return (
        "<html><head><title>The delegation in Moscow</title></head><body><main>"
        f'<div class="entry-content">{first}</div>{between}<div class="entry-content">{second_opening}{second}</div>'
        "</main></body></html>"
    )


def test_a_second_container_joins_the_first_only_when_it_continues_the_story() -> None:
    button = '<div class="more"><a href="#rest">Weiterlesen</a></div>'
    joined = extract_html(_split_page(button), "https://example.org/a")
    assert joined.extraction_method == "trafilatura+parts"
    assert "next part tells" in joined.text and "Weiterlesen" not in joined.text
    # A blog's front page: each post's title and date line stand between the posts' bodies.
    title = '<h2 class="entry-title"><a href="/next">Another post about something else</a></h2><div>Published 2 May 2024</div>'
    listing = extract_html(_split_page(title), "https://example.org/b")
    assert "next part tells" not in listing.text
    # Stacked articles: the next one opens with a title of its own.
    stacked = extract_html(_split_page("", "<h2>A different story begins here</h2>"), "https://example.org/c")
    assert "next part tells" not in stacked.text


def test_a_comment_thread_is_not_a_continuation() -> None:
    second = '<div class="entry-content"><p>Paragraph 0 of the next'
    page = _split_page("").replace(second, f'<div class="comments">{second}').replace("</div></main>", "</div></div></main>")
    article = extract_html(page, "https://example.org/d")
    assert "next part tells" not in article.text


@pytest.mark.parametrize(
    "line",
    ["Read more »", "Continue reading →", "Continue reading the main story", "Weiterlesen ›", "Mehr lesen...",
     "Читать далее", "اقرأ المزيد", "להמשך הכתבה", "Lire la suite", "Czytaj dalej"],
)
def test_a_continue_reading_teaser_line_is_dropped(line: str) -> None:
    paragraph = "The delegation met the foreign minister in Moscow on Monday, the ministry said in a statement."
    assert clean_lines(f"{paragraph}\n{line}\n{paragraph} Later.") == f"{paragraph}\n{paragraph} Later."


def test_a_sentence_starting_like_a_teaser_stays() -> None:
    line = "Read more about the talks in the ministry's statement, published on Monday evening."
    assert clean_lines(line) == line


def test_a_slideshow_of_other_stories_and_empty_table_rows_are_dropped() -> None:
    """A gallery set into the article ("Business news in pictures", captions counted 1/50, 2/50, ...) is other
    stories; a layout table's empty cells leave rows of bars."""
    paragraph = "The delegation met the foreign minister in Moscow on Monday, the ministry said in a statement."
    slides = "\n".join(f"- {n}/50 Headline number {n} Text of another story about markets." for n in range(1, 6))
    text = f"{paragraph}\nBusiness news in pictures\nBusiness news in pictures\n{slides}\n6. Mini bars lose money\n|  |  |  |"
    assert clean_lines(text) == f"{paragraph}\n6. Mini bars lose money"
    # Two counters, or counters out of order, are not a slideshow: a score or a date stays.
    kept = f"{paragraph}\n- 1/2 cup of flour\n- 2/2 cups of milk"
    assert clean_lines(kept) == kept


# ---------------------------------------------------------------------------------------------------------
# 3c: the body only in the page's embedded JSON


def test_a_next_js_page_without_a_body_in_its_html_uses_next_data() -> None:
    name = "en_nextjs_constructed_next_data.html"
    text, method = _extract(name, "https://tass.com/politics/1891712")
    assert text == _expected(name)
    assert method == "embedded-json"


def test_an_arc_page_uses_fusion_global_content_blocks() -> None:
    """`Fusion.globalContent = {...}` assigned in a script: one content element per paragraph; the image
    caption and the "Read also" link among them do not become body lines."""
    name = "en_arc_constructed_fusion_content.html"
    text, method = _extract(name, "https://www.example-arc.com/world/icrc-2024-12-26/")
    assert text == _expected(name)
    assert method == "embedded-json"


def _shell(state: dict[str, object], html_body: str = "") -> str:
    return (
        "<html><head><title>Hamas delegation visits Moscow for talks</title></head><body>"
        f'<div id="__next"><nav><a href="/">Home</a></nav>{html_body}</div>'
        f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(state)}</script></body></html>'
    )


_PROSE = (
    "A Hamas delegation arrived in Moscow on Monday for talks at the Russian foreign ministry. "
    "The visit was the second this year, officials said. The delegation was led by a member of the movement's "
    "political bureau, who met the deputy foreign minister. Both sides called for a ceasefire and for aid to "
    "reach the south of the strip, according to a statement published after the meeting."
)


def test_embedded_text_that_does_not_mention_the_headline_is_not_the_body() -> None:
    """States hold cookie notices, author bios and other stories too: prose alone is not enough."""
    bio = "Anna writes about energy markets and climate policy for the business desk. She lives in Berlin. " * 4
    article = extract_html(_shell({"props": {"author": {"bio": bio, "text": bio}}}), "https://example.org/e")
    assert article.extraction_method != "embedded-json"
    assert "energy markets" not in article.text
    found = extract_html(_shell({"props": {"article": {"body": f"<p>{_PROSE}</p>"}}}), "https://example.org/f")
    assert found.extraction_method == "embedded-json" and found.text == " ".join(_PROSE.split())


def test_a_page_with_a_body_in_its_html_does_not_read_its_state() -> None:
    paragraphs = "".join(f"<p>{_PROSE} Paragraph {i}.</p>" for i in range(3))
    other = "Another text entirely, about the harvest in the south of the country. " * 8
    state = {"props": {"article": {"body": f"<p>{other}</p>"}}}
    article = extract_html(_shell(state, f"<article>{paragraphs}</article>"), "https://example.org/g")
    assert article.extraction_method.startswith("trafilatura")
    assert "harvest" not in article.text


def test_embedded_bodies_reads_data_scripts_and_assignments() -> None:
    body = f"<p>{_PROSE}</p><p>Second paragraph of the story, with <b>Hamas</b>, and more.</p>"
    assigned = (
        "<html><body><script>window.__INITIAL_STATE__ = "
        + json.dumps({"story": {"contentHtml": body}, "menu": [{"text": "Home"}, {"text": "World"}]})
        + ";window.other = 1;</script></body></html>"
    )
    assert embedded_bodies(load_html(assigned)) == [
        " ".join(_PROSE.split()) + "\nSecond paragraph of the story, with Hamas, and more."
    ]
    # Nuxt's flattened payload keeps the HTML strings, not their keys.
    payload = json.dumps([{"data": 1}, body])
    nuxt = f'<html><body><script type="application/json" id="__NUXT_DATA__">{payload}</script></body></html>'
    assert len(embedded_bodies(load_html(nuxt))) == 1


def test_an_html_fragment_becomes_paragraph_lines() -> None:
    assert fragment_lines("<p>Talks with <b>Hamas</b>, the ministry said.</p><p>Second<br>line</p><!-- ad -->") == [
        "Talks with Hamas, the ministry said.",
        "Second",
        "line",
    ]
    assert fragment_lines("First paragraph.\n\nSecond paragraph.") == ["First paragraph.", "Second paragraph."]
