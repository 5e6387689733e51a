"""Wire datelines: where a story was filed from, which is no mention of that place.

A dateline opens a paragraph and is built from a few parts, in any of the agencies' house styles:

    PLACE [, REGION] [sep DATE] [sep AGENCY] [— | - | :] [AGENCY] [.]

    MOSCOW, Oct 21 (Reuters) -            JERUSALEM (AP) —             Moscow (AP) —
    МОСКВА, 29 июня. /ТАСС/.              МОСКВА, 21 окт — РИА Новости.
    Москва. 21 октября. INTERFAX.RU -     KYIV/KHARKIV, Ukraine, March 3 (Reuters) -
    موسكو - (رويترز)    موسكو-وكالات-    مانيلا، 3 ديسمبر (رويترز) -    מוסקבה, 15 בנובמבר (Hibya) –

`dateline_spans(text)` finds them at the start of every paragraph. The parts are parsed one by one rather than
matched as one pattern per agency, so a new agency or a new order of the same parts needs no new rule.

The shortest house style is the place alone and a dash: `موسكو - ...`, `מוסקבה — ...`, `Moscow — ...`. Any
word can open a paragraph that way ("Hamas - the group that rules Gaza"), so `bare_place_spans(text)` only
says where such an opening is; the caller drops a mention there when its name is a place (profile groups
marked `place = true`), never an actor's name.
"""

from __future__ import annotations

import re

# How far into a paragraph a dateline can reach.
DATELINE_MAX_CHARS = 120
# Hebrew and Arabic have no capitals to end a place name; places of more words are the sentence itself.
RTL_PLACE_MAX_WORDS = 2

# Agencies whose bare name may close a dateline ("МОСКВА, 21 окт — РИА Новости.", "موسكو - رويترز"), or make
# a Title-case place a dateline ("Moscow (AP) —": Title case alone is how sentences start too). Compared
# case-folded without spaces or dots, so "أ ف ب", "أ.ف.ب" and "AFP" forms all match. Brackets, slashes and
# web addresses around an agency ("(Hibya)", "/ТАСС/", "INTERFAX.RU") need no list.
KNOWN_AGENCIES = frozenset(
    re.sub(r"[\s.]", "", a).casefold()
    for a in (
        # Latin
        "Reuters", "AP", "AFP", "TASS", "RIA", "RIA Novosti", "Interfax", "Xinhua", "dpa", "UPI", "Bloomberg",
        "CNN", "JTA", "WAFA", "Anadolu", "AA", "ANI", "IANS", "ANSA", "EFE", "Sputnik", "RT", "BBC",
        "Al Jazeera", "Times of Israel", "ToI", "Prime", "Regnum",
        # Cyrillic
        "ТАСС", "ИТАР-ТАСС", "РИА Новости", "Интерфакс", "Спутник", "Прайм", "ПРАЙМ", "Синьхуа",
        # Arabic
        "رويترز", "أ ف ب", "ا ف ب", "فرانس برس", "سبوتنيك", "الأناضول", "وكالات", "د ب أ", "تاس", "نوفوستي",
        "وفا", "شينخوا", "أ ب", "واس", "سانا",
        # Hebrew
        "רויטרס", "סוכנויות הידיעות", "סוכנויות", "אי-פי", "AFP", "טאס",
    )
)

# A word of a place name: capitalised in cased scripts ("TEL AVIV", "New Delhi"), so a sentence is no place.
_WORD = r"(?![a-zа-яё])[^\W\d_]+(?:['’.][^\W\d_]+)*\.?"
# A place: up to four words joined by spaces or slashes ("TEL AVIV", "KYIV/KHARKIV"), then optionally a
# region or country after a comma ("KYIV/KHARKIV, Ukraine") or between slashes ("IGORA /Leningrad Region/").
_PLACE = re.compile(
    rf"[\s\"«“„]*(?P<place>{_WORD}(?:[ /]{_WORD}){{0,3}})"
    rf"(?:\s*[,،]\s*(?P<region>{_WORD}(?: {_WORD})?)(?=\s*[,،(/]))?"
    r"(?:\s*/[^/\n]{1,30}/(?=\s*[,،]))?"
)
# Between the parts: a comma (Latin or Arabic), a full stop or spaces.
_SEP = re.compile(r"\s*[,،.]?\s*")
# A day and a month in either order, optionally with a year: "21 октября", "Oct. 21", "3 ديسمبر", "15 בנובמבר".
_DATE = re.compile(r"(?:\d{1,2}\s*[^\W\d_]+\.?|[^\W\d_]+\.?\s+\d{1,2})(?:,?\s+\d{4})?(?![\w])")
_AGENCY_BRACKETS = re.compile(r"\((?P<name>[^()\n]{1,30})\)")
_AGENCY_SLASHES = re.compile(r"/(?P<name>[^/\n]{1,30})/")
_AGENCY_WEB = re.compile(r"(?P<name>[^\W\d_][\w-]*\.(?:ru|com|ua|by|kz|net|org))(?![\w.])", re.IGNORECASE)
_AGENCY_BARE = re.compile(r"(?P<name>[^\W\d_][^\W\d_\-]*(?:[ \-][^\W\d_][^\W\d_]*){0,2})")
# The dash, colon or hyphen that ends a dateline, with the spaces around it.
_END = re.compile(r"\s*(?:—|–|--|-|:)\s*")
_RTL = re.compile(r"[\u0590-\u06ff]")
# A place of one or two words opening a paragraph, then a dash with spaces around it (a hyphen inside a word,
# "Ростов-на-Дону", is no dash).
_BARE_PLACE = re.compile(r"[\s\"«“„]*(?P<place>[^\W\d_]+(?: [^\W\d_]+)?)\s+(?:—|–|--|-)\s")


def _known(name: str) -> bool:
    return re.sub(r"[\s.]", "", name).casefold() in KNOWN_AGENCIES


def _agency_at(text: str, pos: int, *, bare: bool) -> tuple[int, bool] | None:
    """(end, sure) of an agency starting at pos. `sure`: its form or name marks it as an agency."""
    for rx in (_AGENCY_BRACKETS, _AGENCY_SLASHES, _AGENCY_WEB):
        m = rx.match(text, pos)
        if m:
            return m.end(), rx is not _AGENCY_BRACKETS or _known(m.group("name"))
    if bare:
        m = _AGENCY_BARE.match(text, pos)
        # The longest run of words that is a known agency ("РИА Новости", not "РИА Новости сообщили").
        if m:
            words = re.split(r"(?<=\S)(?=[ \-])", m.group("name"))
            for n in range(len(words), 0, -1):
                name = "".join(words[:n])
                if _known(name):
                    return pos + len(name), True
    return None


def dateline_in(paragraph: str) -> tuple[int, int] | None:
    """Character span of the dateline opening `paragraph` (the place through the agency), or None."""
    head = paragraph[:DATELINE_MAX_CHARS]
    m = _PLACE.match(head)
    if not m:
        return None
    place = m.group("place")
    pos = m.end()
    has_date, agency, sure_agency = False, False, False
    # DATE and AGENCY parts, each at most once, in either order ("Oct 21 (Reuters)", "(AP) Oct 21" is not used).
    for _ in range(2):
        sep = _SEP.match(head, pos)
        at = sep.end() if sep else pos
        if not has_date and not agency and (d := _DATE.match(head, at)):
            has_date, pos = True, d.end()
            continue
        if not agency and (a := _agency_at(head, at, bare=False)):
            agency, sure_agency, pos = True, a[1], a[0]
            continue
        break
    ended = False
    if e := _END.match(head, pos):
        # A colon after a bare capitalised word is a heading ("PUTIN: ..."), not a dateline.
        if e.group(0).strip() and (e.group(0).strip() != ":" or has_date or agency):
            ended, pos = True, e.end()
            # The agency may follow the dash: "МОСКВА, 21 окт — РИА Новости.", "موسكو - (رويترز)".
            if not agency and (a := _agency_at(head, pos, bare=True)):
                agency, sure_agency, pos = True, a[1], a[0]
                if e2 := _END.match(head, pos):
                    pos = e2.end() if e2.group(0).strip() else pos
    if agency and head[pos : pos + 1] == ".":
        pos += 1
    if not (ended or agency):
        return None  # "Москва. 21 октября 2023 года состоялась…" is a sentence, not a dateline
    letters = [c for c in place if c.isalpha()]
    caps = len(letters) >= 2 and all(c.isupper() for c in letters)
    rtl = bool(_RTL.match(place))
    if rtl and len(place.split()) > RTL_PLACE_MAX_WORDS:
        return None  # uncased words run on into the sentence: "موسكو تستضيف محادثات (رويترز)"
    # Title case is how any sentence starts ("Putin (left) said"): it needs a date or a sure agency.
    if not (caps or has_date or sure_agency or (rtl and agency)):
        return None
    end = pos
    while end > m.start("place") and head[end - 1].isspace():
        end -= 1
    return m.start("place"), end


def dateline_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of wire datelines at the start of the text or of any paragraph."""
    spans = []
    offset = 0
    for para in text.split("\n"):
        span = dateline_in(para)
        if span is not None:
            spans.append((offset + span[0], offset + span[1]))
        offset += len(para) + 1
    return spans


def bare_place_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of one- or two-word openings followed by a dash, at the start of the text or of any
    paragraph: a dateline when the words are a place ("موسكو - أفرجت حركة حماس ...")."""
    spans = []
    offset = 0
    for para in text.split("\n"):
        m = _BARE_PLACE.match(para)
        if m:
            spans.append((offset + m.start("place"), offset + m.end("place")))
        offset += len(para) + 1
    return spans
