"""Line-level cleanup of an extracted body: photo credits and captions, gallery counters, slideshows of other
stories ("1/50 …"), empty table rows, comment and newsletter teasers, "read also" lines, and the trailing list
of other headlines that generic extraction keeps."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass

from lxml.html import HtmlElement

# Anchor texts shorter than this are menu words ("Home", "Sport"); a text line equal to one proves nothing.
MIN_LINK_LINE_CHARS = 15
# Hidden text screen readers get after a link's visible words (", opens new tab") is at most this long.
MAX_HIDDEN_LINK_SUFFIX = 30
# The label of a "label: link" teaser line ("Read also", "Lea más", "Our Standards") is a few words.
MAX_LINK_LABEL_CHARS = 30
# A "headline-like" line: short and without sentence-final punctuation.
MAX_HEADLINE_CHARS = 160
# Trailing blocks after a "related"/"read more" label are cut only if every line after it is this short.
MAX_TRAILING_BLOCK_LINE_CHARS = 200
# Consecutive headlines (no sentence end) that are each the whole text of a page link make a list of other
# stories wherever it stands; one such line alone may be a linked quotation or a cited source.
MIN_LINK_RUN = 2
# The short title above such a list ("Related stories", "เรื่องที่เกี่ยวข้อง") goes with it.
MAX_LIST_TITLE_CHARS = 60

# ---------------------------------------------------------------------------------------------------------
# Line patterns (page chrome that survives generic extraction), in the languages we monitor plus those of
# the development set. Each is anchored to the start of a line and only ever matches short lines.

# Photo credits: ynet writes "(צילום: הקרמלין)" under every picture (seed 001); wires write "Photo: AFP".
_CREDIT_LINE = re.compile(
    r"^[(\[]?\s*(?:צילום|צילומים|צלם|קרדיט|באדיבות|תמונה|photo(?:graph)?s?|pictures?|image|credits?|"
    r"photo credit|фото|фотография|источник фото|تصوير|الصورة|صورة|مصدر الصورة|foto|fotos|bild|bildquelle|"
    r"titelbild|beitragsbild|crédits? photos?|image illustrative)\s*(?:by|von|de)?\s*[:：]",
    re.IGNORECASE,
)
# A caption with its credit on the same line: "מחבלי חמאס בחאן יונס (צילום: AP)", "... (Photo: Reuters)".
# Only short lines are judged (see _is_chrome_line): a paragraph does not end with a photo credit.
_TRAILING_CREDIT = re.compile(
    r"[(\[]\s*(?:צילום|צלם|קרדיט|photo|picture|image|credit|фото|تصوير|الصورة|foto|bild)\s*(?:by|von|de)?\s*[:：][^()\[\]]{1,80}[)\]]\s*$",
    re.IGNORECASE,
)
# Comment teasers: "12 תגובות", "Comments (4)", "أضف تعليقاً", "Оставить комментарий", "Kommentar schreiben".
_COMMENT_TEASER = re.compile(
    # the whole line is the label with an optional count ("Comment faire ..." is a French heading, not a teaser)
    r"^\W*(?:\d+\s*)?(?:comments?|תגובות|תגובה|טוקבקים|تعليقات|التعليقات|تعليق|комментари\w*|kommentare?|"
    r"commentaires?|comentarios?)\s*(?:[(:]?\s*\d*\s*\)?)\W*$|"
    r"\b(?:add|leave|post|write|show|view) (?:a |all |the )?comments?\b|הוסיפו תגובה|לכל התגובות|أضف تعليق|اترك تعليق|"
    r"оставить комментарий|kommentar (?:schreiben|verfassen)|kommentieren|laisser un commentaire|deja (?:tu|un) comentario",
    re.IGNORECASE,
)
# Comment teasers are short; longer lines mentioning comments are prose about them.
MAX_COMMENT_TEASER_CHARS = 100
# Calls to action: newsletter boxes, subscription and app pitches, "follow us". Only short lines that do not
# read as prose are judged, so an article *about* a newsletter keeps its sentences.
_CALL_TO_ACTION = re.compile(
    r"\b(?:sign up|subscribe|subscription|newsletter|follow us|download (?:our|the) app|abonnieren|anmelden|"
    r"folgen sie|suscr[ií]b|s'abonner|abonnez|inscrivez|zapisz się|subskryb)|"
    r"(?:הירשמו|להרשמה|לניוזלטר|עקבו אחרינו|اشترك|للاشتراك|النشرة البريدية|تابعونا|подпишитесь|подписаться|рассылк)",
    re.IGNORECASE,
)
_COPYRIGHT_LINE = re.compile(
    r"^(?:©|\(c\)|copyright\b|all rights reserved|כל הזכויות שמורות|جميع الحقوق محفوظة|все права защищены)", re.IGNORECASE
)
# "5 צפייה בגלריה" (ynet gallery counter), "View gallery", "Смотреть фото".
_GALLERY_LINE = re.compile(
    r"^\d*\s*(?:צפייה בגלריה|לצפייה בגלריה|view (?:the )?gallery|view \d+ images|открыть галерею|смотреть фото|"
    r"عرض الصور|شاهد الصور|معرض الصور)\s*$",
    re.IGNORECASE,
)
# Labels that introduce links to other articles. With text after them the line is one teaser; alone, the
# label heads a block of teasers.
_READ_ALSO_LABELS = (
    # he
    "קראו עוד|קראו גם|קראו את|עוד באתר|עוד בנושא|כתבות נוספות|מומלצים|לכתבה המלאה|"
    # ar
    "اقرأ أيضا|اقرأ أيضاً|إقرأ أيضا|إقرأ أيضاً|اقرأ ايضا|اقرأ المزيد|شاهد أيضا|شاهد أيضاً|ذات صلة|أخبار ذات صلة|"
    "مواضيع ذات صلة|الأكثر قراءة|للمزيد|"
    # ru
    "читайте также|смотрите также|читайте еще|читайте ещё|по теме|подробнее|еще по теме|ещё по теме|"
    # en
    "read more|read also|also read|related|related articles|related stories|related content|see also|"
    "recommended|more from|more on this|most read|you may also like|you might also like|"
    # de
    "lesen sie auch|lesen sie hier|lesen sie mehr|auch lesen|auch interessant|mehr zum thema|weiterlesen|"
    "weitere themen|weitere artikel|empfohlene beiträge|schon gelesen|das könnte sie auch interessieren|"
    "das thema könnte dich auch interessieren|zum weiterlesen|"
    # fr / es / pt / pl
    "à lire aussi|a lire aussi|lire aussi|lea también|lea más|lea|le puede interesar|te puede interesar|"
    "puedes ver|mira|mire|contenido relacionado|leia também|leia mais|czytaj też|czytaj także|zobacz też|"
    "zobacz także|dowiedz się więcej"
)
_READ_ALSO_LINE = re.compile(rf"^[>»\-–—•*\s]*(?:{_READ_ALSO_LABELS})\s*(?:[:：»>|\-–—]|\.\.\.|…)\s*\S", re.IGNORECASE)
_READ_ALSO_HEADER = re.compile(rf"^[>»\-–—•*\s]*(?:{_READ_ALSO_LABELS})\s*[:：?!.…]*\s*$", re.IGNORECASE)
# The button or link that reveals the rest of an article ("read more" between two parts of a body, issue 15
# item 3b), alone on its line with at most punctuation or arrows around it: never the article's text.
_CONTINUE_LABELS = (
    "read more|continue reading(?: the(?: main)? (?:story|article))?|keep reading|read the full (?:story|article)|"
    "show more|weiterlesen|artikel weiterlesen|mehr lesen|mehr anzeigen|читать далее|читать полностью|"
    "показать полностью|развернуть|اقرأ المزيد|إقرأ المزيد|تابع القراءة|لمتابعة القراءة|להמשך|להמשך קריאה|"
    "להמשך הכתבה|המשך קריאה|המשך לקרוא|lire la suite|leer más|seguir leyendo|continuar leyendo|continuar lendo|"
    "leia mais|czytaj dalej|czytaj więcej"
)
_CONTINUE_TEASER = re.compile(rf"^[\W_]*(?:{_CONTINUE_LABELS})[\W_]*$", re.IGNORECASE)
# Such a line is a few words.
MAX_CONTINUE_TEASER_CHARS = 50
# A line that is only a date ("12-شباط-2024", "23.10.2018", "June 3, 2024"), as in headline lists (seed 003).
_DATE_ONLY_LINE = re.compile(
    r"^[\s|•·-]*(?:\d{1,2}[\s./\-]+[^\W\d_]{3,12}[\s./\-]+\d{4}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2}|"
    r"[^\W\d_]{3,12}\.? \d{1,2},? \d{4})(?:[\s,|-]+\d{1,2}:\d{2})?[\s|•·-]*$"
)
# A teaser label is words only: "- 2 décembre 2019 : <link>" is a dated list entry, "*feat.: <link>" a credit.
_LABEL = re.compile(r"^[^\W\d_]+(?:[ '’-][^\W\d_]+){0,4}\s*$")
_URL_LINE = re.compile(r"^\S*(?:https?://|www\.)\S+$", re.IGNORECASE)
_PROSE_END = re.compile(r"[.!?。؟…\"'”»״)]\s*$")
# Sentence-final punctuation proper: a headline may end with a closing quote, a sentence in a list ends so.
_STOP_END = re.compile(r"[.!?。؟…:;]\s*$")
_SENTENCE_END = re.compile(r"[.!?。؟…:;\"'”»״)]\s*$")
# A table row with no text left in it ("|  |  |  |"), as trafilatura writes a layout table's empty cells.
_EMPTY_ROW = re.compile(r"^[|\s]+$")
# A slideshow's captions, each after its counter ("- 1/50 United goin down …", "2/50 Star Wars boosts …"):
# a gallery of other stories set into the article. An article's own list numbers its items "1." or "1)".
_SLIDE_COUNTER = re.compile(r"^[-•*\s]*(\d{1,3})\s*/\s*(\d{1,3})\s")
MIN_SLIDES = 3
_EDGE_PUNCTUATION = " .,;:!?…\"'«»“”„-–—|>"


@dataclass(frozen=True)
class LinkTexts:
    """The page's link texts, normalised, for "is this line just a link?" questions.

    Lookups also accept a line that is the start of a link text, because links often carry hidden
    accessibility text after the visible words ("The Thomson Reuters Trust Principles., opens new tab").
    """

    sorted_texts: tuple[str, ...] = ()

    @classmethod
    def of(cls, tree: HtmlElement) -> LinkTexts:
        # In-page links ("#section") are a table of contents: their texts are the article's own headings.
        texts = {_link_key(anchor.text_content()) for anchor in tree.iter("a") if not anchor.get("href", "").startswith("#")}
        return cls(tuple(sorted(text for text in texts if len(text) >= MIN_LINK_LINE_CHARS)))

    def contains_line(self, line: str) -> bool:
        key = _link_key(line)
        if len(key) < MIN_LINK_LINE_CHARS:
            return False
        index = bisect_left(self.sorted_texts, key)
        if index < len(self.sorted_texts):
            candidate = self.sorted_texts[index]
            return candidate == key or (candidate.startswith(key) and len(candidate) - len(key) <= MAX_HIDDEN_LINK_SUFFIX)
        return False


def _link_key(text: str) -> str:
    """Whitespace-folded, case-folded, edge punctuation stripped (cheap: it runs on every link of the page)."""
    return " ".join(text.split()).casefold().strip(_EDGE_PUNCTUATION)


def _is_link_line(line: str, link_texts: LinkTexts) -> bool:
    """The whole line is the text of one of the page's links (a teaser headline). A bare URL is a cited
    source, not a teaser, and stays."""
    if _URL_LINE.match(line):
        return False
    return link_texts.contains_line(line)


def _is_labelled_link(line: str, link_texts: LinkTexts) -> bool:
    """'Read also: <headline>', 'Lea: <headline>', 'Our Standards: <link>': a short label, then one link.

    Catches teaser lines in any language without a list of labels: the evidence is that everything after
    the label is the text of a link on the page.
    """
    if len(line) > MAX_TRAILING_BLOCK_LINE_CHARS:
        return False
    label, separator, rest = line.replace("：", ":", 1).partition(":")  # CJK text writes a full-width colon
    if not separator or not rest.strip() or len(label) > MAX_LINK_LABEL_CHARS or not _LABEL.match(label):
        return False
    return _is_link_line(rest.strip(" »>-–—"), link_texts)


def _is_headline_like(line: str) -> bool:
    return 0 < len(line) <= MAX_HEADLINE_CHARS and not _SENTENCE_END.search(line)


def _is_chrome_line(line: str) -> bool:
    """Lines that are page furniture wherever they appear."""
    if len(line) > MAX_TRAILING_BLOCK_LINE_CHARS:
        return False
    return bool(
        _CREDIT_LINE.match(line)
        or _TRAILING_CREDIT.search(line)
        or _GALLERY_LINE.match(line)
        or (len(line) <= MAX_COMMENT_TEASER_CHARS and _COMMENT_TEASER.search(line))
        or (_CALL_TO_ACTION.search(line) and not _PROSE_END.search(line))
        or _READ_ALSO_LINE.match(line)
        or (_READ_ALSO_HEADER.match(line) and len(line) <= 60)
        or (len(line) <= MAX_CONTINUE_TEASER_CHARS and _CONTINUE_TEASER.match(line))
    )


def clean_lines(text: str, *, link_texts: LinkTexts | None = None) -> str:
    """Remove captions, credits, gallery counters, teaser links and trailing headline lists.

    A headline repeated as the body's first line is kept: it is the page's text, not chrome (and the
    extraction_dev set counts it as content).
    """
    if not text:
        return text
    links = link_texts or LinkTexts()
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _is_chrome_line(line) or _is_labelled_link(line, links):
            # A caption line sits right above its credit: "הפגישה של פוטין עם שורדי השבי" / "(צילום: הקרמלין)".
            if _CREDIT_LINE.match(line) and kept and _is_headline_like(kept[-1]) and index > 1:
                kept.pop()
            continue
        kept.append(line)
    kept = _drop_slideshows([line for line in kept if not _EMPTY_ROW.match(line)])
    kept = _drop_link_runs(kept, links)
    kept = _cut_trailing_block(kept, links)
    return "\n".join(kept)


def _is_linked_headline(line: str, links: LinkTexts) -> bool:
    """A headline (no sentence end) that is one link's whole text. List items and table rows ("- ", "| ",
    as trafilatura writes them) are left alone: a list of linked products or downloads is the page's content."""
    if len(line) > MAX_HEADLINE_CHARS or line.startswith(("- ", "|")) or _STOP_END.search(line):
        return False
    return _is_link_line(line, links)


def _drop_link_runs(lines: list[str], links: LinkTexts) -> list[str]:
    """Drop runs of linked headlines (other stories) and the short title line right above each run."""
    return _drop_runs(lines, lambda _previous, line: _is_linked_headline(line, links), MIN_LINK_RUN, max_titles=1)


def _drop_slideshows(lines: list[str]) -> list[str]:
    """Drop runs of slideshow captions counted "k/N" in order (at least MIN_SLIDES of one slideshow), and the
    gallery's short title lines right above them ("Business news in pictures", sometimes written twice)."""
    return _drop_runs(lines, _next_slide, MIN_SLIDES, max_titles=2)


def _drop_runs(lines: list[str], continues: Callable[[str | None, str], bool], min_run: int, *, max_titles: int) -> list[str]:
    """LINES without each run of at least MIN_RUN lines where every line CONTINUES the one before it (the
    first is asked with None), nor up to MAX_TITLES short headline-like lines right above a run (its title).
    A run that stops short is kept whole: one starting inside it would stop at the same line."""
    kept: list[str] = []
    index = 0
    while index < len(lines):
        end = index
        while end < len(lines) and continues(lines[end - 1] if end > index else None, lines[end]):
            end += 1
        if end - index >= min_run:
            for _ in range(max_titles):
                if not (kept and len(kept[-1]) <= MAX_LIST_TITLE_CHARS and _is_headline_like(kept[-1]) and len(kept) > 1):
                    break
                kept.pop()
            index = end
            continue
        end = max(end, index + 1)
        kept.extend(lines[index:end])
        index = end
    return kept


def _next_slide(previous: str | None, line: str) -> bool:
    """LINE is a slide caption, and the one after PREVIOUS in the same slideshow when there is a previous."""
    counter = _SLIDE_COUNTER.match(line)
    if counter is None or not 0 < int(counter[1]) <= int(counter[2]):
        return False
    if previous is None:
        return True
    before = _SLIDE_COUNTER.match(previous)
    return before is not None and (int(before[1]) + 1, before[2]) == (int(counter[1]), counter[2])


def _cut_trailing_block(lines: list[str], links: LinkTexts) -> list[str]:
    """Drop the page's list of other articles at the end of the text (links, dates, 'related' labels)."""
    end = len(lines)
    while end > 0:
        line = lines[end - 1]
        if (
            _is_link_line(line, links)
            or _DATE_ONLY_LINE.match(line)
            or (_COPYRIGHT_LINE.match(line) and len(line) <= MAX_TRAILING_BLOCK_LINE_CHARS)
            or (_READ_ALSO_HEADER.match(line) and len(line) <= 60)
        ):
            end -= 1
            continue
        break
    # A "related"/"read also" header in the last part, followed only by short lines: the rest is teasers.
    for index in range(end - 1, max(end - 15, 0) - 1, -1):
        if _READ_ALSO_HEADER.match(lines[index]) and len(lines[index]) <= 60:
            if all(len(line) <= MAX_TRAILING_BLOCK_LINE_CHARS for line in lines[index + 1 : end]):
                end = index
            break
    return lines[:end]
