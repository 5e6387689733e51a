"""Wikipedia Action API, pure: request URLs, response parsing, wikitext to plain text, what a revision changed.

No Scrapy, no database. spiders/wikipedia.py drives the requests; storage/wiki_repo.py stores the results.
Every URL carries format=json&formatversion=2&maxlag=N and lists its parameters sorted, so one request is always
spelled one way (the replay archive in tests/fixtures/archive/wikipedia.toml depends on that).
Parsers accept formatversion 1 as well (pages as a dict, langlink titles under "*"): the real captures are fv1.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from difflib import SequenceMatcher
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import mwparserfromhell

from crawler.extract.timestamps import retry_after_seconds  # noqa: F401 - part of this module's API (the spider uses it)
from crawler.textnorm import fold_whitespace, normalize_for_match
from crawler.dedup.versions import diff_versions

# Parameters every request sends. formatversion=2 gives pages as a list and plain booleans (outlets.md §3).
BASE_PARAMS: Mapping[str, str] = {"action": "query", "format": "json", "formatversion": "2"}
# titles= / pageids= take at most 50 values for clients without the apihighlimits right (API:Query).
MAX_TITLES_PER_CALL = 50
# First sight of a watched page: its newest revisions make the starting history; older ones are not fetched.
INITIAL_HISTORY = 10
# rvlimit with content is capped at 50 for non-bot clients.
MAX_REVISIONS_PER_CALL = 50
# Newest-created pages per search: enough for a day of new articles on one topic, cheap when nothing is new.
SEARCH_LIMIT = 20
REVISION_PROPS = ("ids", "timestamp", "user", "comment", "size", "content")
# A wiki's code becomes a host name label: anything else (from a hostile langlink URL) must not reach the URL.
WIKI_CODE = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
# Sentences/paragraph lists kept in a change summary; the digest quotes a few, nobody reads a hundred.
MAX_LISTED = 50
# API error answered with HTTP 200: the replica lag exceeds our maxlag; retry after Retry-After (API:Etiquette).
MAXLAG_ERROR = "maxlag"
# Browser User-Agents are refused by Wikimedia's policy (403) and are dishonest besides.
BROWSER_UA = re.compile(r"^\s*Mozilla/|\b(?:Chrome|Safari|Firefox|Edg)/\d", re.IGNORECASE)
# The UA policy asks for a way to contact the operator: a URL or an e-mail address.
UA_CONTACT = re.compile(r"https?://|[\w.+-]+@[\w-]+\.[\w.-]+")


class WikiResponseError(Exception):
    """An API answer that is not usable JSON; `reason` is the recorded failure reason."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# --- request URLs ---------------------------------------------------------------------------------------------


def endpoint(template: str, wiki: str) -> str:
    """The api.php URL of one wiki, e.g. ("https://{lang}.wikipedia.org/w/api.php", "ar")."""
    if not WIKI_CODE.match(wiki):
        raise ValueError(f"not a wiki code: {wiki!r}")
    return template.replace("{lang}", wiki)


def build_url(api: str, params: Mapping[str, str | int | Sequence[str]], *, maxlag: int) -> str:
    """api.php?<BASE_PARAMS + params + maxlag>, keys sorted, lists joined by "|", percent-encoded (no "+")."""
    values: dict[str, str] = {**BASE_PARAMS, "maxlag": str(maxlag)}
    for key, value in params.items():
        values[key] = "|".join(value) if isinstance(value, (list, tuple)) else str(value)
    query = urlencode(sorted(values.items()), quote_via=quote, safe="")
    return f"{api}?{query}"


def check_url(api: str, titles: Sequence[str], *, maxlag: int, langlinks: bool = False, llcontinue: str | None = None) -> str:
    """The cheap change check: lastrevid (and the canonical URL) of up to 50 titles, plus their langlinks if asked."""
    if not 0 < len(titles) <= MAX_TITLES_PER_CALL:
        raise ValueError(f"a check takes 1..{MAX_TITLES_PER_CALL} titles, not {len(titles)}")
    params: dict[str, str | int | Sequence[str]] = {
        "prop": ["info", "langlinks"] if langlinks else ["info"],
        "inprop": "url",
        "redirects": 1,
        "titles": list(titles),
    }
    if langlinks:
        params.update(lllimit="max", llprop="url")
        if llcontinue:
            params["llcontinue"] = llcontinue
    return build_url(api, params, maxlag=maxlag)


def revisions_url(
    api: str, pageid: int, *, maxlag: int, since_revid: int | None = None, rvcontinue: str | None = None
) -> str:
    """Revisions with content: newer ones from `since_revid` (inclusive) onwards, else the newest INITIAL_HISTORY."""
    params: dict[str, str | int | Sequence[str]] = {
        "prop": "revisions",
        "pageids": str(pageid),
        "rvprop": list(REVISION_PROPS),
        "rvslots": "main",
    }
    if since_revid is not None:
        params.update(rvdir="newer", rvstartid=str(since_revid), rvlimit=MAX_REVISIONS_PER_CALL)
    else:
        params.update(rvdir="older", rvlimit=INITIAL_HISTORY)
    if rvcontinue:
        params["rvcontinue"] = rvcontinue
    return build_url(api, params, maxlag=maxlag)


def search_url(api: str, terms: str, *, maxlag: int, limit: int = SEARCH_LIMIT) -> str:
    """Articles matching the topic's terms, newest-created first (so new pages head the list)."""
    params = {
        "list": "search",
        "srsearch": terms,
        "srnamespace": 0,
        "srsort": "create_timestamp_desc",
        "srlimit": limit,
        "srprop": ["size", "wordcount", "timestamp", "snippet"],
    }
    return build_url(api, params, maxlag=maxlag)


def new_page_url(api: str, pageid: int, *, maxlag: int) -> str:
    """One new page: canonical URL, first revision (its creation date) and plain text (TextExtracts), one call.

    rvlimit with rvdir=newer only works for a single page, hence one page per call (outlets.md §3c).
    """
    params = {
        "prop": ["info", "revisions", "extracts"],
        "pageids": str(pageid),
        "inprop": "url",
        "rvdir": "newer",
        "rvlimit": 1,
        "rvprop": ["ids", "timestamp", "user", "size"],
        "explaintext": 1,
        "exsectionformat": "plain",
    }
    return build_url(api, params, maxlag=maxlag)


def article_url(wiki: str, title: str) -> str:
    """The page's URL when the API gave none: https://<wiki>.wikipedia.org/wiki/<Title_with_underscores>."""
    return f"https://{wiki}.wikipedia.org/wiki/{quote(title.replace(' ', '_'), safe='()')}"


def parse_extra_title(value: str) -> tuple[str, str]:
    """"ar:عنوان" -> ("ar", "عنوان"); ValueError for anything else (config's wikipedia.extra_titles)."""
    wiki, sep, title = value.partition(":")
    wiki = wiki.strip().lower()
    if not sep or not WIKI_CODE.match(wiki) or not title.strip():
        raise ValueError(f"wikipedia.extra_titles: {value!r} is not \"<lang>:<Title>\"")
    return wiki, title.strip()


def chunked(items: Sequence[str], size: int = MAX_TITLES_PER_CALL) -> list[list[str]]:
    """Batches of at most `size`, order kept."""
    return [list(items[start : start + size]) for start in range(0, len(items), size)]


def check_user_agent(user_agent: str | None) -> str | None:
    """Why Wikimedia would (rightly) refuse this User-Agent, or None when it is acceptable."""
    if not user_agent or not user_agent.strip():
        return "no User-Agent: Wikimedia answers 403 to anonymous clients"
    if BROWSER_UA.search(user_agent):
        return "a browser User-Agent: Wikimedia's policy requires a descriptive one naming the tool"
    if not UA_CONTACT.search(user_agent):
        return "the User-Agent gives no contact (URL or e-mail), which Wikimedia's policy requires"
    return None


# --- responses -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiError:
    code: str
    info: str
    lag: float | None = None


@dataclass(frozen=True)
class LangLink:
    lang: str  # the language code ("gsw")
    title: str
    url: str | None
    wiki: str  # the wiki's host label ("als" for gsw), from the URL when given


@dataclass(frozen=True)
class Revision:
    revid: int
    parentid: int | None
    timestamp: datetime | None
    user: str | None  # None when hidden
    comment: str | None
    size: int | None
    content: str | None  # wikitext; None when not requested or hidden
    minor: bool = False
    texthidden: bool = False


@dataclass(frozen=True)
class PageInfo:
    title: str
    pageid: int | None
    ns: int = 0
    missing: bool = False
    invalid: bool = False
    lastrevid: int | None = None
    touched: datetime | None = None
    length: int | None = None
    url: str | None = None
    langlinks: tuple[LangLink, ...] = ()
    revisions: tuple[Revision, ...] = ()
    extract: str | None = None


@dataclass(frozen=True)
class SearchHit:
    title: str
    pageid: int
    size: int | None = None
    wordcount: int | None = None
    snippet: str = ""
    timestamp: datetime | None = None  # the *last edit*, not the creation


def load_json(body: bytes) -> dict[str, Any]:
    """The decoded answer; an HTML error page or truncated body is a WikiResponseError."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WikiResponseError("bad_json", f"{type(exc).__name__}: {body[:120]!r}") from None
    if not isinstance(data, dict):
        raise WikiResponseError("bad_json", "the answer is not a JSON object")
    return data


def api_error(data: Mapping[str, Any]) -> ApiError | None:
    """The API's own error (maxlag, ratelimited, readonly ...), which comes with HTTP 200."""
    error = data.get("error")
    if not isinstance(error, Mapping):
        return None
    lag = error.get("lag")
    lag_seconds = float(lag) if isinstance(lag, (int, float)) else None
    return ApiError(str(error.get("code", "unknown")), str(error.get("info", "")), lag_seconds)


def parse_timestamp(value: Any) -> datetime | None:
    """MediaWiki ISO 8601 ("2026-03-27T09:26:22Z") as an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)


def _flag(entry: Mapping[str, Any], key: str) -> bool:
    """fv2 booleans are true/false; fv1 marks a true flag by the key's presence ("missing": "")."""
    value = entry.get(key, False)
    return value is not False and value is not None


def _pages(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    pages = (data.get("query") or {}).get("pages") or []
    return list(pages.values()) if isinstance(pages, Mapping) else list(pages)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _langlink(entry: Mapping[str, Any]) -> LangLink:
    lang = str(entry.get("lang", ""))
    title = str(entry.get("title", entry.get("*", "")))
    url = entry.get("url")
    wiki = lang
    if isinstance(url, str) and url:
        host = (urlsplit(url).hostname or "").lower()
        if host.endswith(".wikipedia.org"):
            wiki = host.split(".", 1)[0]
    return LangLink(lang=lang, title=title, url=url if isinstance(url, str) else None, wiki=wiki)


def _revision(entry: Mapping[str, Any]) -> Revision:
    main = ((entry.get("slots") or {}).get("main") or {}) if isinstance(entry.get("slots"), Mapping) else {}
    content = main.get("content", main.get("*")) if main else entry.get("content", entry.get("*"))
    texthidden = _flag(entry, "texthidden") or (bool(main) and _flag(main, "texthidden"))
    return Revision(
        revid=int(entry.get("revid", 0)),
        parentid=_int(entry.get("parentid")),
        timestamp=parse_timestamp(entry.get("timestamp")),
        user=None if _flag(entry, "userhidden") else entry.get("user"),
        comment=None if _flag(entry, "commenthidden") else entry.get("comment"),
        size=_int(entry.get("size")),
        content=content if isinstance(content, str) and not texthidden else None,
        minor=_flag(entry, "minor"),
        texthidden=texthidden,
    )


def parse_pages(data: Mapping[str, Any]) -> list[PageInfo]:
    """Every page of a query answer (info, langlinks, revisions, extract: whichever were asked)."""
    pages: list[PageInfo] = []
    for entry in _pages(data):
        pages.append(
            PageInfo(
                title=str(entry.get("title", "")),
                pageid=_int(entry.get("pageid")),
                ns=_int(entry.get("ns")) or 0,
                missing=_flag(entry, "missing"),
                invalid=_flag(entry, "invalid"),
                lastrevid=_int(entry.get("lastrevid")),
                touched=parse_timestamp(entry.get("touched")),
                length=_int(entry.get("length")),
                url=entry.get("canonicalurl") or entry.get("fullurl"),
                langlinks=tuple(_langlink(link) for link in entry.get("langlinks") or ()),
                revisions=tuple(_revision(rev) for rev in entry.get("revisions") or ()),
                extract=entry.get("extract") if isinstance(entry.get("extract"), str) else None,
            )
        )
    return pages


def title_map(data: Mapping[str, Any]) -> dict[str, str]:
    """Requested title -> the page's title, through `normalized` and then `redirects`."""
    query = data.get("query") or {}
    normalized = {item["from"]: item["to"] for item in query.get("normalized") or () if "from" in item and "to" in item}
    redirects = {item["from"]: item["to"] for item in query.get("redirects") or () if "from" in item and "to" in item}
    mapping: dict[str, str] = {}
    for requested in {*normalized, *redirects}:
        title = normalized.get(requested, requested)
        mapping[requested] = redirects.get(title, title)
    return mapping


def resolve_title(requested: str, mapping: Mapping[str, str]) -> str:
    title = mapping.get(requested, requested)
    return mapping.get(title, title)


def parse_search(data: Mapping[str, Any]) -> list[SearchHit]:
    hits: list[SearchHit] = []
    for entry in (data.get("query") or {}).get("search") or ():
        pageid = _int(entry.get("pageid"))
        if pageid is None or entry.get("ns", 0) != 0:
            continue
        snippet = re.sub(r"<[^>]+>", "", str(entry.get("snippet", "")))
        hits.append(
            SearchHit(
                title=str(entry.get("title", "")),
                pageid=pageid,
                size=_int(entry.get("size")),
                wordcount=_int(entry.get("wordcount")),
                snippet=fold_whitespace(snippet),
                timestamp=parse_timestamp(entry.get("timestamp")),
            )
        )
    return hits


def continuation(data: Mapping[str, Any]) -> dict[str, str]:
    """The `continue` block (e.g. {"rvcontinue": "...", "continue": "||"}); empty when the answer is complete."""
    block = data.get("continue")
    return {str(k): str(v) for k, v in block.items()} if isinstance(block, Mapping) else {}


# --- wikitext to text --------------------------------------------------------------------------------------------

# Tags whose content is not article prose: footnotes, galleries, tables (their cells read as noise), formulas.
_DROP_TAGS = frozenset(
    {"ref", "references", "gallery", "table", "math", "chem", "score", "timeline", "syntaxhighlight", "templatestyles",
     "mapframe", "graph", "imagemap", "noinclude"}
)  # fmt: skip
# Links into these namespaces are images or categories, not words of the text: English canonical names plus the
# local names on the Arabic, Hebrew and Russian wikis.
_NON_TEXT_NAMESPACES = frozenset(
    {"file", "image", "media", "category", "ملف", "صورة", "تصنيف", "קובץ", "תמונה", "קטגוריה", "файл", "изображение",
     "категория"}
)  # fmt: skip
# [[ar:...]]-style interlanguage links (old style, still in some pages): a language code before the colon.
_INTERLANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[a-z]+)*$")
# Magic words such as __NOTOC__ are rendering switches.
_MAGIC_WORD = re.compile(r"__[A-Z]+__")
# Marks a heading line between conversion and splitting: a private-use character, never in article text
# (the parser drops control characters such as NUL).
_HEADING_MARK = "\ue000"


@dataclass(frozen=True)
class Block:
    """One line of the plain text: a section heading or a paragraph (list items are paragraphs too)."""

    text: str
    heading: bool = False


def _remove(code: Any, node: Any) -> None:
    try:
        code.remove(node)
    except ValueError:
        pass  # already gone with an enclosing node


def _lang_template_text(template: Any) -> str | None:
    """{{lang|ar|نص}} / {{lang-ar|نص}}: the words are article text, unlike other templates."""
    name = str(template.name).strip().lower()
    if not (name == "lang" or name.startswith("lang-")):
        return None
    positional = [param for param in template.params if not param.showkey]
    if not positional:
        return None
    return str(positional[-1].value)


def wikitext_blocks(wikitext: str) -> list[Block]:
    """Headings and paragraphs of a page's wikitext, without references, templates, images and categories."""
    code = mwparserfromhell.parse(wikitext)
    for tag in code.filter_tags(recursive=True):
        if str(tag.tag).strip().lower() in _DROP_TAGS:
            _remove(code, tag)
    for link in code.filter_wikilinks(recursive=True):
        title = str(link.title).strip()
        if title.startswith(":") or ":" not in title:
            continue
        prefix = title.split(":", 1)[0].strip().lower()
        if prefix in _NON_TEXT_NAMESPACES or _INTERLANGUAGE.match(prefix):
            _remove(code, link)
    for template in code.filter_templates(recursive=False):
        text = _lang_template_text(template)
        if text is not None:
            code.replace(template, text)
    for heading in code.filter_headings(recursive=False):
        title = fold_whitespace(mwparserfromhell.parse(str(heading.title)).strip_code())
        code.replace(heading, f"\n{_HEADING_MARK}{title}\n")
    text = _MAGIC_WORD.sub("", code.strip_code(normalize=True, collapse=True))
    blocks: list[Block] = []
    for line in text.splitlines():
        is_heading = line.startswith(_HEADING_MARK)
        cleaned = fold_whitespace(line.replace(_HEADING_MARK, "")).strip(" *#:;")
        if any(char.isalpha() for char in cleaned):
            blocks.append(Block(cleaned, heading=is_heading))
    return blocks


def plain_text(blocks: Iterable[Block]) -> str:
    """One block per line: what is stored as the article's text."""
    return "\n".join(block.text for block in blocks)


# --- what a revision changed -------------------------------------------------------------------------------------


def _multiset_delta(old: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    """(added, removed) items, counted as multisets, each in its own list's order."""
    added_left, removed_left = Counter(new) - Counter(old), Counter(old) - Counter(new)
    added: list[str] = []
    for item in new:
        if added_left[item] > 0:
            added.append(item)
            added_left[item] -= 1
    removed: list[str] = []
    for item in old:
        if removed_left[item] > 0:
            removed.append(item)
            removed_left[item] -= 1
    return added, removed


def paragraph_changes(old: Sequence[str], new: Sequence[str]) -> tuple[int, int, int]:
    """(added, removed, changed) paragraphs, in order: an edited paragraph is "changed", not one removed + one added."""
    matcher = SequenceMatcher(None, [normalize_for_match(p) for p in old], [normalize_for_match(p) for p in new], autojunk=False)
    added = removed = changed = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "insert":
            added += j2 - j1
        elif tag == "delete":
            removed += i2 - i1
        elif tag == "replace":
            paired = min(i2 - i1, j2 - j1)
            changed += paired
            added += (j2 - j1) - paired
            removed += (i2 - i1) - paired
    return added, removed, changed


def change_summary(
    old: list[Block] | None, new: list[Block], *, old_size: int | None, new_size: int | None, created: bool = False
) -> dict[str, Any]:
    """What one revision changed against the previous one, as stored in ArticleVersion.change_summary.

    Paragraph and sentence counts ignore headings (a new section's title is listed in sections_added instead); a
    paragraph edited in place counts as changed, and its new or dropped sentences are listed.
    size_delta is in bytes of wikitext, as Wikipedia's history shows it; text_size_delta in characters of text.
    `old` None without `created`: the previous revision is unknown (the start of the fetched history).
    """
    new_body = "\n".join(block.text for block in new if not block.heading)
    new_headings = [block.text for block in new if block.heading]
    if old is None and not created:
        return {
            "summary": "earliest revision fetched; earlier history not compared",
            "baseline": True,
            "paragraphs_added": 0,
            "paragraphs_removed": 0,
            "sentences_added": [],
            "sentences_removed": [],
            "sections_added": [],
            "sections_removed": [],
            "size_delta": None,
            "text_size_delta": None,
        }
    old_blocks = old or []
    old_body = "\n".join(block.text for block in old_blocks if not block.heading)
    diff = diff_versions(None, old_body, None, new_body)
    added, removed, changed = paragraph_changes(
        [block.text for block in old_blocks if not block.heading], [block.text for block in new if not block.heading]
    )
    sections_added, sections_removed = _multiset_delta([b.text for b in old_blocks if b.heading], new_headings)
    size_delta = (new_size - (old_size or 0)) if new_size is not None and (old_size is not None or created) else None
    summary: dict[str, Any] = {
        "paragraphs_added": added,
        "paragraphs_removed": removed,
        "paragraphs_changed": changed,
        "sentences_added": list(diff.sentences_added)[:MAX_LISTED],
        "sentences_removed": list(diff.sentences_removed)[:MAX_LISTED],
        "sentences_added_count": len(diff.sentences_added),
        "sentences_removed_count": len(diff.sentences_removed),
        "sections_added": sections_added,
        "sections_removed": sections_removed,
        "size_delta": size_delta,
        "text_size_delta": diff.size_delta,
    }
    if created:
        summary["created"] = True
    summary["summary"] = _summary_line(summary)
    return summary


def hidden_summary(*, old_size: int | None, new_size: int | None) -> dict[str, Any]:
    """A revision whose text is suppressed (revision deletion): only its size says anything."""
    delta = new_size - old_size if new_size is not None and old_size is not None else None
    return {
        "summary": "revision text hidden",
        "content_hidden": True,
        "paragraphs_added": 0,
        "paragraphs_removed": 0,
        "sentences_added": [],
        "sentences_removed": [],
        "sections_added": [],
        "sections_removed": [],
        "size_delta": delta,
        "text_size_delta": None,
    }


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _count(summary: Mapping[str, Any], key: str) -> int:
    """A count stored as a number, or as the length of a stored list."""
    value = summary.get(f"{key}_count", summary.get(key, 0))
    if isinstance(value, (list, tuple)):
        return len(value)
    return int(value or 0)


def _change_parts(summary: Mapping[str, Any]) -> list[str]:
    """The words of a change: "+2 paragraphs", "-1 sentence", "new section 'History'" ... (no size)."""
    if summary.get("created"):
        return [f"page created ({_plural(_count(summary, 'paragraphs_added'), 'paragraph')})"]
    if summary.get("content_hidden"):
        return ["revision text hidden"]
    if summary.get("baseline"):
        return ["earliest revision on record"]
    parts: list[str] = []
    added, removed = _count(summary, "paragraphs_added"), _count(summary, "paragraphs_removed")
    if not (added or removed):
        # No whole paragraph came or went: say which sentences did.
        added, removed = _count(summary, "sentences_added"), _count(summary, "sentences_removed")
        noun = "sentence"
    else:
        noun = "paragraph"
    if added:
        parts.append(f"+{_plural(added, noun)}")
    if removed:
        parts.append(f"-{_plural(removed, noun)}")
    parts += [f"new section '{title}'" for title in summary.get("sections_added") or ()]
    parts += [f"section '{title}' removed" for title in summary.get("sections_removed") or ()]
    return parts


def _summary_line(summary: Mapping[str, Any]) -> str:
    """E.g. "+2 paragraphs; new section 'History'; +1,234 bytes"."""
    parts = _change_parts(summary) or ["no change to the text"]
    if isinstance(summary.get("size_delta"), int):
        parts.append(f"{summary['size_delta']:+,} bytes")
    return "; ".join(parts)


@dataclass(frozen=True)
class RevisionVersion:
    """A fetched revision made ready to store: its plain text and what it changed."""

    revision: Revision
    text: str | None  # None when the revision's text is hidden
    change_summary: dict[str, Any] = field(default_factory=dict)


def revision_versions(base: Revision | None, revisions: Sequence[Revision]) -> list[RevisionVersion]:
    """Plain text and change summary of each revision (oldest first), each compared with the one before it.

    `base` is the last revision already stored (the diff base of the first new one), or None at first sight,
    where the oldest fetched revision is compared with nothing: a creation (parentid 0) or a baseline.
    """
    versions: list[RevisionVersion] = []
    previous_blocks = wikitext_blocks(base.content) if base is not None and base.content is not None else None
    previous_size = base.size if base is not None else None
    for revision in revisions:
        if revision.content is None:
            versions.append(RevisionVersion(revision, None, hidden_summary(old_size=previous_size, new_size=revision.size)))
            previous_size = revision.size if revision.size is not None else previous_size
            continue
        blocks = wikitext_blocks(revision.content)
        created = previous_blocks is None and revision.parentid == 0
        summary = change_summary(previous_blocks, blocks, old_size=previous_size, new_size=revision.size, created=created)
        versions.append(RevisionVersion(revision, plain_text(blocks), summary))
        previous_blocks, previous_size = blocks, revision.size
    return versions


def oldest_first(revisions: Iterable[Revision]) -> list[Revision]:
    return sorted(revisions, key=lambda revision: revision.revid)


def describe_change(lang: str, change_summary: Mapping[str, Any], user: str | None) -> str:
    """One digest line for a stored revision, e.g. "ar: +2 paragraphs, edited by Example"."""
    parts = _change_parts(change_summary)
    if not parts:
        delta = change_summary.get("size_delta")
        parts = [f"minor edit ({delta:+,} bytes)" if isinstance(delta, int) else "minor edit"]
    if change_summary.get("created"):
        who = f"created by {user}" if user else "creator hidden"
    else:
        who = f"edited by {user}" if user else "editor hidden"
    return f"{lang}: {', '.join(parts)}, {who}"


def iter_new_hits(hits: Iterable[SearchHit], skip: set[int], limit: int) -> Iterator[SearchHit]:
    """Search hits whose pageid is not in `skip` (watched or already stored), at most `limit`."""
    count = 0
    for hit in hits:
        if hit.pageid in skip:
            continue
        if count >= limit:
            return
        count += 1
        yield hit
