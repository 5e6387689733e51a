"""The daily digest: build the data from the database, render it (HTML, Markdown, text, Atom), record and send it."""

from __future__ import annotations

from crawler.digest.data import DigestData, DigestGroup, DigestItem
from crawler.digest.query import build_digest

__all__ = ["DigestData", "DigestGroup", "DigestItem", "build_digest"]
