"""JSON listing answers -> Python data, within one document's budget (crawler.extract.budget).

Every JSON route (search APIs, WordPress, section APIs) decodes through `load_listing_json`, so an answer nested
50,000 deep is the listing failure `api_too_deep`, not a RecursionError deep inside the json module.
"""

from __future__ import annotations

import json
from typing import Any

from crawler.discover.feeds import ListingError
from crawler.extract.budget import BudgetExceeded, DocumentBudget, check_json_depth


def load_listing_json(body: bytes | str, budget: DocumentBudget | None = None) -> Any:
    """The decoded answer. ListingError: `api_too_deep` past the nesting budget, `api_not_json` when unreadable."""
    try:
        check_json_depth(body, budget or DocumentBudget(), "the JSON answer")
    except BudgetExceeded as exc:
        raise ListingError("api_too_deep", exc.detail) from None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ListingError("api_not_json", f"{type(exc).__name__}: {exc}"[:200]) from None
