"""Wikipedia Action API requests and answers, pure: request URLs, User-Agent policy, response parsing.

Every URL carries format=json&formatversion=2&maxlag=N and lists its parameters sorted, so one request is always
spelled one way (the replay archive in tests/fixtures/archive/wikipedia.toml depends on that).
Parsers accept formatversion 1 as well (pages as a dict, langlink titles under "*"): the real captures are fv1.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from crawler.textnorm import fold_whitespace
from crawler.extract.timestamps import retry_after_seconds  # noqa: F401 - part of this module's API (the spider uses it)

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
