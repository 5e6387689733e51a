"""Titles: the on-page headline, not the SEO <title> with its site name, nor a section label set as <h1>."""

from __future__ import annotations

from pathlib import Path

from lxml import html as lxml_html

from crawler.extract.article import extract_html
from crawler.extract.jsonld import JsonLdArticle
from crawler.extract.page import PageMeta, domain_name, read_page_meta
from crawler.extract.title import choose_title, strip_site_name

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"


def test_a_section_label_in_the_only_h1_gives_way_to_the_title_tag() -> None:
    article = extract_html((PAGES / "en_webmd_readability_webmd1.html").read_bytes(), "https://www.webmd.com/allergies/news/")
    assert article.title == "Babies Who Eat Peanuts Early May Avoid Allergy"
    assert article.field_sources["title"] == "title"


def test_a_lone_h1_that_is_the_headline_wins_over_the_seo_title() -> None:
    page = PageMeta(title_tag="Headline words of the story here | The Paper", h1=["Headline words of the story here"])
    assert choose_title(page) == ("Headline words of the story here", "h1")
    # A long <h1> is the headline even when the <title> was written for search engines.
    page = PageMeta(title_tag="Zaubernuss im Winter » Wann blüht die Hamamelis?", h1=["Wie pflege ich meine Zaubernuss im Winter?"])
    assert choose_title(page) == ("Wie pflege ich meine Zaubernuss im Winter?", "h1")


def test_a_short_label_h1_stays_when_the_title_is_only_the_site_name() -> None:
    page = PageMeta(title_tag="Paper", h1=["Ceasefire talks"])
    assert choose_title(page) == ("Ceasefire talks", "h1")


def test_a_blog_name_in_the_only_h1_gives_the_title_before_it() -> None:
    """Old blogs set their name as the <h1> and the post's title in the <title>, before that name."""
    page = PageMeta(title_tag="Was ist Virales Marketing? | DimidoBlog", h1=["DimidoBlog"])
    assert choose_title(page) == ("Was ist Virales Marketing?", "title")
    page = PageMeta(title_tag="Das vermutlich schwulste Musikvideo : Krimiblog-Archiv | Gegründet 2005", h1=["Krimiblog-Archiv"])
    assert choose_title(page) == ("Das vermutlich schwulste Musikvideo", "title")
    # An <h1> leading the <title>, or longer than the part before it, is the headline itself.
    page = PageMeta(title_tag="Einmal zahlen, alles lesen – steinhau", h1=["Einmal zahlen, alles lesen"])
    assert choose_title(page) == ("Einmal zahlen, alles lesen", "h1")
    page = PageMeta(title_tag="News - Elder: Aus dem Ghetto nach Augusta", h1=["Elder: Aus dem Ghetto nach Augusta"])
    assert choose_title(page) == ("Elder: Aus dem Ghetto nach Augusta", "h1")


def test_a_title_part_that_spells_the_domain_is_the_site_name() -> None:
    url = "https://www.timesofisrael.com/liveblog-entry/story/"
    page = PageMeta(title_tag="Hamas delegation lands in Moscow for talks | The Times of Israel", url=url)
    assert choose_title(page) == ("Hamas delegation lands in Moscow for talks", "title")
    # The separators of what is kept stay as the page wrote them.
    assert strip_site_name("Question | iPhone | Forum | MacTechNews.de", None, domain_name("https://www.mactechnews.de/f")) == (
        "Question | iPhone | Forum"
    )
    # A headline that names the site is not the site's name; a short domain name only matches a whole part.
    assert strip_site_name("Advertising on Jodel | Overview", None, "jodel") == "Advertising on Jodel | Overview"
    assert strip_site_name("Report on the talks | RT", None, domain_name("https://www.rt.com/news/1")) == "Report on the talks"
    assert strip_site_name("Report on the talks | Sport", None, "rt") == "Report on the talks | Sport"


def test_a_site_name_holding_a_separator_or_followed_by_a_section_is_stripped_whole() -> None:
    site = "AOC media - Analyse Opinion Critique"
    assert strip_site_name(f"Pour le néolibéralisme, la retraite est un archaïsme | {site}", site) == (
        "Pour le néolibéralisme, la retraite est un archaïsme"
    )
    assert strip_site_name("Ceasefire talks resume in Cairo | CNN | Politics", "CNN") == "Ceasefire talks resume in Cairo"
    # A headline that mentions the site is not its name; the leading site name goes instead.
    assert strip_site_name("gipfelbuch.ch - Outdoornews - Neue Schneekarten auf Gipfelbuch.ch", "gipfelbuch.ch") == (
        "Outdoornews - Neue Schneekarten auf Gipfelbuch.ch"
    )


def test_the_name_the_site_gives_its_feeds_is_stripped_from_the_title() -> None:
    feeds = ["Bibliothek 2.0 und mehr » Feed", "Bibliothek 2.0 und mehr » Kommentar-Feed"]
    page = PageMeta(title_tag="Alles Neue macht der Mai | Bibliothek 2.0 und mehr", feed_titles=feeds)
    assert choose_title(page) == ("Alles Neue macht der Mai", "title")
    # The post's own comment feed repeats its headline: a segment of one feed only is not the site's name.
    headline = "Viviane Obenauf – Staatsanwaltschaft hat Beweise vorgelegt"
    feeds = ["Boxen » Feed", "Boxen » Kommentar-Feed", f"Boxen » {headline} Kommentar-Feed"]
    assert choose_title(PageMeta(meta={"og:title": headline}, feed_titles=feeds)) == (headline, "meta:og:title")


def test_feed_titles_are_read_from_alternate_links() -> None:
    html = (
        '<html><head><title>Post title here | Blog</title><link rel="alternate" type="application/rss+xml" title="Blog » Feed">'
        '<link rel="alternate" hreflang="de" title="Deutsch"><link rel="canonical" href="/post"></head><body></body></html>'
    )
    page = read_page_meta(lxml_html.fromstring(html), "https://blog.example/post")
    assert page.feed_titles == ["Blog » Feed"]
    assert page.canonical == "https://blog.example/post"


def test_a_blog_name_leading_the_title_as_the_only_h1_gives_the_post_title_after_it() -> None:
    url = "https://fouryears.eu/2009/11/21/interning/"
    title = "Four Years Remaining » Blog Archive » Interning of Small Integers in Python"
    page = PageMeta(title_tag=title, h1=["Four Years Remaining"], url=url)
    assert choose_title(page) == ("Interning of Small Integers in Python", "title")
    # A leading <h1> that does not spell the site's name is the headline.
    title = "Ben Wilson Surf - Point of Sail - Segelmacher, Surf und Kite Shop in Kiel"
    page = PageMeta(title_tag=title, h1=["Ben Wilson Surf"], url="https://www.pointofsail-kiel.de/wilson")
    assert choose_title(page) == ("Ben Wilson Surf", "h1")


def test_a_kicker_inside_the_h1_is_not_part_of_the_headline() -> None:
    html = (
        '<html><body><h1><span class="dachzeile">Nach Corona-Lockerungen</span> <span class="headline">'
        "Autohäuser rechnen mit langsamem Anlaufen</span></h1>"
        '<h1><span class="article-heading__kicker">Klimaschutz</span><span class="visually-hidden">: </span>'
        "<span>Bohren, bis es heiß wird</span></h1>"
        '<h1><span class="kicker">Only a kicker</span></h1></body></html>'
    )
    page = read_page_meta(lxml_html.fromstring(html), "https://news.example/a")
    assert page.h1 == ["Autohäuser rechnen mit langsamem Anlaufen", "Bohren, bis es heiß wird", "Only a kicker"]


def test_a_declared_title_cut_without_a_mark_gives_way_to_the_whole_one() -> None:
    whole = (
        "Sanna Marin tapasi Angela Merkelin: Myös Saksa haluaa pitää kiinni maataloustuista - ”Meidän näkemyksiämme"
        " suurimpana nettomaksajana ei ole otettu riittävästi huomioon”"
    )
    cut = whole[: whole.index(" otettu")]
    page = PageMeta(meta={"og:title": whole}, jsonld=JsonLdArticle(type="NewsArticle", headline=cut))
    assert choose_title(page) == (whole, "meta:og:title")
    # An attribute ended by a quote the page left unescaped.
    page = PageMeta(meta={"og:title": "Senador califica a Biden de"}, title_tag='Senador califica a Biden de "incapacitado"')
    assert choose_title(page) == ('Senador califica a Biden de "incapacitado"', "title")
    # A short title that the <title> goes on from with words for search engines is the headline.
    page = PageMeta(meta={"og:title": "Bienenstich-Muffins"}, title_tag="Bienenstich-Muffins Rezept | Dr. Oetker")
    assert choose_title(page) == ("Bienenstich-Muffins", "meta:og:title")


def test_domain_name_skips_generic_second_level_labels() -> None:
    assert domain_name("https://www.bbc.co.uk/news/world") == "bbc"
    assert domain_name("https://kyiv-post.com/a") == "kyivpost"
    assert domain_name("http://127.0.0.1/a") is None
    assert domain_name("http://fakehost/a") is None


def test_a_declared_title_cut_short_gives_way_to_a_whole_one() -> None:
    page = PageMeta(
        jsonld=JsonLdArticle(type="NewsArticle", headline="Hamas delegation arrives in Moscow for talks on…"),
        meta={"og:title": "Hamas delegation arrives in Moscow for talks on hostages"},
    )
    assert choose_title(page) == ("Hamas delegation arrives in Moscow for talks on hostages", "meta:og:title")
    assert choose_title(PageMeta(title_tag="And then...")) == ("And then...", "title")  # the only one there is


def test_a_declared_title_typed_in_ascii_gives_way_to_the_h1_the_reader_sees() -> None:
    h1 = "Faker wins 4th title as T1 embody Heartsteel’s song – Worlds 2023"
    page = PageMeta(meta={"og:title": "Faker wins 4th title as T1 embody Heartsteel's song - Worlds 2023"}, h1=[h1])
    assert choose_title(page) == (h1, "h1")
    # Letter case is not punctuation: an <h1> set in capitals for display leaves the declared title as it is.
    page = PageMeta(meta={"og:title": "Meta-Programming In Emacs Using Defadvice"}, h1=["META-PROGRAMMING IN EMACS USING DEFADVICE"])
    assert choose_title(page) == ("Meta-Programming In Emacs Using Defadvice", "meta:og:title")


def test_the_only_h1_inside_a_declared_title_with_added_words_is_the_headline() -> None:
    page = PageMeta(meta={"og:title": "Receita de Sequilho com Chocolate Amargo"}, h1=["Sequilho com Chocolate Amargo"])
    assert choose_title(page) == ("Sequilho com Chocolate Amargo", "h1")
    # A short <h1> is a label.
    assert choose_title(PageMeta(meta={"og:title": "SibenLab privacy policy"}, h1=["privacy policy"]))[1] == "meta:og:title"


def test_the_only_h1_is_the_headline_before_a_declared_title_written_for_search_engines() -> None:
    page = PageMeta(meta={"og:title": "Wärmepumpe im Altbau - Wann es sich lohnt"}, h1=["Eignet sich eine Wärmepumpe im Altbau?"])
    assert choose_title(page) == ("Eignet sich eine Wärmepumpe im Altbau?", "h1")
    # An <h1> that holds the declared title and more took in a byline or a logo's text beside the headline.
    page = PageMeta(meta={"og:title": "Anticorrupción decidirá si recurre"}, h1=["Anticorrupción decidirá si recurre Ultima Hora Mallorca"])
    assert choose_title(page) == ("Anticorrupción decidirá si recurre", "meta:og:title")
    # An <h1> that names the site is its masthead, not the story's headline.
    page = PageMeta(
        meta={"og:title": "Las trabas del Congreso", "og:site_name": "El Mostrador"},
        h1=["El Mostrador, el primer diario digital de Chile."],
    )
    assert choose_title(page) == ("Las trabas del Congreso", "meta:og:title")
    # A page that declares no title at all has its <h1>.
    assert choose_title(PageMeta(h1=["A headline of several words"])) == ("A headline of several words", "h1")
