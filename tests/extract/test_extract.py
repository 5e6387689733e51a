"""crawler.extract (article, body, cleanup, page) on real captured pages (tests/fixtures/pages, see its README) and small constructed HTML.

Exact title, UTC publication day and language; the body by must-contain / must-not-contain snippets; how the
body is chosen between trafilatura and JSON-LD by evidence; chrome removal (captions, gallery counters, teaser
links, trailing headline lists); PDF dispatch; stored files.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from crawler.discover.feeds import parse_feed
from crawler.extract.article import ExtractionHints, extract_document, extract_file, extract_html
from crawler.extract.body import reconcile_bodies
from crawler.extract.cleanup import LinkTexts, clean_lines
from crawler.extract.jsonld import read_jsonld
from crawler.extract.title import strip_site_name
from crawler.model import DateEvidence
from crawler.textnorm import fold_whitespace

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"
FETCHED = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def _read(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def _fundus_paragraphs(name: str, key: str) -> list[str]:
    record = json.loads(_read(name))[key]
    body = record["body"]
    return body["summary"] + [p for section in body["sections"] for p in section["paragraphs"]]


# file, url, title, UTC day (None: no date must be claimed), language, must contain, must not contain
CASES: list[tuple[str, str, str, str | None, str, list[str], list[str]]] = [
    (
        "en_ynetnews_byv0vcw55_2022.html",
        "https://www.ynetnews.com/article/byv0vcw55",
        "Turkey reportedly nabs Iran cell plotting to harm Israelis",
        "2022-06-23",
        "en",
        [
            "Turkey thwarted an attempted attack on Israeli targets in Istanbul last weekend",
            'The court mentioned Israel only in saying the U.S. supported the "Zionist regime"',
        ],
        ["Photo: AFP", "Photo: Reuters", "ynetnews"],
    ),
    (
        "en_reuters_2024_03_07.html",
        "https://www.reuters.com/world/middle-east/israeli-tank-likely-scenario-fired-machine-gun-reporters-after-deadly-shelling-2024-03-07/",
        "Israeli tank 'likely' fired machine gun at reporters after deadly shelling, report finds",
        "2024-03-07",
        "en",
        _fundus_paragraphs("en_reuters_expected_fundus.json", "V1_1"),
        ["Our Standards: The Thomson Reuters Trust Principles", "opens new tab"],
    ),
    (
        "ru_tass_8836033_2020.html",
        "https://tass.ru/moskva/8836033",
        "Движение по ЦКАД-5 открывается от Можайского до Новорижского шоссе",
        "2020-06-28",
        "ru",
        ["МОСКВА, 29 июня. /ТАСС/. Движение от Можайского до Новорижского шоссе", "Строительство начнется после 2022 года."],
        ["Читайте также", "Подписаться"],
    ),
    (
        "en_timesofisrael_2020.html",
        "https://www.timesofisrael.com/state-of-washington-swears-in-first-native-american-jewish-supreme-court-justice/",
        "State of Washington swears in first Native American-Jewish Supreme Court justice",
        "2020-01-08",
        "en",
        ["The state of Washington has sworn in its first Native American Supreme", "their deep commitment to what is just."],
        ["Get The Times of Israel's Daily Edition by email"],
    ),
    (
        "ru_kommersant_2025.html",
        "https://www.kommersant.ru/doc/7715044",
        "Легкий троннинг",
        "2025-05-14",
        "ru",
        _fundus_paragraphs("ru_kommersant_expected_fundus.json", "V1"),
        ["Загрузка", "Подписаться на"],
    ),
    (
        "ar_cnnarabic_2013.html",
        "http://arabic.cnn.com/2013/middle_east/8/3/syria.clashes/index.html",
        "معارضون يسيطرون على مخازن للصواريخ بريف دمشق",
        None,  # only the URL's odd /2013/<section>/8/3/ layout dates it; htmldate's year guess 2013-01-01 is refused
        "ar",
        [p for p in _read("ar_cnnarabic_2013.expected.txt").decode("utf-8").splitlines() if p.strip()],
        [],
    ),
    (
        "ar_assabah.html",
        "http://www.assabah.com.tn/article/164913",
        "الناشط الحقوقي السوداني خالد عبد الكريم ماسا لـ«الصباح»: كل الشروط متوفرة لثورة سودانية ولا حاجة لنستورد شيئا",
        "2019-02-07",  # RDFa dc:date 2019-02-08T00:00:00+01:00, i.e. 23:00 UTC on the 7th (htmldate says 02-09)
        "ar",
        ["مالذي يحدث في السودان؟", "والدفع الى اعادة التفكير في العلاقة بين الخرطوم وتل ابيب."],
        ["إضافة تعليق جديد"],
    ),
    (
        "he_ynet_constructed_seed001.html",
        "https://www.ynet.co.il/news/article/constructed001",
        "פוטין הודה לחמאס על שחרור סשה טרופנוב: מה עומד מאחורי הקשר בין רוסיה לארגון הטרור",
        "2025-02-26",
        "he",
        [
            "אחרי שחרורו של שורד השבי סשה טרופנוב, המחזיק באזרחות רוסית",
            "ומה חמאס מקווה להשיג מהקשר?",
            "ולא להיגרר למתן תמיכה לאוקראינה",
        ],
        [
            "צילום:",
            "צפייה בגלריה",
            "הפגישה של פוטין עם שורדי השבי",  # the caption above "(צילום: הקרמלין)"
            "מחבלי חמאס בחאן יונס בעת העברת החטופים",  # the caption above "(צילום: AP/Abdel Kareem Hana)"
            "שחרור החטופים: כל הפרטים על העסקה",  # related-articles box
            "כל הזכויות שמורות",
        ],
    ),
    (
        "ar_alaalem_constructed_seed003.html",
        "https://www.alaalem.com/ar/news/constructed003",
        "هل أعدت روسيا حماس للهجوم على إسرائيل؟",
        "2023-11-06",  # "6-تشرين الثاني-2023": Levantine month name between hyphens, no machine-readable date
        "ar",
        ["سافر ممثلو حماس إلى موسكو", "ولا يمكن السماح لروسيا أن تنجح."],
        ["الاقتصاد النيابية تبحث المواصفة العراقية", "3-نيسان-2024", "weebtech", "هزة أرضية تضرب الحدود العراقية التركية"],
    ),
]


@pytest.mark.parametrize(("name", "url", "title", "day", "language", "present", "absent"), CASES, ids=[c[0] for c in CASES])
def test_captured_and_constructed_pages(
    name: str, url: str, title: str, day: str | None, language: str, present: list[str], absent: list[str]
) -> None:
    article = extract_html(_read(name), url, fetched_at=FETCHED)
    assert article.title == title
    assert article.language == language
    if day is None:
        assert article.published.value is None, article.published
    else:
        assert article.published.value is not None, article.warnings
        assert article.published.value.tzinfo is not None
        assert article.published.value.date().isoformat() == day, article.published
    text = fold_whitespace(article.text)
    for snippet in present:
        assert fold_whitespace(snippet) in text, f"missing {snippet[:60]!r}"
    for snippet in absent:
        assert fold_whitespace(snippet) not in text, f"chrome left in: {snippet!r}"
    assert article.field_sources["text"] == article.extraction_method
    assert article.field_sources["published_at"] == article.published.source


def test_provenance_of_a_jsonld_page() -> None:
    article = extract_html(_read("en_ynetnews_byv0vcw55_2022.html"), "https://www.ynetnews.com/article/byv0vcw55")
    assert article.field_sources["title"] == "jsonld"
    assert article.field_sources["published_at"] == "jsonld"
    assert article.published.uncertain is False
    assert article.published.value == datetime(2022, 6, 23, 12, 59, 24, 905454, tzinfo=UTC)
    assert article.modified_at == datetime(2022, 6, 23, 13, 1, 30, 365880, tzinfo=UTC)
    assert article.field_sources["modified_at"] == "jsonld"
    assert article.authors == ["Itamar Eichner"]
    assert article.canonical_url == "https://www.ynetnews.com/article/byv0vcw55"
    assert article.field_sources["language"] == "html:lang"
    record = article.as_json()
    assert record["published_at"] == "2022-06-23T12:59:24.905454+00:00"
    assert record["extraction_method"] == article.extraction_method


def test_published_at_is_printed_on_the_publishers_clock() -> None:
    """Issue 15 item 1: the offset the page states is kept, and a day given without a time stays a day."""
    kommersant = extract_html(_read("ru_kommersant_2025.html"), "https://www.kommersant.ru/doc/7733012", fetched_at=FETCHED)
    assert kommersant.as_json()["published_at"] == "2025-05-14T20:28:12.467000+03:00"
    assert kommersant.as_json()["published_at_utc"] == "2025-05-14T17:28:12.467000+00:00"
    # The Times of Israel page shows "8 January 2020" and no time: a date, not midnight UTC.
    toi = extract_html(_read("en_timesofisrael_2020.html"), "https://www.timesofisrael.com/x/", fetched_at=FETCHED)
    assert toi.published.date_only and toi.as_json()["published_at"] == "2020-01-08"


def test_a_feed_date_keeps_its_offset_when_the_page_has_none() -> None:
    """The page states no date; the feed's "22:52:43 +0200" is the publisher's day (20:52 in UTC)."""
    feed = parse_feed((PAGES.parent / "outlets/ynetnews/rss_allnews_2015_windows1255.xml").read_bytes(), "https://www.ynetnews.com/rss")
    listed = feed[0].published
    article = extract_html(_read("ar_cnnarabic_2013.html"), "https://arabic.cnn.com/x", feed_date=listed, fetched_at=FETCHED)
    assert article.published.source == "feed"
    assert article.as_json()["published_at"] == "2015-11-30T22:52:43+02:00"
    assert article.published.value == datetime(2015, 11, 30, 20, 52, 43, tzinfo=UTC)


def test_authors_split_and_meta_published_time() -> None:
    article = extract_html(_read("en_reuters_2024_03_07.html"), "https://www.reuters.com/x")
    assert article.authors == ["Maya Gebeily", "Anthony Deutsch"]
    assert article.modified_at is not None and article.modified_at > article.published.value  # type: ignore[operator]


def test_anti_bot_challenge_gives_no_text_and_no_bogus_date() -> None:
    article = extract_html(
        _read("he_israelhayom_antibot_challenge.html"),
        "https://www.israelhayom.co.il/article/x",
        fetched_at=FETCHED,
        declared_language="he",
    )
    assert article.text == ""
    assert article.published.value is None  # htmldate says 1998-01-01: a year-only guess, refused
    assert any("year-only" in w for w in article.warnings)
    assert any("no article body" in w for w in article.warnings)
    assert article.language == "he"  # nothing to detect: the outlet's declaration stands


# --- body choice between trafilatura and JSON-LD, by evidence -----------------------------------------------

_PARAGRAPHS = [
    "Moscow hosted a delegation of the Palestinian movement Hamas on Thursday, the Russian foreign ministry said.",
    "The delegation met deputy foreign minister Mikhail Bogdanov to discuss the situation in the Gaza Strip.",
    "According to the ministry, both sides stressed the need for an immediate ceasefire and humanitarian access.",
    "Israel's foreign ministry summoned the Russian ambassador in protest against the visit of the delegation.",
    "It was the third visit of a Hamas delegation to Moscow since the attack of October 7, officials said.",
]


def _page(body_html: str, article_body: str | None = None, extra_head: str = "") -> str:
    record: dict[str, Any] = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "Example News"},
            {
                "@type": ["NewsArticle"],
                "headline": "Hamas delegation in Moscow",
                "datePublished": "2025-10-30T10:00:00+03:00",
                "author": [{"@type": "Person", "name": "A. Writer"}],
                "inLanguage": "en-GB",
            },
        ],
    }
    if article_body is not None:
        record["@graph"][1]["articleBody"] = article_body
    return (
        "<html><head><title>Hamas delegation in Moscow | Example News</title>"
        f'<script type="application/ld+json">{json.dumps(record)}</script>{extra_head}</head>'
        "<body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<main><article><h1>Hamas delegation in Moscow</h1>{body_html}</article></main>"
        "<footer><p>Example News, 1 Example Street</p></footer></body></html>"
    )


def _paragraphs_html(paragraphs: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def test_jsonld_body_replaces_a_truncated_page() -> None:
    # The page renders the first paragraphs only (the rest by JavaScript); JSON-LD carries the whole article.
    html = _page(_paragraphs_html(_PARAGRAPHS[:3]), article_body="\n".join(_PARAGRAPHS))
    article = extract_html(html, "https://example.org/news/1")
    assert article.extraction_method.startswith("jsonld")
    for paragraph in _PARAGRAPHS:
        assert paragraph in article.text
    assert article.title == "Hamas delegation in Moscow"
    assert article.language == "en"
    assert article.field_sources["language"] == "jsonld:inLanguage"
    assert article.published.value == datetime(2025, 10, 30, 7, 0, tzinfo=UTC)


def test_jsonld_body_filters_captions_out_of_trafilatura_text() -> None:
    body = (
        _paragraphs_html(_PARAGRAPHS[:2])
        + "<p>The delegation at the ministry building</p><p>Photo: Reuters</p>"
        + _paragraphs_html(_PARAGRAPHS[2:])
    )
    article = extract_html(_page(body, article_body=" ".join(_PARAGRAPHS)), "https://example.org/news/2")
    assert "jsonld-filter" in article.extraction_method
    assert "The delegation at the ministry building" not in article.text
    assert "Photo: Reuters" not in article.text
    assert article.text.count("\n") >= 4  # trafilatura's paragraphing is kept
    for paragraph in _PARAGRAPHS:
        assert paragraph in article.text


def test_short_or_unrelated_jsonld_body_is_not_preferred() -> None:
    teaser = "Hamas officials were in Moscow on Thursday."
    article = extract_html(_page(_paragraphs_html(_PARAGRAPHS), article_body=teaser), "https://example.org/news/3")
    assert article.extraction_method.startswith("trafilatura")
    assert all(p in article.text for p in _PARAGRAPHS)
    other_story = (
        "The central bank raised its key rate by two percentage points to curb inflation, the governor said. "
        "Analysts had expected a smaller increase after the ruble recovered some of its losses last week. "
        "The decision surprised markets, and government bond yields rose sharply in the afternoon session."
    )
    article = extract_html(_page(_paragraphs_html(_PARAGRAPHS), article_body=other_story), "https://example.org/news/4")
    assert article.extraction_method.startswith("trafilatura")
    assert "central bank" not in article.text


def test_outlet_hints_override_the_evidence() -> None:
    html = _page(_paragraphs_html(_PARAGRAPHS[:3]), article_body="\n".join(_PARAGRAPHS))
    never = extract_html(html, "https://example.org/n", hints=ExtractionHints(prefer_jsonld_body=False))
    assert never.extraction_method.startswith("trafilatura")
    assert _PARAGRAPHS[3] not in never.text
    always = extract_html(
        _page(_paragraphs_html(_PARAGRAPHS), article_body=" ".join(_PARAGRAPHS)),
        "https://example.org/n",
        hints=ExtractionHints(prefer_jsonld_body=True),
    )
    assert always.extraction_method == "jsonld"


def test_prune_xpaths_and_body_xpath_hints() -> None:
    promo = "Subscribe to our premium Middle East briefing for exclusive analysis every morning"
    body = _paragraphs_html(_PARAGRAPHS[:3]) + f'<div class="promo"><p>{promo}.</p></div>' + _paragraphs_html(_PARAGRAPHS[3:])
    pruned = extract_html(_page(body), "https://example.org/p", hints=ExtractionHints(prune_xpaths=["//div[@class='promo']"]))
    assert promo not in pruned.text
    assert all(p in pruned.text for p in _PARAGRAPHS)
    # A body the generic extractor cannot see as one (spread over <span>s) but the outlet's XPath names.
    spans = "".join(f"<span class='t'>{p}</span><br>" for p in _PARAGRAPHS)
    hinted = extract_html(
        _page(f"<div id='story'>{spans}</div>"), "https://example.org/q", hints=ExtractionHints(body_xpath="//div[@id='story']")
    )
    assert all(p in hinted.text for p in _PARAGRAPHS)


def test_extraction_hints_from_config_dicts() -> None:
    hints = ExtractionHints(prune_xpaths=["//aside", "//figure"], prefer_jsonld_body=None)
    assert hints.prune_xpaths == ("//aside", "//figure")
    assert hash(hints) == hash(ExtractionHints(prune_xpaths=("//aside", "//figure")))


def test_reconcile_bodies_rules() -> None:
    full = "\n".join(_PARAGRAPHS)
    assert reconcile_bodies("", "trafilatura", full, "jsonld") == (full, "jsonld")
    assert reconcile_bodies(full, "trafilatura", "too short", "jsonld") == (full, "trafilatura")
    with_caption = "\n".join(_PARAGRAPHS[:2] + ["Credit line of a photo agency"] + _PARAGRAPHS[2:])
    text, method = reconcile_bodies(with_caption, "trafilatura", " ".join(_PARAGRAPHS), "jsonld")
    assert text == full and method == "trafilatura+jsonld-filter"
    # A prose paragraph the structured body lacks is kept: articleBody is often abridged, not cleaner.
    extra = "The visit was first reported by the state news agency RIA Novosti, which quoted a ministry source."
    text, _ = reconcile_bodies(full + "\n" + extra, "trafilatura", " ".join(_PARAGRAPHS), "jsonld")
    assert extra in text


# --- line-level chrome ---------------------------------------------------------------------------------


def test_read_also_lines_and_trailing_headline_lists() -> None:
    related = ["Putin receives freed hostage Sasha Troufanov at the Kremlin", "Hamas leaders arrive in Moscow for talks"]
    links = "".join(f"<p><a href='/news/{i}'>{title}</a></p><p>12.02.2024</p>" for i, title in enumerate(related))
    body = (
        _paragraphs_html(_PARAGRAPHS[:2])
        + "<p>Read also: <a href='/news/9'>Russia and Israel at odds over Gaza ceasefire resolution</a></p>"
        + "<p>اقرأ أيضا: <a href='/ar/1'>وفد من حماس يزور موسكو لإجراء محادثات</a></p>"
        + _paragraphs_html(_PARAGRAPHS[2:])
        + links
    )
    article = extract_html(_page(body), "https://example.org/r")
    for paragraph in _PARAGRAPHS:
        assert paragraph in article.text
    assert "Read also" not in article.text
    assert "اقرأ أيضا" not in article.text
    for title in related:
        assert title not in article.text
    assert "12.02.2024" not in article.text


def test_clean_lines_keeps_cited_urls_and_prose_but_cuts_teasers() -> None:
    source = "https://www.mid.ru/ru/foreign_policy/news/1234567/"
    tree = lxml_html.fromstring(
        "<html><body><a href='/a'>Hamas leaders arrive in Moscow for talks</a>"
        f"<a href='{source}'>{source}</a><a href='/b'>The Thomson Reuters Trust Principles., opens new tab</a>"
        "<a href='/c'>Putin receives freed hostage at the Kremlin</a></body></html>"
    )
    text = "\n".join(
        _PARAGRAPHS[:2]
        + [
            "(צילום: AP/Abdel Kareem Hana)",
            "5 צפייה בגלריה",
            "Читайте также: Лавров провел переговоры с делегацией ХАМАС",
            "מחבלי חמאס בחאן יונס בעת העברת החטופים (צילום: AP)",
            "Get our daily newsletter: sign up free",
            "12 תגובות",
            "أضف تعليقاً",
        ]
        + _PARAGRAPHS[2:]
        + [
            source,
            "Our Standards: The Thomson Reuters Trust Principles.",
            "Hamas leaders arrive in Moscow for talks",
            "12-شباط-2024",
            "Putin receives freed hostage at the Kremlin",
            "© 2024 Example News",
        ]
    )
    cleaned = clean_lines(text, link_texts=LinkTexts.of(tree)).split("\n")
    assert cleaned == _PARAGRAPHS + [source]
    # A French heading that starts with "Comment" (how) is not a comment teaser.
    assert clean_lines("Comment Moscou parle au Hamas\n" + _PARAGRAPHS[0]).startswith("Comment Moscou")


def test_lead_paragraph_restored_from_the_page() -> None:
    lead = "Russia hosted Hamas officials for the third time since October, drawing a sharp protest from Israel."
    head = f'<meta property="og:description" content="{lead}">'
    body = f"<div class='standfirst'><span>{lead}</span></div>" + _paragraphs_html(_PARAGRAPHS)
    article = extract_html(_page(body, extra_head=head), "https://example.org/l")
    assert lead in article.text
    assert article.text.index(lead) < article.text.index(_PARAGRAPHS[0])
    # A description that the page never shows (SEO text) is not inserted.
    seo = "Breaking news, analysis and opinion from the Middle East and Russia, updated around the clock."
    article = extract_html(
        _page(_paragraphs_html(_PARAGRAPHS), extra_head=f'<meta name="description" content="{seo}">'), "https://example.org/m"
    )
    assert seo not in article.text
    assert article.description == seo


def test_title_falls_back_and_site_name_is_stripped() -> None:
    html = (
        "<html><head><title>Hamas delegation in Moscow | Example News</title><meta property='og:site_name' content='Example News'></head><body>"
        + _paragraphs_html(_PARAGRAPHS)
        + "</body></html>"
    )
    article = extract_html(html, "https://example.org/t")
    assert article.title == "Hamas delegation in Moscow"
    assert article.field_sources["title"] == "title"
    assert strip_site_name("ynet - Headline words here", "ynet") == "Headline words here"
    assert strip_site_name("Russia – Hamas: what next", None) == "Russia – Hamas: what next"


def test_feed_date_used_when_the_page_declares_none() -> None:
    html = "<html><body>" + _paragraphs_html(_PARAGRAPHS) + "</body></html>"
    feed = DateEvidence(datetime(2025, 10, 30, 9, 0, tzinfo=UTC), "feed")
    article = extract_html(html, "https://example.org/f", feed_date=feed, fetched_at=FETCHED)
    assert article.published == feed


@pytest.mark.parametrize(
    "junk", [b"", "<html></html>", b"\x00\x01\x02\xff\xfe<<>>", "<html><body><script>x()</script></body></html>"]
)
def test_junk_input_never_raises(junk: bytes | str) -> None:
    article = extract_html(junk, "https://example.org/junk", fetched_at=FETCHED)
    assert article.text == ""
    assert article.warnings
    assert article.published.value is None


def test_broken_jsonld_is_a_warning() -> None:
    html = (
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle", "headline": </script></head><body>'
        + _paragraphs_html(_PARAGRAPHS)
        + "</body></html>"
    )
    article = extract_html(html, "https://example.org/b")
    assert any("jsonld" in w for w in article.warnings)
    assert _PARAGRAPHS[0] in article.text


# --- documents and files --------------------------------------------------------------------------------


def _tiny_pdf(lines: list[str], title: str | None = None) -> bytes:
    """A one-page PDF with Helvetica text lines (and optionally an /Info /Title), xref offsets computed."""
    content = "BT /F1 14 Tf 72 720 Td " + " ".join(f"({line}) Tj 0 -20 Td" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
    ]
    if title:
        objects.append(f"<< /Title ({title}) >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    info = f" /Info {len(objects)} 0 R" if title else ""
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


_PDF_LINES = [
    "Russia and Hamas: a policy brief",
    "Moscow hosted a Hamas delegation on Thursday for talks with the foreign ministry.",
    "The talks covered the release of hostages held in the Gaza Strip since October.",
]


def test_extract_document_dispatches_pdf_by_magic_bytes() -> None:
    pytest.importorskip("crawler.extract.pdf", reason="crawler/extract/pdf.py (the PDF stage) is not importable yet")
    article = extract_document(_tiny_pdf(_PDF_LINES, title="Russia and Hamas brief"), "https://example.org/brief.pdf")
    assert article.extraction_method.startswith("pdf:")
    assert article.title == "Russia and Hamas brief"
    assert article.field_sources["title"] == "pdf:metadata"
    assert article.language == "en"
    for line in _PDF_LINES:
        assert line in article.text


def test_extract_document_pdf_title_from_first_line_and_content_type() -> None:
    pytest.importorskip("crawler.extract.pdf", reason="crawler/extract/pdf.py (the PDF stage) is not importable yet")
    article = extract_document(
        _tiny_pdf(_PDF_LINES), "https://example.org/b.pdf", content_type="application/pdf", declared_language="he"
    )
    assert article.title == "Russia and Hamas: a policy brief"
    assert article.field_sources["title"] == "pdf:first_line"
    assert article.language == "en"  # the declared Hebrew contradicts the Latin text


@pytest.mark.parametrize(
    ("data", "content_type"),
    [(b"%PDF-1.4\nthis is not a PDF body", None), (b"<html><body>not a pdf</body></html>", "application/pdf")],
)
def test_extract_document_corrupt_pdf_is_a_warning(data: bytes, content_type: str | None) -> None:
    pytest.importorskip("crawler.extract.pdf", reason="crawler/extract/pdf.py (the PDF stage) is not importable yet")
    article = extract_document(data, "https://example.org/x.pdf", content_type=content_type)
    assert article.text == ""
    assert any(w.startswith("pdf:") for w in article.warnings)


def test_extract_document_html() -> None:
    article = extract_document(
        _read("ru_tass_8836033_2020.html"), "https://tass.ru/moskva/8836033", content_type="text/html; charset=utf-8"
    )
    assert article.title == "Движение по ЦКАД-5 открывается от Можайского до Новорижского шоссе"


def test_extract_file_url_from_argument_sidecar_or_path(tmp_path: Path) -> None:
    page = tmp_path / "story.html"
    page.write_bytes(_read("ru_tass_8836033_2020.html"))
    assert extract_file(page).url == page.resolve().as_uri()
    (tmp_path / "story.html.url").write_text("https://tass.ru/moskva/8836033\n", encoding="utf-8")
    assert extract_file(page).url == "https://tass.ru/moskva/8836033"
    assert extract_file(page, "https://example.org/given").url == "https://example.org/given"


# --- JSON-LD reading (crawler.extract.jsonld) --------------------------------------------------------------------


def test_jsonld_graph_lists_nesting_and_sloppy_json() -> None:
    blocks = [
        # A list at the top, the article under a WebPage's mainEntity, raw newlines and a trailing comma.
        (
            '[{"@type": "Organization", "name": "X"}, {"@type": "WebPage", "mainEntity": {"@type": ["ReportageNewsArticle"],'
            ' "headline": "Line\none &amp; two", "articleBody": "<p>First.</p><p>Second.</p>", "datePublished": "2025-01-02",'
            ' "author": "Anna A., Boris B.", "inLanguage": {"@type": "Language", "alternateName": "ru"}, "keywords": "Hamas, Russia",}}]'
        ),
        "<!-- not json at all -->",
    ]
    article, failures = read_jsonld(blocks, "https://example.org/a")
    assert failures == 1  # the second block is not JSON: counted (it becomes a warning), not fatal
    assert article is not None
    assert article.type == "ReportageNewsArticle"
    assert article.headline == "Line one & two"
    assert article.body == "First.\nSecond."
    assert article.authors == ("Anna A.", "Boris B.")
    assert article.language == "ru"
    assert article.keywords == ("Hamas", "Russia")
    assert article.date_published == "2025-01-02"


def test_jsonld_picks_the_record_of_this_page() -> None:
    related = {
        "@type": "NewsArticle",
        "headline": "Other story",
        "url": "https://example.org/other",
        "datePublished": "2024-01-01",
    }
    own = {"@type": "NewsArticle", "headline": "This story", "mainEntityOfPage": {"@id": "https://www.example.org/this/"}}
    article, _ = read_jsonld([json.dumps({"@graph": [related, own]})], "https://example.org/this")
    assert article is not None and article.headline == "This story"
    broken, failures = read_jsonld(['{"@type": "NewsArticle", "headline": '], None)
    assert broken is None and failures == 1


def test_jsonld_article_body_written_twice_is_kept_once() -> None:
    """Some CMSs concatenate the body with itself in articleBody; the repetition must not double the text."""
    paragraphs = "Первый абзац о встрече в Москве.\nВторой абзац с подробностями переговоров."
    for body in (f"{paragraphs}\n{paragraphs}", f"{' '.join(paragraphs.split())} {' '.join(paragraphs.split())}"):
        record = {"@type": "NewsArticle", "headline": "h", "articleBody": body}
        article, _ = read_jsonld([json.dumps(record, ensure_ascii=False)], "https://example.org/a")
        assert article is not None and article.body is not None
        assert article.body.count("Первый абзац") == 1


def test_declared_title_with_site_or_kicker_gives_way_to_the_on_page_headline() -> None:
    from crawler.extract.title import on_page_headline

    headline = "Putin receives Hamas delegation in Moscow"
    assert on_page_headline(f"{headline} | The Paper", [headline]) == headline
    assert on_page_headline(f"{headline} - World - The Paper", [headline]) == headline
    assert on_page_headline(f"Analysis: {headline}", [headline]) == headline
    # an <h1> holding the site's name after a dash is not the headline
    assert on_page_headline("Evolve: Shared Mutable History — evolve extension for Mercurial", ["evolve extension for Mercurial"]) is None
    assert on_page_headline(headline, [headline]) is None  # nothing to strip


def test_a_menu_like_fast_result_reads_as_little_prose() -> None:
    """The retry signal of item 2: a lead sentence plus the site menu is mostly not prose."""
    from crawler.extract.body import MIN_PROSE_SHARE, prose_share

    lead = "Russian Foreign Minister Sergei Lavrov met a Hamas delegation in Moscow on Monday, the ministry said."
    menu = "\n".join(["Home", "World", "Politics", "Business", "Opinion", "Sport", "Culture", "Video", "Podcasts"] * 6)
    assert prose_share(f"{lead}\n{menu}") < MIN_PROSE_SHARE
    assert prose_share("\n".join([lead] * 5 + ["Photo: AFP"])) > MIN_PROSE_SHARE


def test_only_a_lead_plus_a_menu_reads_as_a_menu() -> None:
    """A page of lists around a dozen prose paragraphs (a wiki, a product page) is mostly short lines too, but
    it already holds its prose: the full cascade would read it no better, at twice the cost."""
    from crawler.extract.body import MENU_RETRY_MAX_PROSE_CHARS, reads_as_menu

    lead = "Russian Foreign Minister Sergei Lavrov met a Hamas delegation in Moscow on Monday, the ministry said."
    menu = "\n".join(["Home", "World", "Politics", "Business", "Opinion", "Sport", "Culture", "Video", "Podcasts"] * 6)
    assert reads_as_menu(f"{lead}\n{menu}")
    listing = "\n".join(["Gift", "Loved", "Liked", "Neutral", "Disliked", "Hated"] * 60)
    paragraphs = [lead] * (MENU_RETRY_MAX_PROSE_CHARS // len(lead) + 1)
    assert not reads_as_menu("\n".join([*paragraphs, listing]))
    assert not reads_as_menu("\n".join([lead] * 5))  # prose is never a menu
