"""Which spider class crawls an outlet: NewsSpider unless the declaration names another (e.g. Wikipedia)."""

from __future__ import annotations

import importlib

from spiders.outlet import Outlet


def spider_class_for(outlet: Outlet) -> type:
    path = getattr(outlet, "spider", None) or "spiders.base.NewsSpider"
    module_name, _, class_name = path.rpartition(".")
    return getattr(importlib.import_module(module_name), class_name)
