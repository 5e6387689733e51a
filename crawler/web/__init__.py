"""The review UI (`coverwatch serve`): FastAPI + Jinja2, server-rendered."""

from __future__ import annotations

from crawler.web.app import create_app

__all__ = ["create_app"]
