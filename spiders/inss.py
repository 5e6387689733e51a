"""INSS (Institute for National Security Studies, inss.org.il): English at `/`, Hebrew at `/he/` (WordPress multisite).

Discovery (research/outlets.md §1): the WordPress feeds `/feed/`, `/publication/feed/`, `/he/feed/` and
`/he/publication/feed/`; the WordPress REST search (`/wp-json/wp/v2/search`, which covers the custom post type
"publication", unlike `/wp/v2/posts`) with the topic's terms; Google News `site:inss.org.il` as the fallback that
other monitors already use. Publications are PDFs linked from the publication page: the spider follows the link
and stores the PDF's text (status pdf_pending when it has none). One outlet, two languages: the language is
detected per document. Fixtures: tests/fixtures/outlets/inss (constructed: no INSS capture exists).
"""

from __future__ import annotations

from spiders.outlet import Outlet
from spiders.sources import JSONAPI, GoogleNewsSearch, RSSFeed

SITE = "https://www.inss.org.il"
# Publication pages, English or Hebrew: /publication/<slug>/ and /he/publication/<slug>/ (H, many citations).
ARTICLE_URL_PATTERN = r"^https://www\.inss\.org\.il/(?:he/)?publication/[^/?#]+/?(?:\?.*)?$"
# Listing and filter pages of the publication archive look like publications to a loose pattern.
SKIP_URL_PATTERNS = (r"/publication/(?:page|feed)/", r"[?&]ptype=")
# INSS PDFs sit in the WordPress media library: /wp-content/uploads/... (English) and
# /he/wp-content/uploads/sites/2/... (Hebrew, site id 2). A link anywhere on the page counts: the publication
# page shows only a summary and a download button; the PDF holds the text.
PDF_LINK_XPATH = "//a[contains(@href, '/wp-content/uploads/')][contains(translate(@href, 'PDF', 'pdf'), '.pdf')]/@href"
# WordPress search is an AND of words: the two sides of the topic, in each site's language.
SEARCH_TERMS = {"": "Russia Hamas", "/he": "רוסיה חמאס"}


def _wp_search(prefix: str, terms: str) -> JSONAPI:
    """The WordPress REST search endpoint of one INSS site: [{id, title, url, type, subtype}], newest first."""
    return JSONAPI(
        url=f"{SITE}{prefix}/wp-json/wp/v2/search?search={{query}}&per_page=20&subtype=any",
        query=terms,
        fields=(("url", "url"), ("title", "title")),
        route_name="wordpress_api",
        kind="wordpress_api",
    )


OUTLETS = (
    Outlet(
        name="inss",
        title="INSS (Institute for National Security Studies)",
        language=None,  # English and Hebrew sites in one outlet: detected per document
        domains=("inss.org.il",),
        sources=(
            RSSFeed(f"{SITE}/feed/"),
            RSSFeed(f"{SITE}/publication/feed/"),
            RSSFeed(f"{SITE}/he/feed/"),
            RSSFeed(f"{SITE}/he/publication/feed/"),
            *(_wp_search(prefix, terms) for prefix, terms in SEARCH_TERMS.items()),
            GoogleNewsSearch("site:inss.org.il when:7d", hl="iw", gl="IL", ceid="IL:iw"),
        ),
        article_url_pattern=ARTICLE_URL_PATTERN,
        skip_url_patterns=SKIP_URL_PATTERNS,
        pdf_link_xpath=PDF_LINK_XPATH,
        fixture_dir="inss",
    ),
)
