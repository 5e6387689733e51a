"""Wikipedia Action API, pure: request URLs and answers (api), wikitext to plain text (wikitext), what a revision
changed (changes).

No Scrapy, no database. spiders/wikipedia.py drives the requests; storage/wiki_repo.py stores the results.
The names below are the package's API; callers import `crawler.discover.wikipedia as wiki` and use `wiki.<name>`.
"""

from __future__ import annotations

from crawler.discover.wikipedia.api import (
    BROWSER_UA,
    INITIAL_HISTORY,
    MAX_LISTED,
    MAX_REVISIONS_PER_CALL,
    MAX_TITLES_PER_CALL,
    MAXLAG_ERROR,
    REVISION_PROPS,
    SEARCH_LIMIT,
    UA_CONTACT,
    WIKI_CODE,
    ApiError,
    LangLink,
    PageInfo,
    Revision,
    SearchHit,
    WikiResponseError,
    api_error,
    article_url,
    build_url,
    check_url,
    check_user_agent,
    chunked,
    continuation,
    endpoint,
    iter_new_hits,
    load_json,
    new_page_url,
    parse_extra_title,
    parse_pages,
    parse_search,
    parse_timestamp,
    resolve_title,
    retry_after_seconds,
    revisions_url,
    search_url,
    title_map,
)
from crawler.discover.wikipedia.changes import (
    RevisionVersion,
    change_summary,
    describe_change,
    hidden_summary,
    oldest_first,
    paragraph_changes,
    revision_versions,
)
from crawler.discover.wikipedia.wikitext import Block, plain_text, wikitext_blocks

__all__ = [
    "BROWSER_UA", "INITIAL_HISTORY", "MAX_LISTED", "MAX_REVISIONS_PER_CALL", "MAX_TITLES_PER_CALL", "MAXLAG_ERROR",
    "REVISION_PROPS", "SEARCH_LIMIT", "UA_CONTACT", "WIKI_CODE", "ApiError", "Block", "LangLink", "PageInfo",
    "Revision", "RevisionVersion", "SearchHit", "WikiResponseError", "api_error", "article_url", "build_url",
    "change_summary", "check_url", "check_user_agent", "chunked", "continuation", "describe_change", "endpoint",
    "hidden_summary", "iter_new_hits", "load_json", "new_page_url", "oldest_first", "paragraph_changes",
    "parse_extra_title", "parse_pages", "parse_search", "parse_timestamp", "plain_text", "resolve_title",
    "retry_after_seconds", "revision_versions", "revisions_url", "search_url", "title_map", "wikitext_blocks",
]  # fmt: skip
