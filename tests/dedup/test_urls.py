"""URL identity (crawler.dedup.urls): variants of one article fold to one canonical URL; unsafe URLs are refused."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.dedup.urls import canonical_url, clean_link, is_safe_public_url, registered_domain, url_key

# A real ynetnews article id (2022 "Turkey reportedly nabs Iran cell..." page), in the forms feeds, shares and AMP
# caches produce.
YNET = "https://ynetnews.com/article/byv0vcw55"
YNET_VARIANTS = [
    "https://www.ynetnews.com/article/byv0vcw55",
    "http://www.ynetnews.com/article/byv0vcw55",
    "https://www.ynetnews.com/article/byv0vcw55/",
    "https://WWW.YNETNEWS.COM/article/byv0vcw55",
    "https://www.ynetnews.com:443/article/byv0vcw55",
    "http://www.ynetnews.com:80/article/byv0vcw55",
    "https://www.ynetnews.com/article/byv0vcw55?utm_source=rss&utm_medium=feed&utm_campaign=x",
    "https://www.ynetnews.com/article/byv0vcw55?fbclid=IwAR0abc",
    "https://www.ynetnews.com/article/byv0vcw55?gclid=abc123",
    "https://www.ynetnews.com/article/byv0vcw55#rssom",
    "https://www.ynetnews.com/article/byv0vcw55#autoplay",
    "https://www.ynetnews.com/article/byv0vcw55?ref=rss",
    "https://www.ynetnews.com/article/byv0vcw55?from=rss#xtor=RSS-1",
    "https://m.ynetnews.com/article/byv0vcw55",
    "https://amp.ynetnews.com/article/byv0vcw55",
    "https://www.ynetnews.com/article/byv0vcw55/amp",
    "https://www.ynetnews.com/article/byv0vcw55/amp/",
    "https://www.ynetnews.com/amp/article/byv0vcw55",
    "https://www.ynetnews.com/article/byv0vcw55?outputType=amp",
    "  https://www.ynetnews.com/article/byv0vcw55  ",
]


@pytest.mark.parametrize("variant", YNET_VARIANTS)
def test_variants_fold_to_one_canonical(variant: str) -> None:
    assert canonical_url(variant) == YNET
    assert url_key(variant) == url_key(YNET)


def test_url_key_is_sha1_hex_of_canonical() -> None:
    assert re.fullmatch(r"[0-9a-f]{40}", url_key(YNET))
    assert url_key(YNET) != url_key("https://www.ynetnews.com/article/other")


def test_query_params_sorted_and_meaningful_ones_kept() -> None:
    a = canonical_url("https://www.reuters.com/search?query=hamas&page=2&utm_source=x")
    b = canonical_url("https://reuters.com/search/?page=2&query=hamas")
    assert a == b == "https://reuters.com/search?page=2&query=hamas"


def test_trailing_slash_policy_is_consistent() -> None:
    """A trailing slash never distinguishes two articles; the site root stays "/"."""
    assert canonical_url("https://www.timesofisrael.com/slug/") == canonical_url("https://timesofisrael.com/slug")
    assert canonical_url("https://www.timesofisrael.com") == "https://timesofisrael.com/"
    assert canonical_url("https://www.timesofisrael.com/") == "https://timesofisrael.com/"


def test_amp_html_and_non_amp_words_untouched() -> None:
    assert canonical_url("https://edition.cnn.com/2024/01/05/world/x/index.amp.html") == (
        "https://edition.cnn.com/2024/01/05/world/x/index.html"
    )
    assert canonical_url("https://www.example.com/science/ampere") == "https://example.com/science/ampere"


def test_variant_label_not_folded_when_it_is_the_site() -> None:
    """m.ru is a registered domain in itself: stripping "m." would name another site."""
    assert canonical_url("https://m.ru/news/1") == "https://m.ru/news/1"
    assert canonical_url("https://edition.cnn.com/a") == "https://edition.cnn.com/a"


def test_non_ascii_paths_have_one_encoding() -> None:
    raw = "https://ar.wikipedia.org/wiki/العلاقات_بين_روسيا_وحماس"
    encoded = "https://ar.wikipedia.org/wiki/%d8%a7%d9%84%d8%b9%d9%84%d8%a7%d9%82%d8%a7%d8%aa_%d8%a8%d9%8a%d9%86_%d8%b1%d9%88%d8%b3%d9%8a%d8%a7_%d9%88%d8%ad%d9%85%d8%a7%d8%b3"
    assert canonical_url(raw) == canonical_url(encoded)
    assert canonical_url(raw).startswith("https://ar.wikipedia.org/wiki/%D8%A7")


def test_rel_canonical_on_same_registered_domain_is_honoured() -> None:
    page = "https://m.ynet.co.il/articles/0,7340,L-123,00.html?utm_source=x"
    declared = "https://www.ynet.co.il/news/article/abc123"
    assert canonical_url(page, declared=declared) == "https://ynet.co.il/news/article/abc123"
    assert url_key(page, declared=declared) == url_key("https://ynet.co.il/news/article/abc123")


def test_relative_rel_canonical_is_resolved() -> None:
    page = "https://www.ynetnews.com/article/byv0vcw55?page=1"
    assert canonical_url(page, declared="/article/byv0vcw55") == YNET


def test_cross_domain_canonical_is_ignored() -> None:
    """A page cannot claim another site's URL (syndication partner, spam, hijack)."""
    page = "https://www.alaalem.com/news/12345"
    declared = "https://www.atlanticcouncil.org/blogs/menasource/did-russia-prepare-hamas"
    assert canonical_url(page, declared=declared) == "https://alaalem.com/news/12345"


@pytest.mark.parametrize(
    "declared",
    ["https://www.ynetnews.com/", "javascript:alert(1)", "", "   ", "ftp://www.ynetnews.com/article/byv0vcw55"],
)
def test_unusable_declared_canonical_is_ignored(declared: str) -> None:
    """The home page as canonical is a CMS bug; non-web schemes and blanks say nothing."""
    assert canonical_url("https://www.ynetnews.com/article/byv0vcw55", declared=declared) == YNET


def test_registered_domain() -> None:
    assert registered_domain("https://www.ynet.co.il/news/article/x") == "ynet.co.il"
    assert registered_domain("https://news.bbc.co.uk/x") == "bbc.co.uk"
    assert registered_domain("https://ar.wikipedia.org/wiki/x") == "wikipedia.org"
    assert registered_domain("http://127.0.0.1:8080/x") == "127.0.0.1"
    assert registered_domain("not a url") == ""


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JAVASCRIPT:alert(1)",
        "file:///etc/passwd",
        "data:text/html;base64,PHNjcmlwdD4=",
        "ftp://ftp.example.com/pub/file.txt",
        "mailto:editor@ynetnews.com",
        "//www.ynetnews.com/article/x",
        "http://127.0.0.1/",
        "http://127.8.9.10:8080/admin",
        "http://10.0.0.5/",
        "http://172.16.0.1/",
        "http://172.31.255.254/",
        "http://192.168.1.1/router",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://[fd12:3456::1]/",
        "http://[fc00::1]/",
        "http://[::ffff:192.168.0.1]/",
        "http://localhost/",
        "http://LOCALHOST:6379/",
        "http://api.localhost/",
        "http://2130706433/",  # 127.0.0.1 as one decimal number
        "http://0x7f000001/",
        "http://127.1/",
    ],
)
def test_unsafe_urls_rejected_with_reason(url: str) -> None:
    ok, reason = is_safe_public_url(url)
    assert not ok
    assert reason and reason != "ok"


def test_reasons_name_the_problem() -> None:
    assert "scheme" in is_safe_public_url("javascript:alert(1)")[1]
    assert "10.0.0.0/8" in is_safe_public_url("http://10.1.2.3/")[1]
    assert "localhost" in is_safe_public_url("http://localhost/")[1]


@pytest.mark.parametrize(
    "url",
    [
        "https://www.ynetnews.com/article/byv0vcw55",
        "http://www.aljazeera.net/news/politics/2024/1/1/x",
        "https://tass.ru/politika/8836033",
        "https://8.8.8.8/",
        "http://172.32.0.1/",  # just outside 172.16/12
        "https://cafe.de/",  # hex-looking name, not an address
    ],
)
def test_public_urls_accepted(url: str) -> None:
    assert is_safe_public_url(url) == (True, "ok")


_hosts = st.sampled_from(["www.ynetnews.com", "m.ynet.co.il", "amp.theguardian.com", "tass.ru", "Example.COM"])
_segments = st.lists(st.text(alphabet="abcXYZ019-_אבגعربي", min_size=1, max_size=8), max_size=4)
_params = st.lists(
    st.tuples(st.sampled_from(["id", "page", "utm_source", "fbclid", "q", "ref"]), st.text("abc123", max_size=4)),
    max_size=4,
)


@settings(max_examples=150, deadline=None)
@given(_hosts, _segments, _params, st.booleans())
def test_canonical_url_is_idempotent(host: str, segments: list[str], params: list[tuple[str, str]], slash: bool) -> None:
    url = f"https://{host}/" + "/".join(segments) + ("/" if slash else "")
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params)
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert url_key(once) == url_key(url)


# --- issue 16: URL parsing never raises past its boundary ------------------------------------------------


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("http://[2606:4700::1]/a", "https://[2606:4700::1]/a"),
        ("http://[2606:4700:0:0::1]:8443/a/amp?utm_source=x#f", "https://[2606:4700::1]:8443/a"),
        ("https://[2606:4700::1]:443/a/", "https://[2606:4700::1]/a"),
    ],
)
def test_ipv6_literals_get_an_identity(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical
    assert len(url_key(url)) == 40


@pytest.mark.parametrize("url", ["http://[::1", "http://example.org:99999/a", "http://example.org:x/", "http://[v1.fe]/", "http://[::127.0.0.1]:8080/"])
def test_canonical_url_and_clean_link_never_raise(url: str) -> None:
    assert canonical_url(url)
    assert clean_link(url)
    assert len(url_key(url)) == 40


@pytest.mark.parametrize(
    "url",
    ["http://[::127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[64:ff9b::10.0.0.1]/", "http://[2002:a9fe:a9fe::]/", "http://[::a00:1]/"],
)
def test_ipv6_spellings_of_internal_ipv4_addresses_are_unsafe(url: str) -> None:
    safe, reason = is_safe_public_url(url)
    assert not safe and "internal address" in reason, reason


def test_a_page_cannot_make_an_internal_address_its_identity() -> None:
    assert canonical_url("https://example.org/a", declared="http://127.0.0.1/a") == "https://example.org/a"
    assert canonical_url("http://127.0.0.1:8000/a", declared="http://127.0.0.1:9000/b") == "https://127.0.0.1:8000/a"
    assert canonical_url("http://127.0.0.1:8000/a", declared="/b") == "https://127.0.0.1:8000/b"  # its own origin: honoured
