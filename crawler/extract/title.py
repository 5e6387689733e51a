"""The headline of a page, chosen from what it declares (JSON-LD, og:title, twitter:title, <title>) and what
it shows (its <h1>s): site names, kickers and search-engine rewrites taken off, the on-page headline preferred."""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from collections.abc import Callable

from crawler.extract.page import PageMeta, compact_name, domain_name
from crawler.textnorm import fold_whitespace, normalize_for_match

_TITLE_SEPARATORS = re.compile(r"\s+[|–—\-:·•›»]\s+")
# What follows a title cut within a sentence: more words, not a separator and the site's name.
_WORD_GOES_ON = re.compile(r"\s?[^\W_]")
# Search engines show about 110 characters of a headline; CMSs cut JSON-LD's there, unmarked.
MIN_CUT_TITLE_CHARS = 100
# The declared title continues (or starts) with a separator where the on-page headline stops (starts).
_TITLE_EDGE = re.compile(r"^\s*[|–—\-:·•/«»›]")
# A kicker before the headline ends with a colon ("Analysis: Headline"); other separators before an <h1>'s
# text mean the <h1> is the site's or section's name ("Story — Docs Site" with <h1>Docs Site</h1>).
_KICKER_END = re.compile(r"[:：]\s*$")
# Only the first few <h1>s are headline candidates (later ones are widgets); a shorter one is a logo or label.
MAX_HEADLINE_H1S = 3
MIN_HEADLINE_CHARS = 12
# A declared title cut short for a character limit ("Hamas delegation arrives in Moscow for talks on…"): the
# next source holds the whole headline.
_TRUNCATED = re.compile(r"(?:…|\.\.\.)\s*$")
# Typographic quotes fold to plain ones when comparing a declared title with the <h1>: publishers type
# "Heartsteel's" in og:title and "Heartsteel’s" on the page, and still mean the same headline.
_TYPOGRAPHIC_QUOTES = {"‘": "'", "’": "'", "‚": "'", "ʼ": "'", "“": '"', "”": '"', "„": '"'}
_PLAIN_QUOTES = str.maketrans(_TYPOGRAPHIC_QUOTES)
# The same, with dashes: a declared title that is the <h1> typed on a keyboard ("Island - der Film" for the
# page's "Island – der Film") is an ASCII copy of the headline the reader sees.
_PLAIN_PUNCTUATION = str.maketrans({**_TYPOGRAPHIC_QUOTES, "«": '"', "»": '"', "–": "-", "—": "-"})
_WORD = re.compile(r"\w+")
# A lone <h1> of a few words sharing fewer than half of them with the <title> is a section or logo label
# ("Allergies Health Center" over "Babies Who Eat Peanuts Early May Avoid Allergy"); a longer one is the
# on-page headline of a page whose <title> is written for search engines.
MAX_LABEL_WORDS = 3
# An <h1> of this many words or more, all of them in the declared title, is the headline inside it.
MIN_H1_WITHIN_WORDS = 3
MIN_H1_WORDS_IN_TITLE = 0.5
# A domain's name this long is matched inside a title part ("The Times of Israel"); a shorter one ("rt",
# "ria") only as the whole part, or it would match inside words ("Report").
MIN_DOMAIN_NAME_CHARS = 4


def choose_title(page: PageMeta) -> tuple[str | None, str]:
    """The headline and where it came from: the page's only <h1> when it is a headline that differs from
    what the page declares (see _shown_headline), else declared titles in order of trust, each without the
    site's name, giving way to the on-page <h1> they contain. A title cut short ("…") is used only when no other
    is whole."""
    site = page.meta.get("og:site_name") or (page.jsonld.publisher if page.jsonld else None)
    domain = domain_name(page.url)
    feed_names = _feed_site_names(page.feed_titles)
    # A blog sets its name in the only <h1> and the post's in the <title>: "Post | Blog", "Blog » Post".
    names_site = functools.partial(_names_site, site=site, domain=domain, feed_names=feed_names)
    beside_h1 = _headline_beside(page.title_tag, page.h1[0], names_site) if len(page.h1) == 1 and page.title_tag else None
    lone_h1 = None if beside_h1 else _lone_h1(page, site)
    declared = [
        ("jsonld", page.jsonld.headline if page.jsonld else None),
        ("meta:og:title", page.meta.get("og:title")),
        ("meta:twitter:title", page.meta.get("twitter:title")),
    ]
    titles = [value for _source, value in declared if value] + ([page.title_tag] if page.title_tag else [])
    ordered = (("h1", _shown_headline(lone_h1, titles, site, domain)), *declared, ("h1", lone_h1), ("title", page.title_tag))
    candidates = [(source, value) for source, value in ordered if value]
    whole = [
        (source, value)
        for source, value in candidates
        if not _TRUNCATED.search(value) and not (source not in ("h1", "title") and _cut_short(value, titles))
    ]
    for source, value in whole + [pair for pair in candidates if pair not in whole]:
        if source == "title" and beside_h1:
            value = beside_h1
        cleaned = strip_site_name(fold_whitespace(value), site, domain, feed_names)
        if cleaned:
            headline = on_page_headline(cleaned, page.h1) or _only_h1_within(cleaned, page.h1)
            return (headline, "h1") if headline else (cleaned, source)
    return None, "none"


def _cut_short(value: str, titles: list[str]) -> bool:
    """VALUE is a declared title cut with no mark, which another of the page's TITLES goes on from. Either
    cut for search engines at about 110 characters (JSON-LD's "… ei ole" against og:title's "… ei ole otettu
    riittävästi huomioon”"), or at a quote the page left unescaped in the attribute (content="… califica a
    Biden de "incapacitado""). A shorter title followed by more words in the <title> is the headline, and
    the <title> adds words for search engines ("Bienenstich-Muffins Rezept | Dr. Oetker")."""
    for title in titles:
        if len(title) > len(value) and title.startswith(value):
            rest = title[len(value) :]
            if rest.startswith(('"', ' "')) or (len(value) >= MIN_CUT_TITLE_CHARS and _WORD_GOES_ON.match(rest)):
                return True
    return False


def _shown_headline(h1: str | None, declared: list[str], site: str | None, domain: str | None) -> str | None:
    """The page's only <h1>, of a headline's length, as the headline before what the page declares: the <h1> is
    what readers see, a declared title is often rewritten for search engines and social cards. Not when the
    <h1> holds a declared title and more: then its markup took in a byline or a logo's text beside it. Nor when
    the most trusted declared title says the same: that title keeps its source."""
    if not h1 or len(_WORD.findall(headline_key(h1))) < MIN_H1_WITHIN_WORDS:
        return None
    plain_site = site.translate(_PLAIN_PUNCTUATION) if site else None
    if _names_site(h1.translate(_PLAIN_PUNCTUATION), plain_site, domain):
        return None  # the masthead: the site's name and motto ("El Mostrador, el primer diario digital de Chile.")
    key = headline_key(h1)
    for rank, value in enumerate(declared):
        title_key = headline_key(strip_site_name(fold_whitespace(value), site, domain))
        if title_key and title_key in key and (title_key != key or rank == 0):
            return None
    return h1


def _headline_beside(title: str, h1: str, names_site: Callable[[str], bool]) -> str | None:
    """The headline of a <title> that holds the <h1> as a whole separator-delimited segment, when the <h1> is a
    short label and the headline is longer; else None.

    A blog sets its name in the <h1> and the post's in the <title>: "Was ist Virales Marketing? | DimidoBlog"
    ("Post : Blog | Tagline" loses the tagline too). An <h1> longer than what precedes it is the headline
    ("News - Elder: Aus dem Ghetto…"). An <h1> leading the <title> is the headline ("Headline – Blog"), unless
    it spells the site's name (NAMES_SITE): "Four Years Remaining » Blog Archive » Interning of Small Integers"
    on fouryears.eu, where the short labels between the blog's name and the post's go too.
    """
    title = fold_whitespace(title)
    key = headline_key(h1)
    words = len(_WORD.findall(key))
    if not words or words > MAX_LABEL_WORDS:
        return None
    separators = list(_TITLE_SEPARATORS.finditer(title))
    for before, after in itertools.pairwise(separators + [None]):
        segment = title[before.end() : after.start() if after else len(title)]
        headline = title[: before.start()].strip()
        if headline_key(segment) == key and len(_WORD.findall(headline_key(headline))) > words:
            return headline
    if separators and headline_key(title[: separators[0].start()]) == key and names_site(h1):
        start = separators[0]
        for following in separators[1:]:  # step over short labels after the blog's name ("Blog Archive")
            if len(_WORD.findall(headline_key(title[start.end() : following.start()]))) > MAX_LABEL_WORDS:
                break
            start = following
        headline = title[start.end() :].strip()
        return headline if len(_WORD.findall(headline_key(headline))) > words else None
    return None


def _lone_h1(page: PageMeta, site: str | None) -> str | None:
    """The page's only <h1>, unless it is a short label and the <title> names another headline: then the
    <h1> labels a section or the site ("Information and Resources"), and the <title> is the better evidence."""
    if len(page.h1) != 1:
        return None
    h1 = page.h1[0]
    title = strip_site_name(fold_whitespace(page.title_tag), site) if page.title_tag else ""
    h1_key, title_key = headline_key(h1), headline_key(title)
    words = set(_WORD.findall(h1_key))
    if len(title) < MIN_HEADLINE_CHARS or len(words) > MAX_LABEL_WORDS or h1_key in title_key or title_key in h1_key:
        return h1
    return h1 if len(words & set(_WORD.findall(title_key))) >= MIN_H1_WORDS_IN_TITLE * len(words) else None


def headline_key(text: str) -> str:
    """A title as compared with another: normalised for matching, typographic quotes folded."""
    return normalize_for_match(text).translate(_PLAIN_QUOTES)


def on_page_headline(title: str, h1s: list[str]) -> str | None:
    """The page's <h1> when the declared title is that headline plus a site name or kicker on either side
    ("Headline | Paper", "Headline - Section - Paper", "Kicker: Headline"); None when they differ otherwise.
    A declared title that only differs from the <h1> in its quotes and dashes is the <h1> typed in ASCII:
    the <h1> is what the reader sees. One that differs in letter case stays (the <h1> may be set in capitals
    for display)."""
    key = headline_key(title)
    plain = title.translate(_PLAIN_PUNCTUATION)
    for h1 in h1s[:MAX_HEADLINE_H1S]:
        headline = headline_key(h1)
        if len(headline) < MIN_HEADLINE_CHARS:
            continue
        if h1 != title and h1.translate(_PLAIN_PUNCTUATION) == plain:
            return h1
        if headline == key:
            continue
        if key.startswith(headline) and _TITLE_EDGE.match(title[len(h1) :] if title.startswith(h1) else " | "):
            return h1
        if key.endswith(headline) and _KICKER_END.search(title[: -len(h1)] if title.endswith(h1) else ""):
            return h1
    return None


def _only_h1_within(title: str, h1s: list[str]) -> str | None:
    """The page's only <h1> when each of its words is in the declared title: the declared title is that
    headline with words added for search engines or the site, where no separator marks them ("Receita de
    Sequilho com Chocolate Amargo" over the <h1> "Sequilho com Chocolate Amargo"). A short <h1> is a label."""
    if len(h1s) != 1:
        return None
    key = headline_key(h1s[0])
    words = _WORD.findall(key)
    if len(words) < MIN_H1_WITHIN_WORDS or len(h1s[0]) < MIN_HEADLINE_CHARS or key == headline_key(title):
        return None
    return h1s[0] if set(words) <= set(_WORD.findall(headline_key(title))) else None


def strip_site_name(title: str, site: str | None, domain: str | None = None, feed_names: frozenset[str] = frozenset()) -> str:
    """'Headline | Site' -> 'Headline' when the trailing (or leading) part is the site's name: SITE, or a part
    that spells the DOMAIN's name ("The Times of Israel" on timesofisrael.com, "Ynetnews" on ynetnews.com), or
    one that names the site's feeds (FEED_NAMES, see _feed_site_names)."""
    separators = list(_TITLE_SEPARATORS.finditer(title))
    if not separators:
        return title
    # The shortest tail that names the site: a site's name may hold a separator itself ("AOC media - Analyse
    # Opinion Critique"), and a section may follow it ("Headline | CNN | Politics").
    for separator in reversed(separators):
        if _names_site(title[separator.end() :], site, domain, feed_names):
            return title[: separator.start()].strip()
    if _names_site(title[: separators[0].start()], site, domain, feed_names):
        return title[separators[0].end() :].strip()
    return title


def _names_site(part: str, site: str | None, domain: str | None, feed_names: frozenset[str] = frozenset()) -> bool:
    key = normalize_for_match(part)
    if key in feed_names or (site and _holds_site_name(key, normalize_for_match(site))):
        return True
    if not domain:
        return False
    compact = compact_name(part)
    if compact == domain:
        return True
    # "The Times of Israel" spells timesofisrael; "Advertising on Jodel" is a headline that names jodel.com.
    return len(domain) >= MIN_DOMAIN_NAME_CHARS and domain in compact and 2 * len(domain) >= len(compact)


def _feed_site_names(feed_titles: list[str]) -> frozenset[str]:
    """The segments the site's feed titles share (match-normalised): blog engines title each feed with the
    site's name, which pages without og:site_name give nowhere else ("Bibliothek 2.0 und mehr » Feed", "…
    » Kommentar-Feed"). A <title> segment equal to one of them is the site's name, not the headline's. A
    segment of one feed only may be the headline itself: the post's own comment feed is titled with it."""
    counts = Counter(
        key
        for title in feed_titles
        for key in {normalize_for_match(segment) for segment in _TITLE_SEPARATORS.split(title)}
        if key
    )
    return frozenset(key for key, count in counts.items() if count >= 2)


def _holds_site_name(key: str, site: str) -> bool:
    """Whether a title's part is the site's name, with its motto or section after it ("AOC media - Analyse
    Opinion Critique", "CNN | Politics") or a word around it: not a headline that mentions the site
    ("Hochauflösende Schneekarten auf Gipfelbuch.ch")."""
    return key.startswith(site) or (site in key and len(key) <= 2 * len(site))
