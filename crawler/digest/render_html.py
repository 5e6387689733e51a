"""The digest as one standalone HTML file: inline CSS, no scripts, renders in mail clients.

Article content is untrusted: Jinja2 autoescaping is on for every value, and links pass `safe_href`.
Each item carries its own direction (dir="rtl" for Hebrew and Arabic) and every untrusted run sits in a
<bdi>, so a Hebrew title never reorders the English words around it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from crawler.digest import format as fmt
from crawler.digest.data import DigestData

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True
    )
    env.globals.update(
        safe_href=fmt.safe_href, lang_attr=fmt.lang_attr, published_label=fmt.published_label, item_notes=fmt.item_notes,
        score_label=fmt.score_label, local_time=fmt.local_time, window_label=fmt.window_label, summary_line=fmt.summary_line,
        title_line=fmt.title_line, carrier_label=fmt.carrier_label, health_line=fmt.health_line,
    )
    return env


def render_html(data: DigestData) -> str:
    return environment().get_template("digest.html").render(data=data, tz=data.timezone)
