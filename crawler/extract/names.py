"""Names: one author field (or byline text) -> the people it names, one person per entry.

Every author source (JSON-LD, meta tags, the visible byline, a labelled line) goes through this cleaning:
- one field naming several people is split: "X and Y", "X und Y", "X et Y", "X y Y", "X و Y", "X и Y",
  "X & Y", Hebrew "X ו־Y" joined to the next name, commas and semicolons;
- "By", "Von", "Par", "Por", "Автор:", "מאת", "بقلم" before a name, a conjunction left by "X, Y, and Z", and
  a role, degree, affiliation or weekday after it ("Ben Silverman, Games Editor", "Staff Writer", ", MD",
  "… For The Mail On Sunday", "… Thursday") are dropped;
- the outlet's own name (og:site_name, the JSON-LD publisher, the domain's name) is not an author beside a
  person ("…, and Tom Watkins, CNN"), and is kept when it is the only one named;
- what is not a name is dropped: e-mail addresses, URLs, handles, numeric or alphanumeric ids ("cc7567"),
  over-long strings (a sentence in an author field), labels ("Autor", "Datum", "admin").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from crawler.extract.page import compact_name
from crawler.textnorm import fold_whitespace, normalize_for_match

# Conjunctions between two names, in the languages we monitor and those of the development sets. Spaces on
# both sides: "و" and "и" also begin words ("وليد", "Иван").
_NAME_SEPARATORS = re.compile(
    r"\s*(?:[,;|/]|\s(?:and|und|et|y|e|og|en|i|и|و|ו|(?:edited|additional reporting|reporting) by)\s|&)\s*",
    re.IGNORECASE,
)
# "By" in the byline languages, in one word. Italian "di" is left out: it also begins surnames ("Angel Di
# Maria"), so only the label prefix takes it, at the start of a byline. A label is a whole word: "Diana",
# "Avery" and "Paris" begin with one.
BY_WORDS = "by|von|par|por|door|av"
_BYLINE_PREFIX = re.compile(
    r"^(?:(?:written|posted|published|authored|article|story) by|(?:veröffentlicht|erstellt|eingestellt|artikel) von|"
    rf"(?:publié|écrit) par|(?:alles|mehr|alle artikel|all posts|more) (?:von|by|from)|interview\s*:|"
    rf"{BY_WORDS}|di|(?:author|autor|auteur)(?:in)?(?=\s*:|\s+\S)|"
    r"автор(?:ы)?|текст|מאת|בקלם|كتب|بقلم|إعداد)(?!\w)\s*:?\s*",
    re.IGNORECASE,
)
# "X, Y, and Z" leaves "and Z" after the comma split.
_LEADING_CONJUNCTION = re.compile(r"^(?:and|und|et|y|e|og|en|i|и|و)\s+", re.IGNORECASE)
# Job titles that follow (or stand for) a name in bylines: "Ben Silverman Games Editor", "Staff Writer".
_ROLE = (
    r"(?:editor|reporter|correspondent|writer|columnist|contributor|journalist|photographer|"
    r"(?:chef)?redakteur(?:in)?|journalist(?:in)?|korrespondent(?:in)?|r[ée]dact(?:eur|rice)|journaliste|"
    r"periodista|redactora?|corresponsal|"
    r"корреспондент|обозреватель|редактор|כתב|כתבת|مراسل|محرر)s?"
)
# A job title written before the name, alone or as the end of a compound ("Rechtsanwalt Sebastian Einbock",
# "Focus-Online-Experte Robin Tschöpe", "Wirtschaftsredakteurin Anna Roth"); taken off when two words remain.
_LEADING_ROLE = re.compile(
    rf"^[\w-]*(?:{_ROLE}|(?:rechts|fach)?anw(?:a|ä)lt(?:in)?|expert(?:e|in)|autor(?:in)?)\s+(?=\S+\s+\S)", re.IGNORECASE
)
_TRAILING_ROLE = re.compile(rf"(?:\s*[,–—-]\s*|\s+){_ROLE}$", re.IGNORECASE)
# A role with its qualifier ("Games Editor", "Staff Writer"); only taken off when two words of name remain, as
# in "John Smith Reporter" the word before the role is the surname.
_TRAILING_QUALIFIED_ROLE = re.compile(rf"(?:\s*[,–—-]\s*|\s+)\w+\s+{_ROLE}$", re.IGNORECASE)
# A role or a label standing alone where a name should be ("Staff Writer", "Autor", "Datum"), or the CMS account
# a post was typed in ("admin").
_ONLY_ROLE = re.compile(
    rf"^(?:staff|authors?|autor(?:en)?|auteurs?|autores?|автор|datum|date|admin(?:istrator)?|webmaster|posted|quelle|source|kontakt|contact|text|no author|\w+\s+{_ROLE}|{_ROLE})$",
    re.IGNORECASE,
)
_HEBREW = re.compile(r"[\u05d0-\u05ea]")
# The outlet a name writes for ("Brendan Carlin For The Mail On Sunday").
_AFFILIATION = re.compile(r"\s+(?:for|für)\s+\S.*$", re.IGNORECASE)
# A byline's date cut at its first comma leaves the weekday on the name ("By Alex Bozarjian Thursday, November 9").
_TRAILING_WEEKDAY = re.compile(
    r"\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day$|\s+(?:mon|diens|donners|frei|sams|sonn)tag$|\s+mittwoch$|"
    r"\s+(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)$|\s+(?:lunes|martes|miércoles|jueves|viernes|sábado|domingo)$",
    re.IGNORECASE,
)
# Degrees written after a name ("Brenda Goodman, MA", "Kathleen Doheny, MD"): the comma makes them an entry.
_CREDENTIAL = re.compile(r"^(?:M\.?A|M\.?D|Ph\.?D|MPH|RN|M\.?S|MSc|MBA|DDS|BSc|LLM|FACP)\.?$")
# Lower-case words that belong inside names ("Ursula von der Leyen", "Ana de Armas", "Omar al Bashir").
NAME_PARTICLES = frozenset({"von", "van", "der", "den", "de", "da", "del", "della", "di", "du", "la", "le", "bin", "ibn", "al", "el", "ten", "ter", "y"})
# A role or affiliation in brackets after a name ("Eberhard Fuhr (Pressesprecher des EJW)", "Anna Roth (dpa)").
_TRAILING_PARENTHESIS = re.compile(r"(?<=\S)\s+\([^()]*\)?\s*$")
# E-mail addresses, URLs and social handles written beside a name ("Williams Perdomo @wperdomod").
_EMAIL_OR_URL = re.compile(r"\S+@\S+\.\w+|https?://\S+|www\.\S+|(?<!\S)@\w+", re.IGNORECASE)
# A name ending in an initial or a generational suffix keeps its full stop ("Joe S.", "Perry Bacon Jr.").
_ABBREVIATED_END = re.compile(r"(?:^|[\s.])(?:[^\W\d_]|jr|sr)$", re.IGNORECASE)
# "Outlet - Person" in one author field: a dash or bar with spaces around it, never a hyphen inside a name.
_OUTLET_SEPARATOR = re.compile(r"\s+[-–—|]\s+")
_URL = re.compile(r"^(?:https?:|www\.)|\.(?:com|org|net|ru|il)\b", re.IGNORECASE)
_HAS_DIGIT = re.compile(r"\d")
# The article a publication's name starts with, which its domain leaves out ("Die Furche" on furche.at).
_LEADING_ARTICLE = re.compile(r"^(?:the|die|der|das|le|la|les|el|il|lo|het|de)\s+", re.IGNORECASE)
# A person's or desk's name is a few words; longer is a sentence or a whole byline block.
MAX_NAME_WORDS = 6
MAX_NAME_CHARS = 60
# A byline element's text: longer than an initial, shorter than a paragraph (trafilatura's limits).
MIN_BYLINE_CHARS = 2
MAX_BYLINE_CHARS = 120


def split_names(value: str) -> list[str]:
    """One author field -> the people in it, cleaned; entries that are not names are dropped."""
    text = fold_whitespace(_EMAIL_OR_URL.sub(" , ", value))
    names: list[str] = []
    parts = [person for part in _NAME_SEPARATORS.split(text) for person in _split_hebrew_and(part)]
    for part in parts:
        part = _TRAILING_PARENTHESIS.sub("", part)
        unlabelled = _LEADING_CONJUNCTION.sub("", _BYLINE_PREFIX.sub("", part.strip(" \t-–—:·•~*»›()[]\"'")))
        name = unlabelled.strip(" .,-–—:")
        if _ABBREVIATED_END.search(name) and unlabelled.rstrip(" ,-–—:").endswith("."):
            name += "."
        if _ONLY_ROLE.match(name) or _CREDENTIAL.match(name):
            continue
        name = _TRAILING_WEEKDAY.sub("", _without_affiliation(_without_role(_LEADING_ROLE.sub("", name))))
        if _is_name(name) and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    return names


def _without_outlet_segment(name: str, outlets: frozenset[str]) -> str:
    """'Unocero - Alberto Ávila' -> 'Alberto Ávila': an author field that puts the outlet's name beside the
    person's, separated by a spaced dash or bar. Unchanged when no segment, or every segment, is the outlet."""
    segments = _OUTLET_SEPARATOR.split(name)
    people = [segment for segment in segments if normalize_for_match(segment) not in outlets]
    return " - ".join(people) if len(segments) > 1 and people and len(people) < len(segments) else name


def _split_hebrew_and(part: str) -> list[str]:
    """'יוסי כהן ודנה לוי' -> ['יוסי כהן', 'דנה לוי']: Hebrew writes "and" (ו) joined to the next word, so it is
    only taken for one between two names of two words or more ("ויקטור" alone is Victor). Arabic و is left
    alone: chained names ("أحمد علي وليد حسن") are one person."""
    words = part.split()
    for index in range(2, len(words) - 1):
        if words[index].startswith("ו") and len(words[index]) > 2 and _HEBREW.match(words[index - 1]):
            return [" ".join(words[:index]), " ".join([words[index][1:], *words[index + 1 :]])]
    return [part]


def _without_role(name: str) -> str:
    shorter = _TRAILING_QUALIFIED_ROLE.sub("", name)
    return shorter if shorter != name and len(shorter.split()) >= 2 else _TRAILING_ROLE.sub("", name)


def _without_affiliation(name: str) -> str:
    """'Brendan Carlin For The Mail On Sunday' -> 'Brendan Carlin'; a name of one word before "for" is a
    desk's ("Organization for Transformative Works") and stays whole."""
    match = _AFFILIATION.search(name)
    return name[: match.start()] if match and len(name[: match.start()].split()) >= 2 else name


def written_as_a_name(name: str) -> bool:
    """Not capitalised like a sentence: link and label texts in byline boxes start with a capital and go on in
    lower case ("View all posts", "Posted on"); a name has capitals throughout, or none when the page sets its
    case in CSS ("giampiero maggio"). Scripts without case (Arabic, Hebrew, CJK) pass."""
    words = [word for word in name.split() if word not in NAME_PARTICLES and word[0].isalpha()]
    capitalised = sum(word[0].isupper() for word in words)
    lower = sum(word[0].islower() for word in words)
    return not (capitalised and lower)


def _is_name(text: str) -> bool:
    if not text or len(text) > MAX_NAME_CHARS or len(text.split()) > MAX_NAME_WORDS:
        return False
    if text.startswith("@") or _URL.search(text) or _HAS_DIGIT.search(text):
        return False
    return sum(character.isalpha() for character in text) >= 2


def clean_names(values: Iterable[str], outlets: frozenset[str] = frozenset()) -> list[str]:
    """The people named in author fields, in order, once each. OUTLETS (match-normalised) are dropped beside
    a person ("Tom Watkins, CNN") and kept alone: a desk story's author is its outlet."""
    names: list[str] = []
    for value in values:
        for name in split_names(value):
            name = _without_outlet_segment(name, outlets)
            if name.casefold() not in {n.casefold() for n in names}:
                names.append(name)
    people = [name for name in names if not names_outlet(name, outlets)]
    return people or names


def names_outlet(name: str, outlets: frozenset[str]) -> bool:
    """NAME is one of the publisher's OUTLETS, as written or run together, with or without its article: "The
    Planetary Press" and "theplanetarypress.com" both name the outlet of theplanetarypress.com, "Die FURCHE"
    the one of furche.at."""
    if normalize_for_match(name) in outlets:
        return True
    unarticled = _LEADING_ARTICLE.sub("", name)
    spellings = {compact_name(written, keep) for written in (name, unarticled) for keep in (False, True)} - {""}
    return any(compact_name(outlet, keep) in spellings for outlet in outlets for keep in (False, True))
