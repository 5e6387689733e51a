"""Listings: feeds in wrong encodings, sitemaps with news fields, JSON APIs of the wrong shape, bot walls."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from crawler.discover.blocking import detect_block
from crawler.discover.feeds import ListingError, decode_xml, parse_feed
from crawler.discover.sitemaps import parse_sitemap
from spiders.sources import JSONAPI, HTMLListing, WordPressAPI

FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_real_windows1255_feed_decodes_hebrew() -> None:
    body = (FIXTURES / "outlets/ynetnews/rss_allnews_2015_windows1255.xml").read_bytes()
    text, encoding = decode_xml(body)
    assert encoding == "windows-1255"
    assert "ynet" in text and any("\u05d0" <= ch <= "\u05ea" for ch in text)  # Hebrew letters, not mojibake
    leads = parse_feed(body, "https://www.ynetnews.com/Integration/StoryRss3082.xml")
    assert len(leads) == 13
    assert leads[0].title == "Netanyahu, Putin praise military cooperation in Paris"
    assert leads[0].published is not None and leads[0].published.value.tzinfo is not None
    # "Mon, 30 Nov 2015 22:52:43 +0200": the instant in UTC, the feed's own clock beside it.
    assert leads[0].published.value.isoformat() == "2015-11-30T20:52:43+00:00"
    assert leads[0].published.local_isoformat() == "2015-11-30T22:52:43+02:00"
    assert all(lead.published is not None and lead.published.offset_minutes == 120 for lead in leads)


def test_utf8_declared_windows1255_is_read_as_utf8() -> None:
    body = (FIXTURES / "outlets/ynetnews/feed_3082.xml").read_bytes()
    assert b'encoding="windows-1255"' in body
    _text, encoding = decode_xml(body)
    assert encoding == "utf-8"
    leads = parse_feed(body, "https://www.ynetnews.com/Integration/StoryRss3082.xml")
    assert leads[0].title == "Turkey reportedly nabs Iran cell plotting to harm Israelis"


def test_windows1252_feed() -> None:
    leads = parse_feed((FIXTURES / "listings/aljazeera_rss_2015_windows1252.xml").read_bytes(), "https://www.aljazeera.com/xml/rss/all.xml")
    assert len(leads) == 25 and all(lead.url.startswith("http") for lead in leads)


def test_not_a_feed_is_a_listing_error() -> None:
    with pytest.raises(ListingError) as error:
        parse_feed(b"<html><body>Service temporarily unavailable</body></html>", "https://x/feed")
    assert error.value.reason == "feed_malformed"
    with pytest.raises(ListingError, match="feed_empty"):
        parse_feed(b"   ", "https://x/feed")


def test_entity_expansion_and_xxe_are_refused() -> None:
    laughs = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><rss><channel><item><title>&b;</title></item></channel></rss>'
    xxe = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel><item><title>&x;</title></item></channel></rss>'
    for body in (laughs, xxe):
        with pytest.raises(ListingError, match="unsafe_xml"):
            parse_feed(body, "https://x/feed")
        with pytest.raises(ListingError, match="unsafe_xml"):
            parse_sitemap(body)


NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
 <url><loc>https://tass.com/world/1900001</loc><lastmod>2026-11-20T10:00:00+03:00</lastmod>
  <news:news><news:publication><news:name>TASS</news:name><news:language>en</news:language></news:publication>
  <news:publication_date>2026-11-20T09:00:00+03:00</news:publication_date><news:title>Lavrov receives Hamas delegation</news:title>
  <news:keywords>Hamas, Russia, Lavrov</news:keywords></news:news></url>
 <url><loc>https://tass.com/world/1900002</loc><lastmod>not a date</lastmod></url>
</urlset>"""


def test_news_sitemap_keeps_news_fields_and_tolerates_bad_dates() -> None:
    result = parse_sitemap(NEWS_SITEMAP, route="news_sitemap")
    first, second = result.leads
    assert first.title == "Lavrov receives Hamas delegation"
    assert first.keywords == ["Hamas", "Russia", "Lavrov"]
    assert first.published is not None and first.published.value.isoformat() == "2026-11-20T06:00:00+00:00"
    assert first.published.local_isoformat() == "2026-11-20T09:00:00+03:00"  # the publisher's clock is kept
    assert second.published is None and second.modified is None


def test_sitemap_date_without_time_stays_a_date_and_gmt_feeds_stay_utc() -> None:
    day_only = NEWS_SITEMAP.replace(b"2026-11-20T09:00:00+03:00", b"2026-11-20")
    published = parse_sitemap(day_only).leads[0].published
    assert published is not None and published.date_only and published.local_isoformat() == "2026-11-20"
    leads = parse_feed((FIXTURES / "listings/reuters_worldnews_rss_2015.xml").read_bytes(), "https://feeds.reuters.com/Reuters/worldNews")
    assert leads[0].published is not None and leads[0].published.local_isoformat() == "2015-11-28T15:08:38+00:00"


def test_sitemap_index_and_gzip() -> None:
    index = b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://tass.com/sitemap/sitemap_news0.xml</loc></sitemap></sitemapindex>'
    assert parse_sitemap(gzip.compress(index)).children == ["https://tass.com/sitemap/sitemap_news0.xml"]


def test_fifty_thousand_entry_sitemap() -> None:
    entries = b"".join(b"<url><loc>https://example.org/a/%d</loc></url>" % i for i in range(50_000))
    body = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + entries + b"</urlset>"
    assert len(parse_sitemap(body).leads) == 50_000


def test_json_api_wrong_shape_is_a_listing_error() -> None:
    api = JSONAPI(url="https://tass.ru/tbp/api/v1/search?search={query}", items_path="result.contents", query="ХАМАС")
    assert "search=%D0%A5%D0%90%D0%9C%D0%90%D0%A1" in api.listing_requests()[0].url
    with pytest.raises(ListingError, match="api_wrong_shape"):
        api.parse(b'{"result": {"contents": "oops"}}', "https://tass.ru/x")
    with pytest.raises(ListingError, match="api_not_json"):
        api.parse(b"<html>error</html>", "https://tass.ru/x")
    leads = api.parse('{"result": {"contents": [{"url": "/politika/1", "title": "ХАМАС в Москве", "date": 1700000000}]}}'.encode(), "https://tass.ru/tbp/api")
    assert leads.leads[0].url == "https://tass.ru/politika/1" and leads.leads[0].published is not None


def test_wordpress_api_posts() -> None:
    api = WordPressAPI("https://www.inss.org.il", query="Hamas Russia")
    body = b'[{"link": "https://www.inss.org.il/publication/russia-hamas/", "title": {"rendered": "Russia &amp; Hamas"}, "date_gmt": "2023-10-30T08:00:00", "excerpt": {"rendered": "<p>Moscow hosted</p>"}}]'
    lead = api.parse(body, api.listing_requests()[0].url).leads[0]
    assert lead.title == "Russia & Hamas" and lead.lead == "Moscow hosted" and lead.route == "wordpress_api"


def test_html_listing_collects_article_links() -> None:
    body = (FIXTURES / "outlets/ynetnews/category_3082_2025.html").read_bytes()
    leads = HTMLListing("https://www.ynetnews.com/category/3082").parse(body, "https://www.ynetnews.com/category/3082").leads
    assert sum("/article/" in lead.url for lead in leads) >= 5


def test_challenge_page_served_with_200_is_blocked() -> None:
    body = (FIXTURES / "listings/he_israelhayom_antibot_challenge.html").read_bytes()
    assert detect_block(200, body, "text/html") == "blocked:reblaze"


def test_real_article_is_not_blocked_and_refusals_are() -> None:
    article = (FIXTURES / "outlets/ynetnews/article_byv0vcw55.html").read_bytes()
    assert detect_block(200, article, "text/html; charset=utf-8") is None
    datadome = b'<html><head><title>reuters.com</title></head><body><iframe src="https://geo.captcha-delivery.com/captcha/?initialCid=x"></iframe></body></html>'
    assert detect_block(401, datadome, "text/html") == "blocked:datadome"
    assert detect_block(403, b"Forbidden", "text/plain") == "http_403"
    assert detect_block(429, b"", "") == "rate_limited"
    assert detect_block(404, b"not found", "text/html") is None
