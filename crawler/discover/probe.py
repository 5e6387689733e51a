"""`coverwatch probe URL`: find a site's feeds and sitemaps and write the [outlets.<name>] block that watches it.

Discovery uses trafilatura's own helpers (trafilatura.feeds.determine_feed for <link rel=alternate> and feed-like
anchors, trafilatura.sitemaps.extract_robots_sitemaps / is_plausible_sitemap and its list of sitemap guesses),
but every request goes through a `fetch` function given by the caller, so the probe runs against any server
(tests use one on 127.0.0.1) and obeys robots.txt. What is proposed is validated with coverwatch's own parsers
(crawler.discover.feeds.parse_feed, crawler.discover.sitemaps.parse_sitemap): a feed the probe accepts is one the crawler can read.
When nothing answers, the block falls back to Google News `site:` and GDELT `domainis:` (research/outlets.md §6).

Pure apart from `http_fetch`, the default fetch (stdlib urllib: descriptive User-Agent, timeout, size cap, no
redirect to private addresses).
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html
from protego import Protego
from trafilatura.feeds import FeedParameters, determine_feed
from trafilatura.sitemaps import GUESSES as TRAFILATURA_SITEMAP_GUESSES
from trafilatura.sitemaps import extract_robots_sitemaps, is_plausible_sitemap

from crawler.discover.feeds import ListingError, decode_xml, parse_feed
from crawler.extract.language import normalize_code
from crawler.discover.sitemaps import parse_sitemap
from crawler.dedup.urls import is_safe_public_url

# Feed paths worth one request each when the home page links none (WordPress, Drupal, Hugo, custom CMSes);
# research §6 lists /feed, /rss and /rss.xml for the Arabic outlets.
FEED_GUESSES = ("/feed", "/feed/", "/rss", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml", "/rss/all")
# trafilatura's sitemap guesses plus WordPress core's own sitemap (5.5+), which INSS-like sites expose.
SITEMAP_GUESSES = (*TRAFILATURA_SITEMAP_GUESSES, "wp-sitemap.xml")
# A probe is a one-off look at one site: it stops after this many requests whatever it has found.
DEFAULT_MAX_REQUESTS = 25
# How many article links of each listing are kept as samples (and for the URL-pattern guess).
SAMPLE_LINKS = 5
# Enough of a page or listing to judge it; a probe never needs a whole 50 MB sitemap.
DEFAULT_MAX_BYTES = 5_000_000
# A suggested article pattern must cover at least this share of the sample links.
PATTERN_MIN_SHARE = 0.8
_WORDPRESS_API_REL = "https://api.w.org/"
_DIGITS = re.compile(r"\d{4,}")
_SLUG = re.compile(r"[^a-z0-9_]+")


@dataclass(frozen=True)
class FetchResult:
    url: str  # after redirects
    status: int
    content_type: str
    body: bytes


Fetch = Callable[[str], "FetchResult | None"]


@dataclass(frozen=True)
class FoundFeed:
    url: str
    items: int
    sample: tuple[str, ...] = ()


@dataclass(frozen=True)
class FoundSitemap:
    url: str
    news: bool
    urls: int
    children: tuple[str, ...] = ()
    sample: tuple[str, ...] = ()


@dataclass
class ProbeResult:
    url: str
    base: str  # scheme://host
    host: str
    title: str | None = None
    language: str | None = None
    feeds: list[FoundFeed] = field(default_factory=list)
    sitemaps: list[FoundSitemap] = field(default_factory=list)
    wordpress_api: str | None = None
    tried: list[tuple[str, str]] = field(default_factory=list)  # (url, outcome) for every URL considered

    @property
    def found(self) -> bool:
        return bool(self.feeds or self.sitemaps or self.wordpress_api)

    @property
    def answered(self) -> bool:
        """The site answered at least one request (any HTTP status): false offline or for a name that does not resolve."""
        return any(outcome.startswith("HTTP ") for _, outcome in self.tried)

    @property
    def sample_links(self) -> list[str]:
        links: dict[str, None] = {}
        for listing in [*self.feeds, *self.sitemaps]:
            links.update(dict.fromkeys(listing.sample))
        return list(links)


class _Prober:
    def __init__(self, url: str, fetch: Fetch, max_requests: int) -> None:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.result = ProbeResult(url=parts.geturl(), base=self.base, host=(parts.hostname or "").lower())
        self.fetch = fetch
        self.budget = max_requests
        self.robots: Protego | None = None
        self.seen: set[str] = set()

    def get(self, url: str) -> FetchResult | None:
        if url in self.seen:
            return None
        self.seen.add(url)
        if self.robots is not None and not self.robots.can_fetch(url, "coverwatch"):
            self.result.tried.append((url, "robots_disallowed"))
            return None
        if self.budget <= 0:
            self.result.tried.append((url, "skipped: request budget spent"))
            return None
        self.budget -= 1
        answer = self.fetch(url)
        if answer is None:
            self.result.tried.append((url, "no answer"))
            return None
        self.result.tried.append((url, f"HTTP {answer.status}"))
        return answer if 200 <= answer.status < 300 and answer.body.strip() else None

    def run(self) -> ProbeResult:
        robots = self.get(f"{self.base}/robots.txt")
        robots_text = robots.body.decode("utf-8", errors="replace") if robots else ""
        if robots:
            self.robots = Protego.parse(robots_text)
        page = self.get(self.result.url)
        feed_candidates: list[str] = []
        # The URL given may itself be a feed or a sitemap; otherwise it is a page naming its feeds.
        if page is not None and not (self._try_feed(self.result.url, page) or self._try_sitemap(self.result.url, page)):
            feed_candidates = self._read_home(page)
        for url in feed_candidates or [self.base + path for path in FEED_GUESSES]:
            if self.result.feeds and not feed_candidates:
                break  # one guessed feed is enough; linked feeds are all checked
            answer = self.get(url)
            if answer is not None:
                self._try_feed(url, answer)
        sitemap_candidates = extract_robots_sitemaps(robots_text, self.base) if robots_text else []
        for url in sitemap_candidates or [f"{self.base}/{guess}" for guess in SITEMAP_GUESSES]:
            if self.result.sitemaps and not sitemap_candidates:
                break
            answer = self.get(url)
            if answer is not None:
                self._try_sitemap(url, answer)
        return self.result

    def _read_home(self, page: FetchResult) -> list[str]:
        text = page.body.decode(_charset(page.content_type) or "utf-8", errors="replace")
        try:
            tree = lxml_html.fromstring(text)
        except (ValueError, lxml_html.etree.ParserError):
            return []
        self.result.language = self.result.language or normalize_code(tree.get("lang") or "")
        title = tree.xpath("string(//meta[@property='og:site_name']/@content)") or tree.xpath("string(//title)")
        self.result.title = " ".join(str(title).split()) or None
        api = tree.xpath(f"//link[@rel='{_WORDPRESS_API_REL}']/@href")
        if api:
            self.result.wordpress_api = urljoin(page.url, str(api[0])).split("/wp-json", 1)[0]
        params = FeedParameters(self.base, self.result.host, page.url)
        return [urljoin(page.url, link) for link in determine_feed(text, params)]

    def _try_feed(self, url: str, answer: FetchResult) -> bool:
        head = answer.body[:2000].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")):
            return False
        try:
            leads = parse_feed(answer.body, answer.url, header_charset=_charset(answer.content_type))
        except ListingError:
            return False
        text, _ = decode_xml(answer.body[:2000], _charset(answer.content_type))
        if not leads and not re.search(r"<(?:rss|feed|rdf:RDF)\b", text):
            return False
        if not self.result.language:
            self.result.language = normalize_code(next((lead.language for lead in leads if lead.language), None))
        sample = tuple(lead.url for lead in leads if _same_site(lead.url, self.result.host))[:SAMPLE_LINKS]
        self.result.feeds.append(FoundFeed(url, len(leads), sample))
        self._note(url, f"feed, {len(leads)} items")
        return True

    def _note(self, url: str, outcome: str) -> None:
        """Replace the HTTP status recorded for `url` by what the answer turned out to be."""
        for index in range(len(self.result.tried) - 1, -1, -1):
            if self.result.tried[index][0] == url:
                self.result.tried[index] = (url, outcome)
                return

    def _try_sitemap(self, url: str, answer: FetchResult) -> bool:
        text = answer.body[:200_000].decode("utf-8", errors="replace")
        if "<html" in text[:1000].lower():
            return False  # a web page (trafilatura would log it as an invalid sitemap)
        if answer.body[:2] != b"\x1f\x8b" and not is_plausible_sitemap(url, text):
            return False
        try:
            parsed = parse_sitemap(answer.body)
        except ListingError:
            return False
        if not parsed.leads and not parsed.children:
            return False
        news = b"sitemap-news" in answer.body[:5000] or any(lead.title for lead in parsed.leads)
        sample = tuple(lead.url for lead in parsed.leads if _same_site(lead.url, self.result.host))[:SAMPLE_LINKS]
        self.result.sitemaps.append(FoundSitemap(url, news, len(parsed.leads), tuple(parsed.children), sample))
        self._note(url, f"{'news ' if news else ''}sitemap, {len(parsed.leads)} URLs, {len(parsed.children)} sub-maps")
        # A sitemap index: its news sub-map (if it names one) is what a news watcher wants.
        for child in [c for c in parsed.children if "news" in c.lower()][:1]:
            child_answer = self.get(child)
            if child_answer is not None:
                self._try_sitemap(child, child_answer)
        return True


def probe(url: str, fetch: Fetch, *, max_requests: int = DEFAULT_MAX_REQUESTS) -> ProbeResult:
    """Look for the site's feeds, sitemaps (robots.txt first, then guesses) and WordPress API, through `fetch`."""
    return _Prober(url, fetch, max_requests).run()


def _charset(content_type: str) -> str | None:
    lowered = content_type.lower()
    if "charset=" not in lowered:
        return None
    return lowered.split("charset=", 1)[1].split(";")[0].strip().strip('"') or None


def _same_site(url: str, host: str) -> bool:
    other = (urlsplit(url).hostname or "").lower()
    return other.removeprefix("www.") == host.removeprefix("www.")


# ---------------------------------------------------------------------------------------------------------
# The config block


def outlet_name(host: str) -> str:
    """'www.alaalem.com' -> 'alaalem'; a name usable as a TOML bare key and as a spider name."""
    core = host.lower().removeprefix("www.")
    label = core.rsplit(".", 1)[0] if core.count(".") >= 1 else core
    return _SLUG.sub("_", label).strip("_") or "outlet"


def suggest_article_pattern(links: list[str], host: str) -> str | None:
    """A regex covering the sample links: a shared first path segment, a dated path, or a numeric id."""
    own = [urlsplit(link) for link in links if _same_site(link, host)]
    if not own:
        return None
    paths = [parts.path for parts in own]
    netloc = Counter(parts.netloc.lower().removeprefix("www.") for parts in own).most_common(1)[0][0]  # keeps a port
    prefix = rf"^https?://(?:www\.)?{re.escape(netloc)}"
    share = lambda hits: hits >= PATTERN_MIN_SHARE * len(paths)
    if share(sum(bool(re.match(r"^/\d{4}/\d{1,2}/", p)) for p in paths)):
        return prefix + r"/\d{4}/\d{1,2}/"
    first = Counter(p.strip("/").split("/", 1)[0] for p in paths if p.strip("/").count("/") >= 1)
    if first:
        segment, hits = first.most_common(1)[0]
        if share(hits) and segment and not segment.isdigit():
            return prefix + "/" + re.escape(segment) + "/"
    if share(sum(bool(_DIGITS.search(p)) for p in paths)):
        return prefix + r"/.*\d{4,}"
    return None


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def config_block(result: ProbeResult, name: str | None = None) -> str:
    """The [outlets.<name>] TOML block for coverwatch.toml (valid as is; comments say what to check)."""
    name = name or outlet_name(result.host)
    domain = result.host.removeprefix("www.")
    lines = [
        f"# coverwatch probe {result.url}: {len(result.feeds)} feed(s), {len(result.sitemaps)} sitemap(s)"
        + (", WordPress REST API" if result.wordpress_api else ""),
        f"[outlets.{name}]",
        f"title = {_toml_string(result.title or domain)}",
    ]
    if result.language:
        lines.append(f"language = {_toml_string(result.language)}")
    else:
        # No guessed value: a wrong language would be worse than detecting it per article.
        lines.append("# language: not declared by the site; set it (he, ar, en, ru), or leave it out to detect per article")
    lines.append(f"domains = [{_toml_string(domain)}]")
    pattern = suggest_article_pattern(result.sample_links, result.host)
    if pattern:
        lines.append(f"article_url_pattern = '{pattern}'  # guessed from {len(result.sample_links)} sample links: check it")
    sources: list[str] = []
    for feed in result.feeds:
        sources.append(f"  {{kind = \"rss\", url = {_toml_string(feed.url)}}},  # {feed.items} items")
    for sitemap in result.sitemaps:
        if sitemap.children and any(s.url in sitemap.children for s in result.sitemaps):
            continue  # an index whose news sub-map is listed itself
        kind = "news_sitemap" if sitemap.news else "sitemap"
        detail = f"{len(sitemap.children)} sub-maps" if sitemap.children else f"{sitemap.urls} URLs"
        sources.append(f"  {{kind = \"{kind}\", url = {_toml_string(sitemap.url)}}},  # {detail}")
    if result.wordpress_api:
        sources.append(f"  {{kind = \"wordpress_api\", url = {_toml_string(result.wordpress_api)}}},  # WordPress REST API (posts)")
    if not sources:
        lines.append("# No feed or sitemap answered: watch it through the cross-outlet sources, restricted to its domain.")
        lang = result.language or "en"
        sources.append(f"  {{kind = \"google_news\", query = {_toml_string(f'site:{domain} when:7d')}, lang = {_toml_string(lang)}}},")
        sources.append(f"  {{kind = \"gdelt\", query = {_toml_string(f'domainis:{domain}')}}},")
    lines.append("sources = [")
    lines.extend(sources)
    lines.append("]")
    if result.sample_links:
        lines.append("# sample article links:")
        lines.extend(f"#   {link}" for link in result.sample_links[:SAMPLE_LINKS])
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------
# The default fetch


class _SafeRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to public addresses (or back to the host the user asked to probe)."""

    def __init__(self, allowed_host: str) -> None:
        self.allowed_host = allowed_host

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        safe, reason = is_safe_public_url(newurl)
        if not safe and (urlsplit(newurl).hostname or "").lower() != self.allowed_host:
            raise urllib.error.HTTPError(newurl, code, f"redirect refused: {reason}", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def http_fetch(
    target: str, *, user_agent: str, timeout: float = 20.0, max_bytes: int = DEFAULT_MAX_BYTES, delay: float = 0.0
) -> Fetch:
    """A fetch function for `probe`: the probed host is allowed even if private (the user named it), others not."""
    allowed_host = (urlsplit(target if "://" in target else f"https://{target}").hostname or "").lower()
    opener = urllib.request.build_opener(_SafeRedirects(allowed_host))
    state = {"last": 0.0}

    def fetch(url: str) -> FetchResult | None:
        host = (urlsplit(url).hostname or "").lower()
        safe, _ = is_safe_public_url(url)
        if not safe and host != allowed_host:
            return None
        wait = state["last"] + delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        request = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept": "*/*"})
        try:
            with opener.open(request, timeout=timeout) as response:
                body = response.read(max_bytes)
                return FetchResult(response.geturl(), response.status, response.headers.get("Content-Type", ""), body)
        except urllib.error.HTTPError as error:
            return FetchResult(url, error.code, error.headers.get("Content-Type", "") if error.headers else "", b"")
        except (urllib.error.URLError, TimeoutError, OSError, ValueError):
            return None
        finally:
            state["last"] = time.monotonic()

    return fetch
