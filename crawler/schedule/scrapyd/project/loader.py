"""A spider loader with one spider per outlet, each bound to its Outlet declaration.

Scrapy instantiates a spider from its name and the `-a` arguments only; Scrapyd adds `_job` (and any extra
schedule.json parameter). The bound class supplies the Outlet itself and passes everything else through.
"""

from __future__ import annotations

from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.http import Request
from scrapy.settings import BaseSettings

from crawler.config import Settings
from spiders.outlet import Outlet
from spiders.registry import all_outlets
from spiders.spider_for import spider_class_for


def bound_spider(outlet: Outlet) -> type[Spider]:
    """The outlet's spider class (NewsSpider unless declared otherwise), named after the outlet, bound to it."""
    base: Any = spider_class_for(outlet)

    class Bound(base):  # type: ignore[misc, valid-type]
        name = outlet.name
        bound_outlet = outlet

        @classmethod
        def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Any:
            kwargs.pop("outlet", None)  # a `-a outlet=...` string must not replace the declaration
            return super().from_crawler(crawler, outlet, *args, **kwargs)

    Bound.__name__ = Bound.__qualname__ = f"{base.__name__}[{outlet.name}]"
    return Bound


class OutletSpiderLoader:
    """scrapy.spiderloader.SpiderLoaderProtocol over crawler.config Settings' outlets (built-in + config)."""

    def __init__(self, settings: Settings) -> None:
        self._outlets = all_outlets(settings)
        self._classes: dict[str, type[Spider]] = {}

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> OutletSpiderLoader:
        return cls(settings["COVERWATCH_SETTINGS"])

    def load(self, spider_name: str) -> type[Spider]:
        if spider_name not in self._outlets:
            raise KeyError(f"Spider not found: {spider_name}")
        if spider_name not in self._classes:
            self._classes[spider_name] = bound_spider(self._outlets[spider_name])
        return self._classes[spider_name]

    def list(self) -> list[str]:
        return sorted(self._outlets)

    def find_by_request(self, request: Request) -> list[str]:
        return [name for name, outlet in sorted(self._outlets.items()) if outlet.owns(request.url)]
