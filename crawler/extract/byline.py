"""Authors: the names a page declares (JSON-LD, meta tags) or shows in its byline, one person per entry.

Evidence, best first: JSON-LD `author`; author meta tags; the page's visible byline (trafilatura's byline
XPaths: rel=author, itemprop=author, "byline"/"author" classes). Every source goes through the same cleaning:
- one field naming several people is split: "X and Y", "X und Y", "X et Y", "X y Y", "X و Y", "X и Y",
  "X & Y", Hebrew "X ו־Y" joined to the next name, commas and semicolons;
- "By", "Von", "Par", "Por", "Автор:", "מאת", "بقلم" before a name, a conjunction left by "X, Y, and Z", and
  a role or degree after it ("Ben Silverman, Games Editor", "Staff Writer", ", MD") are dropped;
- the outlet's own name (og:site_name, the JSON-LD publisher, the domain's name) is not an author beside a
  person ("…, and Tom Watkins, CNN"), and is kept when it is the only one named;
- what is not a name is dropped: e-mail addresses, URLs, handles, numeric or alphanumeric ids ("cc7567"),
  over-long strings (a sentence in an author field), labels ("Autor", "Datum").
A source whose every entry is rejected does not count, so the next source is tried.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.page import PageMeta, compact_name, outlet_names
from crawler.textnorm import fold_whitespace, normalize_for_match

# A company's legal form ends its name ("Web Commerce GmbH", "Hanns-Seidel-Stiftung e.V."): a publisher, not a
# person.
_LEGAL_FORM = re.compile(r"(?:^|\s)(?:gmbh|e\.\s?v\.?|ag|se|kg|ug|inc\.?|ltd\.?|llc|plc|corp\.?|s\.a\.?|sarl|s\.r\.l\.?)$", re.IGNORECASE)
# Twitter card labels that say their field is the author, in the byline languages ("Written by", "Verfasst von").
_AUTHOR_LABEL = re.compile(
    r"^\s*(?:(?:written|posted|published) by|(?:verfasst|geschrieben) von|écrit par|escrito por|scritto da|"
    r"geschreven door|skrevet av|skriven av|napisane przez|автор|נכתב על ידי|كتب|(?:author|autor|auteur)(?:in|es)?)\s*:?\s*$",
    re.IGNORECASE,
)
MAX_TWITTER_LABELS = 4
# Meta tags that name the author, most common first. article:author is often a profile URL (dropped below).
AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "citation_author", "vr:author", "byl")
# Conjunctions between two names, in the languages we monitor and those of the development sets. Spaces on
# both sides: "و" and "и" also begin words ("وليد", "Иван").
_NAME_SEPARATORS = re.compile(
    r"\s*(?:[,;|/]|\s(?:and|und|et|y|e|og|en|i|и|و|ו|(?:edited|additional reporting|reporting) by)\s|&)\s*",
    re.IGNORECASE,
)
# "By" in the byline languages, in one word. Italian "di" is left out: it also begins surnames ("Angel Di
# Maria"), so only the label prefix takes it, at the start of a byline.
_BY_WORDS = "by|von|par|por|door|av"
_BYLINE_PREFIX = re.compile(
    r"^(?:(?:written|posted|published|authored|article|story) by|(?:veröffentlicht|erstellt|eingestellt|artikel) von|"
    rf"(?:publié|écrit) par|(?:alles|mehr|alle artikel|all posts|more) (?:von|by|from)|interview\s*:|"
    rf"{_BY_WORDS}|di|(?:author|autor|auteur)(?:in)?(?:\s*:|\s+(?=\S))|"
    r"автор(?:ы)?[:\s]|текст[:\s]|מאת|בקלם|كتب|بقلم|إعداد)\s*:?\s*",
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
_NAME_PARTICLES = frozenset({"von", "van", "der", "den", "de", "da", "del", "della", "di", "du", "la", "le", "bin", "ibn", "al", "el", "ten", "ter", "y"})
# E-mail addresses, URLs and social handles written beside a name ("Williams Perdomo @wperdomod").
_EMAIL_OR_URL = re.compile(r"\S+@\S+\.\w+|https?://\S+|www\.\S+|(?<!\S)@\w+", re.IGNORECASE)
# A name ending in an initial or a generational suffix keeps its full stop ("Joe S.", "Perry Bacon Jr.").
_ABBREVIATED_END = re.compile(r"(?:^|[\s.])(?:[^\W\d_]|jr|sr)$", re.IGNORECASE)
# "Outlet - Person" in one author field: a dash or bar with spaces around it, never a hyphen inside a name.
_OUTLET_SEPARATOR = re.compile(r"\s+[-–—|]\s+")
_URL = re.compile(r"^(?:https?:|www\.)|\.(?:com|org|net|ru|il)\b", re.IGNORECASE)
_HAS_DIGIT = re.compile(r"\d")
# A person's or desk's name is a few words; longer is a sentence or a whole byline block.
MAX_NAME_WORDS = 6
MAX_NAME_CHARS = 60
# A byline element's text: longer than an initial, shorter than a paragraph (trafilatura's limits).
MIN_BYLINE_CHARS = 2
MAX_BYLINE_CHARS = 120
# Elements that mark the author in markup: rel=author, itemprop=author, "byline"/"author" classes, ids and test
# ids (React sites: data-testid="prism-byline"), in any case ("FeatureByline", "ArticleAuthor": the substrings leave the first letter out). The first <h1> comes
# along, in document order (an XPath union is ordered), to tell the bylines under the headline from those
# above it. Selecting attributes and stepping to their element is a quarter of the cost of testing every
# element's attributes (//*[contains(@class, ...) or ...]) in libxml2.
_BYLINE_XPATH = etree.XPath(
    "//@class[contains(., 'uthor') or contains(., 'yline')]/..|//@rel[. = 'author']/.."
    "|//@itemprop[contains(., 'author')]/..|//@id[contains(., 'yline') or . = 'author']/..|(//h1)[1]|//author"
    "|//@data-testid[contains(., 'yline') or contains(., 'uthor')]/.."
)
# Byline labels that begin a text node, as bylines write them; the name follows in the same text or in the
# next element.
_BYLINE_LABELS = (
    "By ", "by ", "BY ", "Von ", "von ", "VON ", "Par ", "par ", "Por ", "por ", "Door ", "door ",
    "Autor:", "Autorin:", "Author:", "Auteur:", "Text:", "Text von", "Ein Artikel von", "Ein Beitrag von",
    "Written by", "Posted by", "Автор:", "Текст:", "מאת", "بقلم", "كتب",
)
# ... or a short phrase ending in "by" ("Eine Kolumne von", "A column by"), unless it credits a picture.
_PHRASE_BY = r"(?:[^\W\d]+\s+){1,2}(?:von|by|par|por|door)\s"
_LABEL_AT_START = re.compile(r"\s*(?:" + "|".join([*(re.escape(label) for label in _BYLINE_LABELS), _PHRASE_BY]) + ")")
_PICTURE_CREDIT = re.compile(r"foto|photo|bild|illustration|image|video|grafik|karte|map|icon|theme|powered|design", re.IGNORECASE)
# A word of four letters or more ending a sentence is not in a name ("ThemeGrill. Bereitgestellt").
_NOT_IN_A_NAME = re.compile(r"\w{4,}\.(?:\s|$)")
# Letters, and the full stops, apostrophes and hyphens inside names; no quotes, colons or arrows.
_WRITTEN_IN_NAME_CHARACTERS = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ .'’-])*$")
_CHROME_TAGS = frozenset({"footer", "figcaption", "aside", "nav"})
_CHROME_NAMES = ("footer", "copyright", "caption", "credit", "comment")
# Labelled texts read before giving up: the byline is near the headline, later ones are comments and teasers.
MAX_LABELLED_TEXTS = 5
# Text nodes looked at after the headline (or from the top of a page without one) for those labels: a byline
# sits within the first screen of text, and walking a whole page costs milliseconds.
MAX_TEXTS_AFTER_HEADLINE = 400
MAX_TEXTS_WITHOUT_HEADLINE = 1000
# Everything up to the last "by" of a byline ("Posted on <date> by <name>").
_LAST_BY = re.compile(rf".*\b(?:{_BY_WORDS})\s+", re.IGNORECASE | re.DOTALL)
# Marked elements that hold no visible byline (<link rel="author">, <meta itemprop="author">).
_NOT_SHOWN = frozenset({"meta", "link", "script", "style"})


def split_names(value: str) -> list[str]:
    """One author field -> the people in it, cleaned; entries that are not names are dropped."""
    text = fold_whitespace(_EMAIL_OR_URL.sub(" , ", value))
    names: list[str] = []
    parts = [person for part in _NAME_SEPARATORS.split(text) for person in _split_hebrew_and(part)]
    for part in parts:
        unlabelled = _LEADING_CONJUNCTION.sub("", _BYLINE_PREFIX.sub("", part.strip(" \t-–—:·•()[]\"'")))
        name = unlabelled.strip(" .,-–—:")
        if _ABBREVIATED_END.search(name) and unlabelled.rstrip(" ,-–—:").endswith("."):
            name += "."
        if _ONLY_ROLE.match(name) or _CREDENTIAL.match(name):
            continue
        name = _TRAILING_WEEKDAY.sub("", _without_affiliation(_without_role(name)))
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


def _written_as_a_name(name: str) -> bool:
    """Not capitalised like a sentence: link and label texts in byline boxes start with a capital and go on in
    lower case ("View all posts", "Posted on"); a name has capitals throughout, or none when the page sets its
    case in CSS ("giampiero maggio"). Scripts without case (Arabic, Hebrew, CJK) pass."""
    words = [word for word in name.split() if word not in _NAME_PARTICLES and word[0].isalpha()]
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
    """NAME is one of the publisher's OUTLETS, as written or run together: "The Planetary Press" and
    "theplanetarypress.com" both name the outlet of theplanetarypress.com."""
    if normalize_for_match(name) in outlets:
        return True
    spellings = {compact_name(name, keep) for keep in (False, True)} - {""}
    return any(compact_name(outlet, keep) in spellings for outlet in outlets for keep in (False, True))


def choose_authors(page: PageMeta, tree: HtmlElement) -> tuple[list[str], str | None]:
    """The article's authors and where they came from (None when the page names nobody).

    A source that names only the publisher (the outlet, or an organisation: "Web Commerce GmbH") gives way to
    a later one that names people in full (two words or more each): sites declare the outlet as the author in
    their JSON-LD and print the reporter's byline on the page. A later source with a one-word entry is more
    often a list of tags or sections than of people. A first name alone ("Nils", a CMS account's display
    name) is completed from a later source that names the same person in full."""
    outlets = outlet_names(page)
    sources = _named_in_sources(page, tree, outlets)
    publisher_only: tuple[list[str], str | None] = ([], None)
    for source, names in sources:
        if publisher_only[1] is None and not all(_stands_for_publisher(name, outlets) for name in names):
            return _completed(names, sources), source
        if publisher_only[1] is not None and all(
            len(name.split()) >= 2 and not _stands_for_publisher(name, outlets) for name in names
        ):
            return names, source
        if publisher_only[1] is None:
            publisher_only = (names, source)
    return publisher_only


def _named_in_sources(page: PageMeta, tree: HtmlElement, outlets: frozenset[str]) -> Iterator[tuple[str, list[str]]]:
    """Each source's names, best source first, read only when asked for (the bylines cost a tree walk)."""
    declared = [("jsonld", list(page.jsonld.authors) if page.jsonld else [])]
    declared += [(f"meta:{key}", [page.meta[key]]) for key in AUTHOR_META if page.meta.get(key)]
    declared += [(f"meta:twitter:data{n}", [value]) for n, value in _twitter_labelled_authors(page.meta)]
    for source, values in [*declared, ("byline", None), ("byline:label", None)]:
        if values is None:
            values = _visible_byline(tree) if source == "byline" else _labelled_byline(tree)
        names = clean_names(values, outlets)
        if names:
            yield source, names


def _stands_for_publisher(name: str, outlets: frozenset[str]) -> bool:
    return names_outlet(name, outlets) or bool(_LEGAL_FORM.search(name))


def _completed(names: list[str], later: Iterator[tuple[str, list[str]]]) -> list[str]:
    """NAMES with each one-word name replaced by the full name a LATER source gives that starts with it."""
    if all(len(name.split()) >= 2 for name in names):
        return names
    full = [name for _source, more in later for name in more if len(name.split()) >= 2]
    return [
        next((whole for whole in full if whole.split()[0].casefold() == name.casefold()), name) if len(name.split()) == 1 else name
        for name in names
    ]


def _twitter_labelled_authors(meta: dict[str, str]) -> list[tuple[int, str]]:
    """Twitter's card fields labelled as the author (WordPress SEO plugins write `twitter:label1` "Written by"
    in the site's language and `twitter:data1` the name)."""
    return [
        (n, meta[f"twitter:data{n}"])
        for n in range(1, MAX_TWITTER_LABELS + 1)
        if _AUTHOR_LABEL.match(meta.get(f"twitter:label{n}", "")) and meta.get(f"twitter:data{n}")
    ]


def _visible_byline(tree: HtmlElement) -> list[str]:
    """The byline shown on the page: the first short element marked as the author's (rel/itemprop/class/id).

    One compiled XPath pass over the tree (trafilatura's extract_author deep-copies the tree and runs several
    regex XPaths: a tenth of a page's extraction time). The innermost of nested marked elements is read
    (<div class="author"><a class="author-link">Name</a><span>Games Editor</span></div>), the outer one
    after it. Names must be written as names (capitalised) in this visible text. An element whose
    whole text names nobody ("By Nathan Willis March 25, 2015": the date makes it no name) is read again
    text node by text node. Bylines under the headline are read first: marked elements above it are site
    chrome (a "follow our authors" box). Elements inside comment threads are skipped: their authors are readers.
    """
    try:
        found = _BYLINE_XPATH(tree)
    except etree.XPathError:
        return []
    headline = next((index for index, element in enumerate(found) if element.tag == "h1"), -1)
    candidates = found[headline + 1 :] + found[: max(headline, 0)]
    candidates = [element for element in candidates if element.tag not in _NOT_SHOWN]
    for element in _innermost_first(candidates):
        if _inside_comments(element):
            continue
        content = fold_whitespace(" ".join(element.itertext()))
        if MIN_BYLINE_CHARS < len(content) < MAX_BYLINE_CHARS:
            names = (
                split_names(content)
                or [name for text in element.itertext() for name in split_names(text)]
                or split_names(_after_last_by(content))
            )
            names = [name for name in names if _written_as_a_name(name)]
            if names:
                return names
    return []


def _labelled_byline(tree: HtmlElement) -> list[str]:
    """A byline known by its label only, in no marked element: "von Andreas Kürten", "Ein Artikel von
    <strong>Pamela Sladky</strong> | 27.01.2022", "<h5>Autor: </h5>Peter Maahn". The last resort, so it asks
    more of what it reads: the first labelled text under the headline, and the full names (two words or more,
    each capitalised) it starts with, up to the first entry that is not one ("Autorin: Uta Staschewski,
    Projektleiterin der HSS"). "By clicking …" and "Von Montag bis Freitag" are not names."""
    headline = tree.find(".//h1")
    labelled = (
        (text, element, label)
        for text, element in _texts_in_order(headline if headline is not None else tree, headline is not None)
        if (label := _LABEL_AT_START.match(text)) is not None
    )
    for _text, element, label in itertools.islice(labelled, MAX_LABELLED_TEXTS):
        if _in_credits_or_chrome(element) or _PICTURE_CREDIT.search(label.group(0)):
            continue
        word = label.group(0).strip()
        rest = ""
        for container in (element, element.getparent()):
            content = fold_whitespace(" ".join(container.itertext())) if container is not None else ""
            start = content.find(word)
            rest = content[start + len(word) :].strip(" :")[:MAX_BYLINE_CHARS] if start >= 0 else ""
            if len(rest) > MIN_BYLINE_CHARS:
                break
        names = list(itertools.takewhile(_a_full_name, split_names(rest)))
        if names:
            return names
    return []


def _texts_in_order(start: HtmlElement, after: bool) -> Iterator[tuple[str, HtmlElement]]:
    """The text nodes after START (AFTER) or inside it, in document order, with the element each one is shown
    in (a tail belongs to the parent of its element); at most a screen's worth of them."""
    limit = MAX_TEXTS_AFTER_HEADLINE if after else MAX_TEXTS_WITHOUT_HEADLINE
    if after:
        following = [sibling for node in (start, *start.iterancestors()) for sibling in node.itersiblings()]
        if start.tail and start.getparent() is not None:
            yield start.tail, start.getparent()
    else:
        following = [start]
    count = 0
    for top in following:
        for element in top.iter():
            if count >= limit:
                return
            if isinstance(element.tag, str) and element.text:
                count += 1
                yield element.text, element
            if element.tail and element is not top and element.getparent() is not None:
                count += 1
                yield element.tail, element.getparent()
        if top.tail and top.getparent() is not None:
            yield top.tail, top.getparent()


def _a_full_name(name: str) -> bool:
    """Two words or more, each capitalised (or in a script without case), of letters and the marks inside
    names; no word that ends a sentence ("ThemeGrill. Bereitgestellt")."""
    words = [word for word in name.split() if word.casefold() not in _NAME_PARTICLES]
    if len(words) < 2 or _NOT_IN_A_NAME.search(name) or not _WRITTEN_IN_NAME_CHARACTERS.match(name):
        return False
    return all(word[0].isalpha() and not word[0].islower() for word in words)


def _in_credits_or_chrome(element: HtmlElement) -> bool:
    """Inside a footer, caption, aside or comment thread: "by" there credits a theme, a photo or a reader."""
    for node in (element, *element.iterancestors()):
        if node.tag in ("body", "html"):  # their classes describe the page ("cb-footer-dark"), not a part of it
            return False
        names = f"{node.get('class') or ''} {node.get('id') or ''}".lower()
        if node.tag in _CHROME_TAGS or any(word in names for word in _CHROME_NAMES):
            return True
    return False


def _after_last_by(content: str) -> str:
    """'Posted on September 21, 2020 by Adi Tzlil' -> 'Adi Tzlil': what follows the last "by" of a byline
    whose date or label kept it from reading as names; '' when there is no "by"."""
    match = _LAST_BY.match(content)
    return content[match.end() :] if match else ""


def _innermost_first(elements: list[HtmlElement]) -> list[HtmlElement]:
    """ELEMENTS in order, each marked element that encloses others moved after the last of them: the inner
    one holds the name, the outer one is still read when the inner one is only a label ("Autor:")."""
    position = {id(element): index for index, element in enumerate(elements)}
    read_after = list(range(len(elements)))
    for index, element in enumerate(elements):
        for ancestor in element.iterancestors():
            outer = position.get(id(ancestor))
            if outer is not None:
                read_after[outer] = max(read_after[outer], index)
    order = sorted(range(len(elements)), key=lambda index: (read_after[index], -index))
    return [elements[index] for index in order]


def _inside_comments(element: HtmlElement) -> bool:
    for ancestor in element.iterancestors():
        names = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}".lower()
        if "comment" in names:
            return True
    return False
