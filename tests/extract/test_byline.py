"""Authors: several people in one field are split, prefixes dropped, e-mails/URLs/ids refused, bylines read."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from lxml import html as lxml_html

from crawler.extract.article import extract_html
from crawler.extract.byline import choose_authors
from crawler.extract.names import clean_names, split_names
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
        ("Author Jane Roe", ["Jane Roe"]),  # a label without its colon
        ("Authored by Max Mustermann", ["Max Mustermann"]),
        ("Ana Ruiz @anaruiz", ["Ana Ruiz"]),  # a social handle beside the name
        ("Perry Bacon Jr.", ["Perry Bacon Jr."]),  # the full stop of an abbreviation is part of the name
        ("Joe S., Juan Carlos Muñoz C.", ["Joe S.", "Juan Carlos Muñoz C."]),
        ("By JOE SMITH.", ["JOE SMITH"]),  # ... the one ending a sentence is not
        ("Christoph Hein Chefredakteur", ["Christoph Hein"]),  # a role after the name, in the page's language
        ("Marie Dupont, rédactrice", ["Marie Dupont"]),
        ("Rechtsanwalt Sebastian Einbock", ["Sebastian Einbock"]),  # ... or before it, alone or compounded
        ("Focus-Online-Experte Robin Tschöpe", ["Robin Tschöpe"]),
        ("Chefredakteur Meier", ["Chefredakteur Meier"]),  # one word would be left: not taken off
        ("Diana Ross, Avery Smith", ["Diana Ross", "Avery Smith"]),  # a name that begins with "di" or "av" is whole
        ("Byron York", ["Byron York"]),
        ("Paris Hilton and Portia Doubleday", ["Paris Hilton", "Portia Doubleday"]),
        ("Autor:Hans Meier", ["Hans Meier"]),
        ("автор Иван Петров", ["Иван Петров"]),
    ],
)
def test_author_fields_become_people(field: str, names: list[str]) -> None:
    assert split_names(field) == names


def test_byline_with_a_date_before_the_name() -> None:
    page_html = """<html><head><title>Story</title></head><body><h1>Story</h1>
    <div class="page-meta--author">Posted on September 21, 2020 by Adi Tzlil</div>
    <p>Paragraph one of the story, long enough to be text.</p></body></html>"""
    tree = lxml_html.fromstring(page_html)
    assert choose_authors(read_page_meta(tree, "https://example.org/a"), tree) == (["Adi Tzlil"], "byline")


def test_outlet_written_beside_the_person_is_dropped() -> None:
    outlets = frozenset({"unocero"})
    assert clean_names(["unocero - Alberto Ávila"], outlets) == ["Alberto Ávila"]
    assert clean_names(["Jean-Pierre Dupont"], outlets) == ["Jean-Pierre Dupont"]  # a hyphen is not a separator
    assert clean_names(["Unocero"], outlets) == ["Unocero"]  # the outlet alone is the desk's byline


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


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("Dana A. Ford, Chien-Ming Wang, and Tom Watkins", ["Dana A. Ford", "Chien-Ming Wang", "Tom Watkins"]),
        ("Иван Петров, корреспондент", ["Иван Петров"]),
        ("Jane Doe, Staff Writer", ["Jane Doe"]),
        ("Ben Silverman Games Editor", ["Ben Silverman"]),
        ("John Smith Reporter", ["John Smith"]),  # the word before a bare role is the surname
        ("Senior Editor", []),
    ],
)
def test_conjunctions_and_roles_are_not_part_of_names(field: str, names: list[str]) -> None:
    assert split_names(field) == names


def test_the_outlet_is_dropped_beside_people_and_kept_alone() -> None:
    page_html = """<html><head><meta property="og:site_name" content="CNN">
    <meta name="author" content="Dana A. Ford and Tom Watkins, CNN"></head><body><p>x</p></body></html>"""
    tree = lxml_html.fromstring(page_html)
    url = "https://edition.cnn.com/2013/11/27/travel/story/"
    assert choose_authors(read_page_meta(tree, url), tree) == (["Dana A. Ford", "Tom Watkins"], "meta:author")
    desk = lxml_html.fromstring('<html><head><meta name="author" content="CNN"></head><body><p>x</p></body></html>')
    assert choose_authors(read_page_meta(desk, url), desk) == (["CNN"], "meta:author")


def test_a_blogger_named_like_the_blog_stays_its_author() -> None:
    url = "https://hakibenita.com/sql-tricks-application-dba"
    article = extract_html((PAGES / "en_hakibenita_readability_toc_missing.html").read_bytes(), url)
    assert article.authors == ["Haki Benita"]


def test_a_byline_with_its_date_gives_the_name() -> None:
    html = gzip.decompress((PAGES / "en_yahoo_readability_yahoo3.html.gz").read_bytes())
    article = extract_html(html, "https://www.yahoo.com/news/")
    assert (article.authors, article.field_sources["authors"]) == (["GILLIAN MOHNEY"], "byline")


def test_the_byline_under_the_headline_wins_over_author_boxes_above_it() -> None:
    # Constructed after Yahoo's layout (readability_dev/yahoo-1 and yahoo-2): a "follow our authors" list in
    # the site header, then the headline, then the byline whose name and role sit in nested marked elements.
    page_html = """<html><body><div class="header"><ul>
    <li class="author-follow">Katie Couric</li><li class="author-follow">Matt Bai</li></ul></div>
    <article><header><h1>These are the 8 coolest PlayStation VR games</h1></header>
    <div class="Author"><a class="author-link" href="/author/ben-silverman">Ben Silverman</a>
    <span>Games Editor</span></div><p>Paragraph one of the story, long enough to be text.</p></article></body></html>"""
    tree = lxml_html.fromstring(page_html)
    url = "https://www.example.org/news/vr"
    assert choose_authors(read_page_meta(tree, url), tree) == (["Ben Silverman"], "byline")


def test_labels_and_link_texts_in_byline_boxes_are_not_names() -> None:
    # Constructed after WordPress and news bylines in the extraction_dev set (uniqz.de, jamaicans.com): the
    # inner marked element holds only a label, the name is in the outer one; a profile link reads as a sentence.
    page_html = """<html><body><h1>Katzendecke selber machen</h1>
    <div class="post-author"><span class="author-label">Autor:</span> Petra Ruland</div>
    <p class="author-links"><a href="/author/pr">View all posts</a></p><p>Text of the post.</p></body></html>"""
    tree = lxml_html.fromstring(page_html)
    url = "https://www.example.org/katzendecke"
    assert choose_authors(read_page_meta(tree, url), tree) == (["Petra Ruland"], "byline")
    links_only = lxml_html.fromstring('<html><body><h1>Story</h1><p class="author"><a href="/a">View all posts</a></p></body></html>')
    assert choose_authors(read_page_meta(links_only, url), links_only) == ([], None)
    css_cased = lxml_html.fromstring('<html><body><h1>Storia</h1><span class="byline">giampiero maggio</span></body></html>')
    assert choose_authors(read_page_meta(css_cased, url), css_cased) == (["giampiero maggio"], "byline")


def test_degrees_after_a_name_are_not_people() -> None:
    assert split_names("Brenda Goodman, MA") == ["Brenda Goodman"]
    assert split_names("Kathleen Doheny, MD and Yao Ma") == ["Kathleen Doheny", "Yao Ma"]


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("מאת יוסי כהן ודנה לוי", ["יוסי כהן", "דנה לוי"]),  # Hebrew "and" is joined to the next name
        ("ויקטור ליבוביץ", ["ויקטור ליבוביץ"]),  # a name that starts with the letter is one name
        ("أحمد علي وليد حسن", ["أحمد علي وليد حسن"]),  # an Arabic chained name is one person
    ],
)
def test_hebrew_joined_and_splits_two_full_names(field: str, names: list[str]) -> None:
    assert split_names(field) == names


def test_the_outlet_declared_as_author_gives_way_to_the_reporters_byline() -> None:
    """JSON-LD names the outlet (written as the domain, run together); the page prints the reporter."""
    page_html = """<html><head><meta property="og:site_name" content="The Planetary Press">
    <script type="application/ld+json">{"@type": "NewsArticle", "headline": "t", "author": {"name": "theplanetarypress.com"}}</script>
    </head><body><h1>A headline of the story</h1><p class="byline">By <a rel="author" href="/p/jm">Julie Mollins</a></p>
    <p>Paragraph one of the story, long enough to be text.</p></body></html>"""
    tree = lxml_html.fromstring(page_html)
    url = "https://www.theplanetarypress.com/2020/01/story/"
    assert choose_authors(read_page_meta(tree, url), tree) == (["Julie Mollins"], "byline")


def test_the_outlet_named_with_its_article_gives_way_to_the_byline() -> None:
    page_html = """<html><head><meta name="author" content="Die FURCHE"></head><body><h1>Achtsam im Alltag leben</h1>
    <p class="byline">Von <a href="/autor/ub">Ursula Baatz</a></p><p>Paragraph one of the story, long enough.</p></body></html>"""
    tree = lxml_html.fromstring(page_html)
    assert choose_authors(read_page_meta(tree, "https://www.furche.at/religion/achtsam"), tree) == (["Ursula Baatz"], "byline")


def test_the_outlet_stays_when_the_later_source_lists_tags_not_people() -> None:
    page_html = """<html><head><meta name="author" content="Solarserver"><meta property="og:site_name" content="Solarserver">
    </head><body><h1>A headline of the story</h1><div class="post-author">Photovoltaik, Speicher, Top Solar News</div>
    <p>Paragraph one of the story, long enough to be text.</p></body></html>"""
    tree = lxml_html.fromstring(page_html)
    assert choose_authors(read_page_meta(tree, "https://www.solarserver.de/2022/a/"), tree) == (["Solarserver"], "meta:author")


def test_an_author_referenced_by_id_in_a_jsonld_graph_is_resolved() -> None:
    """Yoast's @graph: the article points at the Person node by @id instead of nesting it."""
    page_html = """<html><head><script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
    {"@type": "Article", "@id": "https://example.org/a/#article", "headline": "t",
     "author": {"@id": "https://example.org/#/schema/person/1"}, "publisher": {"@id": "https://example.org/#org"}},
    {"@type": "Organization", "@id": "https://example.org/#org", "name": "Example Daily"},
    {"@type": "Person", "@id": "https://example.org/#/schema/person/1", "name": "Doris Schuppe"}]}</script>
    </head><body><p>x</p></body></html>"""
    tree = lxml_html.fromstring(page_html)
    page = read_page_meta(tree, "https://example.org/a/")
    assert page.jsonld is not None and page.jsonld.publisher == "Example Daily"
    assert choose_authors(page, tree) == (["Doris Schuppe"], "jsonld")


def test_a_twitter_card_labelled_written_by_names_the_author() -> None:
    page_html = """<html><head><meta name="twitter:label1" content="Verfasst von">
    <meta name="twitter:data1" content="Karoline Herr"><meta name="twitter:label2" content="Geschätzte Lesezeit">
    <meta name="twitter:data2" content="3 Minuten"></head><body><p>x</p></body></html>"""
    tree = lxml_html.fromstring(page_html)
    assert choose_authors(read_page_meta(tree, "https://example.org/a"), tree) == (["Karoline Herr"], "meta:twitter:data1")


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("By Alex Bozarjian Thursday, November 9, 2023", ["Alex Bozarjian"]),  # the weekday of the byline's date
        ("admin", []),  # the CMS account, not a person
        ("Organization for Transformative Works", ["Organization for Transformative Works"]),
        ("By Glen Owen And Brendan Carlin For The Mail On Sunday", ["Glen Owen", "Brendan Carlin"]),
        (" ~ Cem Basman", ["Cem Basman"]),  # a theme's separator before the name
        ("Eberhard Fuhr (Pressesprecher des EJW)", ["Eberhard Fuhr"]),  # a role in brackets after the name
        ("Anna Roth (dpa)", ["Anna Roth"]),
    ],
)
def test_what_is_not_part_of_a_name_is_dropped(field: str, names: list[str]) -> None:
    assert split_names(field) == names


def test_a_byline_known_only_by_its_label_is_read_under_the_headline() -> None:
    page_html = """<html><body><h1>US-Sport in Zeiten von Corona</h1>
    <div class="meta">Ein Artikel von <strong>Pamela Sladky</strong> | 27.01.2022 - 12:45</div>
    <p>Paragraph one of the story, long enough to be text.</p></body></html>"""
    tree = lxml_html.fromstring(page_html)
    assert choose_authors(read_page_meta(tree, "https://example.org/a"), tree) == (["Pamela Sladky"], "byline:label")


@pytest.mark.parametrize(
    "chrome",
    [
        '<p>By clicking on "Subscribe" you agree to our terms.</p>',  # not a name: lower case
        "<p>Geöffnet von Montag bis Freitag.</p><p>Von Montag bis Freitag geöffnet.</p>",  # "bis" is lower case
        '<footer>Theme: <a href="/t">ColorMag</a> von ThemeGrill. Bereitgestellt von WordPress</footer>',
        '<p class="wp-caption-text">Photo <a href="/p">von Justin Watt</a></p>',  # a photo credit
        "<p>Icons by The Noun Project.</p><aside>by Elliot Midson</aside>",
    ],
)
def test_labelled_text_that_is_not_a_byline_names_nobody(chrome: str) -> None:
    tree = lxml_html.fromstring(f"<html><body><h1>Story</h1><p>Paragraph one of the story.</p>{chrome}</body></html>")
    assert choose_authors(read_page_meta(tree, "https://example.org/a"), tree) == ([], None)


def test_a_company_declared_as_author_gives_way_to_the_labelled_byline() -> None:
    page_html = """<html><head><meta name="author" content="Hanns-Seidel-Stiftung e.V."></head><body>
    <h1>Große Aufgaben für die neue Regierung</h1><p>Paragraph one of the story, long enough to be text.</p>
    <p><strong>Autorin: Uta Staschewski, Projektleiterin der HSS in Tunesien.</strong></p></body></html>"""
    tree = lxml_html.fromstring(page_html)
    assert choose_authors(read_page_meta(tree, "https://www.hss.de/news/a/"), tree) == (["Uta Staschewski"], "byline:label")


def test_a_first_name_alone_is_completed_from_the_byline_that_names_the_person_in_full() -> None:
    """The JSON-LD author is the CMS account's display name; the column's label line gives the whole name.
    The body's class names the theme's footer: the page's own classes do not make its text chrome."""
    page_html = """<html><head><meta name="author" content="Nils"></head><body class="cb-footer-dark">
    <h1>Das Patriarchat als Kulturtechnik</h1><div class="entry-content"><p><strong>Eine Kolumne von Nils Pickert</strong></p>
    <p>Paragraph one of the story, long enough to be text.</p></div></body></html>"""
    tree = lxml_html.fromstring(page_html)
    assert choose_authors(read_page_meta(tree, "https://pinkstinks.de/a/"), tree) == (["Nils Pickert"], "meta:author")


@pytest.mark.parametrize(
    "line",
    [
        "Mehr zum Thema von „Big Data“ und „Data Analytics“",  # quotes are not in names
        "Alle Themen von A - Z",
        "Ein Foto von Markus Roost",  # a picture credit
    ],
)
def test_a_phrase_ending_in_by_names_nobody_unless_full_names_follow(line: str) -> None:
    tree = lxml_html.fromstring(f"<html><body><h1>Story</h1><p>{line}</p><p>Paragraph one of the story.</p></body></html>")
    assert choose_authors(read_page_meta(tree, "https://example.org/a"), tree) == ([], None)


def test_an_author_meta_tag_written_once_per_author_gives_every_author() -> None:
    page_html = """<html><head><meta name="parsely-author" content="Jessica Holly">
    <meta name="parsely-author" content="Gail Levy"><meta name="parsely-author" content="Jessica Holly">
    </head><body><p>x</p></body></html>"""
    tree = lxml_html.fromstring(page_html)
    expected = (["Jessica Holly", "Gail Levy"], "meta:parsely-author")
    assert choose_authors(read_page_meta(tree, "https://wsvn.com/news/a/"), tree) == expected


def test_the_link_to_an_authors_page_under_the_headline_is_the_byline() -> None:
    """Unmarked bylines still link the name to the author's page (/autor/, /author/); such links in the related
    stories further down name other articles' authors."""
    page_html = """<html><body><div id="logo">Achse</div><h1>Bericht zur Coronalage</h1>
    <div class="teaser_text_meta"><a href="/autor/frank_g">Gunter Frank</a> / 22.04.2020 / 06:15</div>
    <p>Paragraph one of the story, long enough to be text.</p>
    <div class="teaser_blog"><a href="/autor/mueller_h">Hans Müller</a> / 03.11.2021</div></body></html>"""
    tree = lxml_html.fromstring(page_html)
    assert choose_authors(read_page_meta(tree, "https://example.org/a"), tree) == (["Gunter Frank"], "byline")


def test_author_links_inside_a_marked_byline_are_read_together() -> None:
    page_html = """<html><body><h1>La agenda</h1>
    <div class="article-byline">Por <a href="/autor/ic">Isabel Caro</a>, <a href="/autor/rl">Rocío Latorre</a>
    y <a href="/autor/jmw">José Miguel Wilson</a></div><p>Paragraph one of the story, long enough.</p></body></html>"""
    tree = lxml_html.fromstring(page_html)
    names, source = choose_authors(read_page_meta(tree, "https://example.org/a"), tree)
    assert (names, source) == (["Isabel Caro", "Rocío Latorre", "José Miguel Wilson"], "byline")


def test_plugin_author_meta_names_are_read() -> None:
    page_html = """<html><head><meta name="shareaholic:article_author_name" content="Wolfgang Michal">
    </head><body><h1>Publizistische Sorgfaltspflicht</h1><p>Paragraph one of the story.</p></body></html>"""
    tree = lxml_html.fromstring(page_html)
    assert choose_authors(read_page_meta(tree, "https://example.org/a"), tree) == (
        ["Wolfgang Michal"],
        "meta:shareaholic:article_author_name",
    )


def test_a_label_set_off_by_a_dash_under_an_empty_logo_h1_is_read() -> None:
    page_html = """<html><body><h1><img src="/logo.png"></h1><nav><a href="/">Start</a></nav>
    <h1>Woman sees a car stop</h1><div>yas! <span>| By </span><a href="/u/7">Cara Stiles</a> | April 13, 2020</div>
    <p>Paragraph one of the story, long enough to be text.</p></body></html>"""
    tree = lxml_html.fromstring(page_html)
    assert choose_authors(read_page_meta(tree, "https://example.org/a"), tree) == (["Cara Stiles"], "byline:label")


def test_a_class_that_only_ends_in_line_marks_no_byline() -> None:
    """'byline' is read whole: a "clipboard-copyline" share button or a "storyline" box names nobody, and the
    labelled byline further down is read instead."""
    page_html = """<html><body><h1>Le ministre de la Santé sommé de démissionner</h1>
    <div class="clipboard-copyline"><a class="clipboard-copyline__action-link" href="#">Copier</a></div>
    <p>Paragraph one of the story, long enough to be text.</p>
    <div class="node-block"><span class="block__label">Auteur: </span><a href="/anna-kubista">Anna Kubišta</a></div>
    </body></html>"""
    tree = lxml_html.fromstring(page_html)
    assert choose_authors(read_page_meta(tree, "https://example.org/a"), tree) == (["Anna Kubišta"], "byline:label")


def test_a_labelled_byline_ends_with_its_line() -> None:
    """A dateline after a <br> is not part of the last name."""
    page_html = """<html><body><h1>Streit ums Feuerholz</h1><p><strong>Probleme zwischen Einheimischen</strong></p>
    <p>Von <strong><a href="http://a.example">Roland Brockmann</a></strong> und <strong>Sebastian Drescher</strong><br>
    <span id="more-788"></span><br>Kakuma /Kenia</p><p>Paragraph one of the story, long enough to be text.</p></body></html>"""
    tree = lxml_html.fromstring(page_html)
    assert choose_authors(read_page_meta(tree, "https://example.org/a"), tree) == (
        ["Roland Brockmann", "Sebastian Drescher"],
        "byline:label",
    )


def test_a_label_with_a_colon_reads_the_next_line_with_text() -> None:
    page_html = """<html><body><h1>WindRebell: Strom vom eigenen Windrad</h1>
    <p>Paragraph one of the story, long enough to be text.</p>
    <a href="#mail"><div class="trenner"> </div> <b>Von:</b> <br /> <br /> Götz Warnke</a></body></html>"""
    tree = lxml_html.fromstring(page_html)
    assert choose_authors(read_page_meta(tree, "https://example.org/a"), tree) == (["Götz Warnke"], "byline:label")
