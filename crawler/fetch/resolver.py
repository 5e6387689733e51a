"""A DNS resolver that will not resolve a name to an internal address (DNS rebinding guard).

crawler.dedup.urls.is_safe_public_url refuses internal addresses spelled in a URL, but a name is only checked for what
it is called: `http://metadata.outlet.example/` may resolve to 169.254.169.254 or 10.0.0.5, and an outlet's own
DNS is as hostile as its content. Scrapy resolves every name through the resolver installed on the reactor
(TWISTED_DNS_RESOLVER), so checking the answer here covers feed links, redirects and sitemap children alike.
Host names a configured source points at (any outlet's, from the Settings; plus COVERWATCH_EXPLICIT_HOSTS) may
resolve anywhere: that is the operator's explicit choice, as in crawler.fetch.extension.CrawlContext.explicitly_allowed.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from crawler.dedup.urls import BLOCKED_NETWORKS

# Names refused in this process -> why. Twisted replaces a resolver's error with a generic "no results for
# hostname lookup", so the run context looks the reason up here (crawler.fetch.extension.classify_error).
_REFUSED: dict[str, str] = {}


def refusal_for(host: str | None) -> str | None:
    """Why `host` was refused by the resolver in this process, if it was."""
    return _REFUSED.get((host or "").rstrip(".").lower())


def is_internal(address: str) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(parsed, "ipv4_mapped", None)
    parsed = mapped or parsed
    return any(parsed.version == network.version and parsed in network for network in BLOCKED_NETWORKS)


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing internal answers for names no source explicitly points at."""

    explicit_hosts: frozenset[str] = frozenset()

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        resolver = super().from_crawler(crawler, reactor)
        explicit = set(crawler.settings.getlist("COVERWATCH_EXPLICIT_HOSTS"))
        settings = crawler.settings.get("COVERWATCH_SETTINGS")
        if settings is not None:
            explicit |= configured_hosts(settings)
        resolver.explicit_hosts = frozenset(host.rstrip(".").lower() for host in explicit)
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:  # Twisted names it so
        deferred = super().getHostByName(name, timeout)
        deferred.addCallback(self._check, name)
        return deferred

    def _check(self, address: str, name: str) -> str:
        host = name.rstrip(".").lower()
        if is_internal(address) and host not in self.explicit_hosts and not _is_literal(host):
            _REFUSED[host] = f"{host} resolves to the internal address {address}; refused (DNS rebinding guard)"
            raise DNSLookupError(_REFUSED[host])
        return address


def configured_hosts(settings: Any) -> set[str]:
    """Host names of every listing URL the configured outlets declare (built-in and from the config file)."""
    from spiders.registry import all_outlets

    return {
        urlsplit(listing.url).hostname or ""
        for outlet in all_outlets(settings).values()
        for source in outlet.sources
        for listing in source.listing_requests()
    } - {""}


def _is_literal(host: str) -> bool:
    """An address spelled out (already judged by the URL checks), not a name."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
