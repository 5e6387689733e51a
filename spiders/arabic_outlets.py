"""The seeds' Arabic outlets: Al-Aalem (alaalem.com, Iraq) and Al-Khanadeq (alkhanadeq.com, Lebanon, موقع الخنادق).

Neither has a known feed, sitemap or article URL pattern (research/outlets.md §6), so both are watched through the
cross-outlet sources restricted to their domain: Google News `site:` (Arabic edition of the outlet's country) and
GDELT `domainis:`. A GDELT hit is the outlet's own URL, so its page is fetched and extracted like any article; a
Google News hit is an opaque link, kept as a metadata-only record. `coverwatch probe https://alaalem.com` looks for
a feed or sitemap and prints a ready [outlets.alaalem] block that replaces these sources once one answers.
Fixtures: tests/fixtures/outlets/alaalem, tests/fixtures/outlets/alkhanadeq (constructed from the seed texts).
"""

from __future__ import annotations

from spiders.cross_outlet import gdelt_query, topic_query
from spiders.outlet import Outlet
from spiders.sources import GDELTDoc, GoogleNewsSearch

# Without a known article URL shape every same-domain link counts as an article, except what is plainly not one:
# the home page, section/tag/author listings, search, media files (alkhanadeq serves images from /static/media/).
SKIP_URL_PATTERNS = (
    r"^https?://[^/]+/?(?:\?.*)?$",
    r"/(?:tag|tags|category|categories|section|author|search|page)/",
    r"/static/",
    r"\.(?:jpe?g|png|gif|webp|svg|pdf|mp4|mp3)(?:\?.*)?$",
)


def _arabic_outlet(name: str, title: str, domain: str, country: str) -> Outlet:
    return Outlet(
        name=name,
        title=title,
        language="ar",
        domains=(domain,),
        sources=(
            # The outlet's home-country Arabic edition (research §6: hl=ar&gl=IQ|LB&ceid=…:ar).
            GoogleNewsSearch(f"site:{domain} {topic_query('ar')} when:7d", hl="ar", gl=country, ceid=f"{country}:ar"),
            GDELTDoc(gdelt_query("ar", domain=domain)),
        ),
        article_url_pattern=None,  # unknown: see SKIP_URL_PATTERNS
        skip_url_patterns=SKIP_URL_PATTERNS,
        fixture_dir=name,
    )


OUTLETS = (
    _arabic_outlet("alaalem", "Al-Aalem (العالم, Iraq)", "alaalem.com", "IQ"),
    _arabic_outlet("alkhanadeq", "Al-Khanadeq (موقع الخنادق, Lebanon)", "alkhanadeq.com", "LB"),
)
