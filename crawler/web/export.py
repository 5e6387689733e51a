"""Export a selection of articles as CSV or JSON. Pure functions over loaded rows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from storage.models import Article

COLUMNS = (
    "id", "outlet", "outlet_title", "language", "title", "url", "published_at", "published_uncertain", "first_seen",
    "status", "relevance_score", "relevance_explanation", "review_status", "starred", "note", "duplicate_of_id",
)
# Spreadsheets execute cells starting with these as formulas (CSV injection): such cells get a leading quote.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def record(article: Article, titles: Mapping[str, str]) -> dict[str, Any]:
    values = {name: _value(getattr(article, name, None)) for name in COLUMNS if name != "outlet_title"}
    values["outlet_title"] = titles.get(article.outlet, article.outlet)
    values["matched_terms"] = sorted({str(m.get("surface")) for m in article.relevance_matches or [] if isinstance(m, Mapping) and m.get("surface")})
    return {name: values[name] for name in (*COLUMNS, "matched_terms")}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(str(item) for item in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def to_csv(articles: Sequence[Article], titles: Mapping[str, str]) -> str:
    """UTF-8 CSV with a BOM, so spreadsheet programs read Hebrew, Arabic and Russian correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*COLUMNS, "matched_terms"])
    for article in articles:
        writer.writerow([_cell(value) for value in record(article, titles).values()])
    return "\ufeff" + buffer.getvalue()


def to_json(articles: Sequence[Article], titles: Mapping[str, str]) -> str:
    return json.dumps([record(article, titles) for article in articles], ensure_ascii=False, indent=1)
