"""All outlets: the built-in declarations in spiders/<outlet>.py, merged with coverwatch.toml.

Config can switch a built-in outlet off, override its UA or schedule, or declare a whole new outlet.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from pathlib import Path

from crawler.config import ConfigError, OutletSettings, Settings, SourceSettings
from spiders.outlet import Outlet
from spiders.sources import GDELTDoc, GoogleNewsSearch, HTMLListing, JSONAPI, RSSFeed, Sitemap, Source, WordPressAPI

_NOT_OUTLET_MODULES = {"base", "outlet", "registry", "sources", "spider_for"}


def builtin_outlets() -> dict[str, Outlet]:
    """Every `OUTLETS` (or `OUTLET`) declared in a spiders/<name>.py module (a fresh dict; the outlets are frozen)."""
    return dict(_declared_outlets())


@functools.cache
def _declared_outlets() -> dict[str, Outlet]:
    """The package scan, once per process: every spider and processor of a crawl asks for the registry."""
    found: dict[str, Outlet] = {}
    package_dir = Path(__file__).parent
    for module_info in sorted(pkgutil.iter_modules([str(package_dir)]), key=lambda m: m.name):
        if module_info.name in _NOT_OUTLET_MODULES or module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"spiders.{module_info.name}")
        declared = list(getattr(module, "OUTLETS", ())) + ([module.OUTLET] if hasattr(module, "OUTLET") else [])
        for outlet in declared:
            if outlet.name in found:
                raise ValueError(f"outlet {outlet.name!r} declared twice")
            found[outlet.name] = outlet
    return found


def source_from_config(outlet: str, index: int, source: SourceSettings) -> Source:
    where = f"outlets.{outlet}.sources.{index}"
    if source.kind in ("rss", "sitemap", "news_sitemap", "html_listing", "json_api") and not source.url:
        raise ConfigError(f"{where}.url: required for kind {source.kind!r}")
    if source.kind == "rss":
        return RSSFeed(source.url or "")
    if source.kind in ("sitemap", "news_sitemap"):
        return Sitemap(source.url or "", news=source.kind == "news_sitemap")
    if source.kind == "html_listing":
        return HTMLListing(source.url or "", source.link_xpath or "//a/@href")
    if source.kind == "wordpress_api":
        if not source.url:
            raise ConfigError(f"{where}.url: required (the WordPress site's base URL)")
        return WordPressAPI(source.url, source.query)
    if source.kind == "json_api":
        return JSONAPI(
            url=source.url or "", items_path=source.items_path, query=source.query, method=source.method,
            fields=tuple(source.fields.items()) or JSONAPI.fields,
            body=tuple(source.body.items()) if source.body else None,
        )
    if not source.query:
        raise ConfigError(f"{where}.query: required for kind {source.kind!r}")
    if source.kind == "google_news":
        lang = source.lang or "en"
        locale = {"he": ("iw", "IL"), "ar": ("ar", "SA"), "ru": ("ru", "RU"), "en": ("en-US", "US")}.get(lang, (lang, "US"))
        return GoogleNewsSearch(source.query, hl=locale[0], gl=locale[1], ceid=f"{locale[1]}:{locale[0].split('-')[0]}")
    return GDELTDoc(source.query)


def outlet_from_config(name: str, declared: OutletSettings) -> Outlet:
    if not declared.sources:
        raise ConfigError(f"outlets.{name}.sources: a new outlet needs at least one source (feed, sitemap or API)")
    sources = tuple(source_from_config(name, i, s) for i, s in enumerate(declared.sources))
    domains = declared.domains or sorted({_host(getattr(s, "url", "")) for s in sources if _host(getattr(s, "url", ""))})
    if declared.article_url_pattern:
        _check_regex(f"outlets.{name}.article_url_pattern", declared.article_url_pattern)
    return Outlet(
        name=name,
        title=declared.title or name,
        language=declared.language,
        domains=tuple(domains),
        sources=sources,
        article_url_pattern=declared.article_url_pattern,
        skip_url_patterns=tuple(declared.skip_url_patterns or ()),
        enabled=True if declared.enabled is None else declared.enabled,
        disabled_reason=declared.disabled_reason,
        fetch_articles=True if declared.fetch_articles is None else declared.fetch_articles,
        user_agent=declared.user_agent,
        interval_minutes=declared.interval_minutes,
        cron=declared.cron,
    )


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _check_regex(key: str, pattern: str) -> None:
    import re

    try:
        re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"{key}: not a valid regular expression ({exc})") from None


def all_outlets(settings: Settings) -> dict[str, Outlet]:
    outlets = builtin_outlets()
    for name, declared in settings.outlets.items():
        if name in outlets:
            overrides = declared.model_dump(exclude_none=True)
            if "sources" in overrides:
                overrides["sources"] = tuple(source_from_config(name, i, s) for i, s in enumerate(declared.sources or []))
            for key in ("domains", "skip_url_patterns"):
                if key in overrides:
                    overrides[key] = tuple(overrides[key])
            outlets[name] = outlets[name].with_overrides(**overrides)
        else:
            outlets[name] = outlet_from_config(name, declared)
    if "wikipedia" in outlets and not settings.wikipedia.enabled:
        outlets["wikipedia"] = outlets["wikipedia"].with_overrides(enabled=False, disabled_reason="[wikipedia] enabled = false")
    return outlets


def select_outlets(settings: Settings, names: list[str] | None) -> list[Outlet]:
    outlets = all_outlets(settings)
    if not names:
        return [outlet for outlet in outlets.values() if outlet.enabled]
    unknown = [name for name in names if name not in outlets]
    if unknown:
        raise ConfigError(f"unknown outlet(s): {', '.join(unknown)} (known: {', '.join(sorted(outlets))})")
    return [outlets[name] for name in names]
