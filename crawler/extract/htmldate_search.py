"""htmldate's publication-date search, with its dateparser hook limited to the languages we read.

Owns `htmldate_search(tree, url, now, extensive=...)`: htmldate's quick or extensive search (original date
preferred over updates), bounded by the fetch time, never raising; and the language-limited dateparser that
htmldate's extensive search is pointed at (`EXTERNAL_PARSER_LANGUAGES`), with `compile_external_parser()` to pay
its one-off compilation up front.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from crawler.extract.declared_dates import NAIVE_FUTURE_TOLERANCE, plausible

log = logging.getLogger(__name__)


# htmldate's extensive search hands the date-like strings it cannot read to dateparser with every locale
# enabled: the first such string makes dateparser compile the regexes of all ~200 locales (1.6-3 s of CPU per
# process, more than the rest of a typical run of `coverwatch extract`). Limited to the languages of the
# outlets we watch and the widest-spread news languages, it compiles a tenth of that; other languages' dates
# are still read by htmldate's own patterns and by our textual scan.
EXTERNAL_PARSER_LANGUAGES = ("en", "he", "ar", "ru", "uk", "de", "fr", "es", "it", "pt", "nl", "pl", "tr", "fa")


@lru_cache(maxsize=1)
def _external_parser() -> Any:
    from dateparser import DateDataParser  # imported here: most pages never need it

    return DateDataParser(
        languages=list(EXTERNAL_PARSER_LANGUAGES),
        settings={
            "NORMALIZE": True,
            "PARSERS": ["custom-formats", "absolute-time"],
            "PREFER_DATES_FROM": "past",
            "PREFER_LOCALE_DATE_ORDER": True,
            "RETURN_AS_TIMEZONE_AWARE": False,
            "STRICT_PARSING": True,
        },  # htmldate's own settings, only the languages differ
    )


def _use_limited_external_parser() -> None:
    """Point htmldate's dateparser hook at the language-limited parser (its settings otherwise unchanged)."""
    from htmldate import extractors

    if getattr(extractors, "get_external_parser", None) is not _external_parser:
        extractors.get_external_parser = _external_parser


def compile_external_parser() -> None:
    """Point htmldate at the limited parser and compile every one of its locales now, not on the first page
    that needs it (benches measuring steady per-page cost; a long-running process that wants even latency)."""
    _use_limited_external_parser()
    # A string no locale recognises makes dateparser try, and so compile, each of them (and its time-zone table).
    _external_parser().get_date_data("3 qzxw 2021")


def htmldate_search(tree: Any, url: str | None, now: datetime, *, extensive: bool) -> datetime | None:
    """htmldate's publication-date search (original date preferred over updates), or None."""
    from htmldate import find_date  # imported here: only pages without declared dates need it

    if extensive:
        _use_limited_external_parser()

    try:
        found = find_date(
            tree,
            url=url,
            original_date=True,
            extensive_search=extensive,
            outputformat="%Y-%m-%d",
            max_date=(now + NAIVE_FUTURE_TOLERANCE).strftime("%Y-%m-%d"),
        )
    except Exception as exc:  # noqa: BLE001 - htmldate raises assorted errors on odd markup; a date is never worth a crash
        log.debug("htmldate failed on %s: %s", url, exc)
        return None
    if not found:
        return None
    try:
        value = datetime.strptime(found, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    return value if plausible(value, now, naive=True) else None
