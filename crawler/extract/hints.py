"""What an outlet declares about its article pages (data, not code), read by the body chooser."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExtractionHints:
    """What an outlet declares about its article pages (data, not code): see spiders' outlet declarations."""

    body_xpath: str | None = None  # the element(s) holding the article body, when trafilatura is known to miss
    prune_xpaths: tuple[str, ...] = ()  # page chrome inside the body area that must never reach the text
    prefer_jsonld_body: bool | None = None  # None: decide per page by evidence; True/False: the outlet knows

    def __post_init__(self) -> None:
        # Outlet declarations come from config files, where lists are natural; keep the dataclass hashable.
        if not isinstance(self.prune_xpaths, tuple):
            object.__setattr__(self, "prune_xpaths", tuple(self.prune_xpaths or ()))


NO_HINTS = ExtractionHints()
