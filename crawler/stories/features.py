"""What one report says that another report in another script can recognise: actors, names, numbers, links."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from crawler.relevance.match import Hit, dateline_spans
from crawler.relevance.morphology import (
    SCRIPT_CYRILLIC,
    SCRIPT_LATIN,
    arabic_forms,
    hebrew_forms,
    tokenize,
)
from crawler.stories.dates import mentioned_days
from crawler.stories.lexicon import Lexicon
from crawler.stories.translit import name_key

# The lead carries the event; long analyses name half the region further down. Only this many characters of
# the text (after the title) are read for names and numbers; actors are read from the whole text.
LEAD_CHARS = 1500
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[ ,.\u00a0\u202f]\d{3})+|\d+(?:[.,]\d+)?)(?![\w])")
_URL = re.compile(r"https?://[^\s\"'<>)\]]+")
_SENTENCE_END = re.compile(r"[.!?:;\"«»“”]\s*$")
# Years and small counts appear in most reports; only rarer figures tell two events apart.
YEAR_RANGE = range(1900, 2101)
# Function words that are capitalised in titles or start sentences, in English and Russian.
_CAPITALISED_COMMON = frozenset(
    "the a an this that these those there their they then than when where what which while who whom whose why how "
    "after before since until during about also and but for from into over under with without says said say "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july august "
    "september october november december news report reports update live video photo watch read more "
    "в во на по из за для от до при что как это этот эта эти так также однако после перед между "
    "понедельник вторник среда четверг пятница суббота воскресенье января февраля марта апреля мая июня июля "
    "августа сентября октября ноября декабря".split()
)


@dataclass(frozen=True)
class StoryFeatures:
    """The linking-relevant content of one report."""

    id: str
    lang: str
    published: datetime | None
    actors: dict[str, int] = field(default_factory=dict)  # actor id -> mentions
    lead_actors: frozenset[str] = frozenset()  # actors named in the title or lead: what the report is about
    title_actors: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()  # translit keys of capitalised names (Latin/Cyrillic)
    words: frozenset[str] = frozenset()  # translit keys of every Hebrew/Arabic word (caseless scripts)
    numbers: frozenset[str] = frozenset()
    title_words: frozenset[str] = frozenset()  # normalised title words, for reports in one language
    days: frozenset[date] = frozenset()  # days the text names ("on 26 October")
    urls: frozenset[str] = frozenset()  # links the report cites
    url: str | None = None  # the report's own address
    title: str = ""


def _digits(text: str) -> str:
    """Arabic-Indic and Persian digits as ASCII, so ٢٦ and 26 compare equal."""
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() else ch for ch in text)


def numbers_of(text: str) -> frozenset[str]:
    """Figures as plain digits: 1,200 / 1 200 / 1.200 -> 1200; 4,5 -> 4.5. Single digits are left out."""
    found = set()
    for match in _NUMBER.finditer(_digits(text)):
        raw = match.group(1)
        if re.fullmatch(r"\d{1,3}(?:[ ,.\u00a0\u202f]\d{3})+", raw):
            value = re.sub(r"\D", "", raw)
        else:
            value = raw.replace(",", ".")
        if len(value.replace(".", "")) >= 2:
            found.add(value.lstrip("0") or "0")
    return frozenset(found)


# Title words this short are mostly function words in every script.
MIN_TITLE_WORD = 4


def title_words_of(title: str, hits: list[Hit]) -> frozenset[str]:
    """Content words of a title (normalised), actors excluded: same-language reports of one event share them."""
    spans = [(hit.start, hit.end) for hit in hits if hit.start < len(title)]
    words: set[str] = set()
    for token in tokenize(title):
        if len(token.norm) < MIN_TITLE_WORD or token.norm in _CAPITALISED_COMMON:
            continue
        if any(start <= token.start < end for start, end in spans):
            continue
        words.add(token.norm)
    return frozenset(words)


def _name_keys(text: str, lexicon_spans: list[tuple[int, int]]) -> tuple[set[str], set[str]]:
    """Keys of capitalised Latin/Cyrillic words not at a sentence start, and of all Hebrew/Arabic words."""
    names: set[str] = set()
    words: set[str] = set()
    for token in tokenize(text):
        if any(start <= token.start < end for start, end in lexicon_spans):
            continue  # already an actor: the lexicon says more than a key
        if token.script in (SCRIPT_LATIN, SCRIPT_CYRILLIC):
            if not token.text[:1].isupper() or token.norm in _CAPITALISED_COMMON:
                continue
            before = text[max(0, token.start - 3): token.start]
            if token.start == 0 or _SENTENCE_END.search(before) or before.endswith("\n"):
                continue
            key = name_key(token.text, token.script)
            if key:
                names.add(key)
        elif token.script == "hebrew":
            for form in hebrew_forms(token.norm)[:2]:
                key = name_key(form, "hebrew")
                if key:
                    words.add(key)
        elif token.script == "arabic":
            for form in arabic_forms(token.norm)[:3]:
                key = name_key(form, "arabic")
                if key:
                    words.add(key)
    return names, words


HEADLINE_CHARS = 250


def _first_sentence_end(text: str) -> int:
    """Where the first sentence of `text` ends (at most HEADLINE_CHARS in)."""
    match = re.search(r"[.!?؟։]\s", text[:HEADLINE_CHARS])
    return match.end() if match else min(len(text), HEADLINE_CHARS)


_DOTTED_INITIALS = re.compile(r"\b(?:[A-Z]\.){2,}")


def _undotted_initials(text: str) -> str:
    """U.S. / U.N. / U.K. as US / UN / UK (padded, offsets kept), so the lexicon's US, UN, UK match them."""
    return _DOTTED_INITIALS.sub(lambda m: m.group(0).replace(".", "").ljust(len(m.group(0))), text)


def _without_datelines(text: str) -> str:
    """Wire datelines ("IGORA /Leningrad Region/, December 26. /TASS/.") blanked out, offsets kept: the place
    and day of the desk say nothing about the event, and every item of that desk and day shares them."""
    for start, end in dateline_spans(text):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def extract_features(
    id: str, lang: str, title: str | None, text: str | None, published: datetime | None, lexicon: Lexicon,
    *, url: str | None = None,
) -> StoryFeatures:
    """Features of one report; the title and the lead weigh as much as the whole rest."""
    title = title or ""
    text = text or ""
    full = _undotted_initials(_without_datelines(f"{title}\n{text}"))
    head = full[: len(title) + 1 + LEAD_CHARS]
    hits = lexicon.scan(full)
    actors: dict[str, int] = {}
    for hit in hits:
        actors[hit.alias.group] = actors.get(hit.alias.group, 0) + 1
    lead_actors = frozenset(hit.alias.group for hit in hits if hit.start < len(head))
    # A report without a title (a quoted sentence, a feed summary) is headed by its first sentence.
    headline_end = len(title) if title.strip() else 1 + _first_sentence_end(text)
    title_actors = frozenset(hit.alias.group for hit in hits if hit.start < headline_end)
    names, words = _name_keys(head, [(hit.start, hit.end) for hit in hits if hit.start < len(head)])
    urls = frozenset(u.rstrip(".,;") for u in _URL.findall(text))
    return StoryFeatures(
        id=str(id), lang=lang or "", published=published, actors=actors, lead_actors=lead_actors, title_actors=title_actors, names=frozenset(names),
        words=frozenset(words), numbers=numbers_of(head),
        title_words=title_words_of(title, hits), days=mentioned_days(head, published), urls=urls, url=url, title=title,
    )


def features_to_json(features: StoryFeatures) -> dict[str, object]:
    """A stored form of the features, so a later report is compared without re-reading this one's text."""
    return {
        "id": features.id, "lang": features.lang,
        "published": features.published.isoformat() if features.published else None,
        "actors": dict(features.actors), "lead_actors": sorted(features.lead_actors),
        "title_actors": sorted(features.title_actors), "names": sorted(features.names), "words": sorted(features.words),
        "numbers": sorted(features.numbers), "title_words": sorted(features.title_words),
        "days": sorted(day.isoformat() for day in features.days),
        "urls": sorted(features.urls), "url": features.url, "title": features.title,
    }


def features_from_json(data: dict[str, object]) -> StoryFeatures:
    published = data.get("published")

    def strings(key: str) -> frozenset[str]:
        value = data.get(key) or []
        return frozenset(str(item) for item in value) if isinstance(value, list) else frozenset()

    actors = data.get("actors") or {}
    return StoryFeatures(
        id=str(data.get("id")), lang=str(data.get("lang") or ""),
        published=datetime.fromisoformat(published) if isinstance(published, str) else None,
        actors={str(k): int(v) for k, v in actors.items()} if isinstance(actors, dict) else {},
        lead_actors=strings("lead_actors"), title_actors=strings("title_actors"), names=strings("names"), words=strings("words"), numbers=strings("numbers"),
        title_words=strings("title_words"), urls=strings("urls"),
        days=frozenset(date.fromisoformat(day) for day in strings("days")),
        url=str(data["url"]) if data.get("url") else None, title=str(data.get("title") or ""),
    )
