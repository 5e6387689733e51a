"""The digest as an Atom 1.0 feed (RFC 4287): one entry per story, plus one for the sections after the items.

Built with ElementTree, so every value is XML-escaped; HTML inside <content type="html"> is escaped twice
(once by markupsafe as HTML, once by the XML writer), as Atom requires. Only markup feed readers keep is used:
<strong> for matched terms (readers strip <mark>), <span dir="auto"> for isolation (they strip <bdi>).
Ids and timestamps come from the data only, so the same digest gives the same feed byte for byte.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import datetime, timezone

from markupsafe import Markup, escape

from crawler.digest import format as fmt
from crawler.digest.data import DigestData, DigestItem, Segment

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# tag: URIs (RFC 4151) need an authority and a date; these never change, so entry ids stay stable forever.
TAG_AUTHORITY = "coverwatch.invalid,2024"
# Characters XML 1.0 forbids; extracted article text sometimes carries them (form feeds, vertical tabs).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

ET.register_namespace("", ATOM_NS)


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {key: _clean(value) for key, value in attrs.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def _stamp(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _html_segments(segments: Iterable[Segment]) -> Markup:
    return Markup("").join(Markup("<strong>{}</strong>").format(s.text) if s.hit else escape(s.text) for s in segments)


def _html_link(url: str | None, text: str) -> Markup:
    href = fmt.safe_href(url)
    return Markup('<a href="{}"><span dir="auto">{}</span></a>').format(href, text) if href else Markup('<span dir="auto">{}</span>').format(text)


def _item_html(item: DigestItem, zone: str) -> str:
    parts = [Markup('<p dir="ltr">{}</p>').format(" · ".join([item.outlet_title, item.language or "?", fmt.published_label(item, zone),
                                                               f"score {fmt.score_label(item.score)}", *fmt.item_notes(item)]))]
    if item.snippet:
        parts.append(Markup('<p dir="{}">{}</p>').format(item.direction, _html_segments(item.snippet)))
    if item.explanation:
        parts.append(Markup('<p dir="auto">Why: <span dir="auto">{}</span></p>').format(item.explanation))
    if item.also_in:
        links = Markup(", ").join(_html_link(c.url, fmt.carrier_label(c)) for c in item.also_in)
        parts.append(Markup('<p dir="ltr">Also in {}</p>').format(links))
    if item.copy_of:
        parts.append(Markup('<p dir="ltr">Same story as {}</p>').format(_html_link(item.copy_of.url, fmt.carrier_label(item.copy_of))))
    return str(Markup('<div dir="{}">{}</div>').format(item.direction, Markup("").join(parts)))


def _notes_html(data: DigestData) -> str:
    zone = data.timezone
    parts: list[Markup] = []
    if data.changes:
        rows = Markup("").join(
            Markup("<li>{} ({}): {} {}: {}</li>").format(
                _html_link(c.url, c.title), c.outlet_title, "taken down" if c.kind == "takedown" else "edited",
                fmt.local_time(c.at, zone), c.summary,
            )
            for c in data.changes
        )
        parts.append(Markup("<h3>Edits and take-downs</h3><ul>{}</ul>").format(rows))
    if data.wiki_changes:
        rows = Markup("").join(Markup('<li><span dir="auto">{}</span>: {}</li>').format(w.description, _html_link(w.url, w.title)) for w in data.wiki_changes)
        parts.append(Markup("<h3>Wikipedia changes</h3><ul>{}</ul>").format(rows))
    if data.near_misses:
        rows = Markup("").join(
            Markup("<li>{} ({}, score {})</li>").format(_html_link(i.url, i.title), i.outlet_title, fmt.score_label(i.score))
            for i in data.near_misses
        )
        parts.append(Markup("<h3>Near misses</h3><ul>{}</ul>").format(rows))
    if data.health:
        rows = Markup("").join(Markup('<li><span dir="auto">{}</span>: {}</li>').format(r.title, fmt.health_line(r, zone)) for r in data.health)
        parts.append(Markup("<h3>Coverage health</h3><ul>{}</ul>").format(rows))
    return str(Markup("").join(parts))


def _updated(data: DigestData) -> datetime:
    stamps = [item.first_seen for item in data.items] + [c.at for c in data.changes] + [w.at for w in data.wiki_changes]
    return max(stamps) if stamps else data.start


def render_atom(data: DigestData) -> str:
    zone = data.timezone
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {XML_LANG: "en"})
    key = data.day if not data.since else f"since-{_stamp(data.start)}"
    _el(feed, "id", f"tag:{TAG_AUTHORITY}:digest:{key}")
    _el(feed, "title", fmt.title_line(data))
    _el(feed, "subtitle", f"{fmt.window_label(data)}; {fmt.summary_line(data)}")
    _el(feed, "updated", _stamp(_updated(data)))
    _el(_el(feed, "author"), "name", "coverwatch")
    _el(feed, "generator", "coverwatch")
    for group in data.groups:
        for item in group.items:
            entry = _el(feed, "entry")
            if fmt.lang_attr(item.language):
                entry.set(XML_LANG, fmt.lang_attr(item.language))
            _el(entry, "id", f"tag:{TAG_AUTHORITY}:article:{item.article_id}")
            _el(entry, "title", item.title, type="text")
            href = fmt.safe_href(item.url)
            if href:
                _el(entry, "link", rel="alternate", href=href)
            _el(entry, "updated", _stamp(item.first_seen))
            if item.published_at is not None:
                _el(entry, "published", _stamp(item.published_at))
            _el(_el(entry, "author"), "name", item.outlet_title)
            _el(entry, "category", term=item.outlet, label=item.outlet_title)
            _el(entry, "category", term=group.key, label=group.label, scheme=f"coverwatch:group:{data.group_by}")
            _el(entry, "summary", "".join(s.text for s in item.snippet) or item.title, type="text")
            _el(entry, "content", _item_html(item, zone), type="html")
    notes = _notes_html(data)
    if notes:
        entry = _el(feed, "entry")
        _el(entry, "id", f"tag:{TAG_AUTHORITY}:digest-notes:{key}")
        _el(entry, "title", f"{fmt.title_line(data)}: edits, Wikipedia, near misses and coverage health", type="text")
        _el(entry, "updated", _stamp(_updated(data)))
        _el(entry, "content", notes, type="html")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"
