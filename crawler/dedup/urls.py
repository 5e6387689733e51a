"""URL identity: one canonical form per article, its key for the unique index, and a safety gate.

Two URLs name the same article when they differ only by tracking parameters, fragments, the mobile/AMP
host or path variant, default ports, `www.`, trailing slash or query order. `canonical_url` folds all of
those; the page's own rel=canonical / og:url wins when it stays on the same registered domain.

The generic cleaning is courlan's (`normalize_url`: lowercase host, default ports, tracker params) and
w3lib's (`canonicalize_url`: percent-encoding, sorted query, no fragment); only the news-specific folds
(AMP/mobile variants, feed suffixes) are ours, and each has a named pattern below saying why.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import socket
from urllib.parse import urljoin, urlsplit, urlunsplit

from courlan import extract_domain, get_host_and_path, normalize_url, scrub_url
from w3lib.url import canonicalize_url, url_query_cleaner

# Only the web: feeds and pages link to javascript:, mailto:, data:, file: and ftp: targets we must not fetch.
ALLOWED_SCHEMES = frozenset({"http", "https"})

# http and https serve the same article on every outlet we watch; folding the scheme keeps one identity
# when a feed still links http:// and the site redirects to https://.
CANONICAL_SCHEME = "https"

# Host labels that name a rendering of the same site, not another site: www.ynetnews.com, m.ynet.co.il,
# amp.theguardian.com, mobile.reuters.com. Folded only while the host stays longer than its registered
# domain, so a site whose registered domain *is* e.g. m.ru keeps its name.
HOST_VARIANT_LABELS = frozenset({"www", "m", "amp", "mobile"})

# AMP renderings of an article page: /slug/amp, /slug/amp/ (WordPress AMP plugin: timesofisrael.com),
# /slug.amp and /slug.amp.html (CNN-style CMSs), and a leading /amp/ section (Arc XP, ynet AMP pages).
AMP_PATH_SUFFIX = re.compile(r"(?:/amp/?|\.amp)$|\.amp(?=\.html?$)", re.IGNORECASE)
AMP_PATH_PREFIX = re.compile(r"^/amp(?=/.)", re.IGNORECASE)

# Query parameters that only say how the reader arrived or which rendering they got. courlan already drops
# the usual trackers (utm_*, fbclid, gclid, ref, source, ...); these are the feed/AMP ones it keeps.
# Matched case-insensitively. `outputType`/`output`/`amp` select Reuters/Arc-XP/WordPress AMP renderings;
# `from`, `rss`, `feed`, `ito`, `cmpid`, `at_*`, `ns_*`, `smid`, `partner` are feed and newsletter markers.
FEED_AND_RENDERING_PARAMS = (
    "amp",
    "outputtype",
    "output",
    "from",
    "rss",
    "feed",
    "feedtype",
    "ito",
    "cmpid",
    "cmp",
    "smid",
    "sr_share",
    "share",
    "at_medium",
    "at_campaign",
    "at_custom1",
    "at_custom2",
    "at_custom3",
    "at_custom4",
    "ns_mchannel",
    "ns_source",
    "ns_campaign",
    "ns_linkname",
    "ns_fee",
    "ocid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "yclid",
    "dclid",
    "msclkid",
    "twclid",
    "wt.mc_id",
    "xtor",
    "ref_src",
    "ref_url",
    "referrer",
)
# courlan's list covers utm_* today; kept explicit so a courlan change cannot silently let them through.
TRACKING_PARAM_PREFIXES = ("utm_",)

# Networks no crawler of public news should ever request (SSRF guard): loopback, RFC 1918 private,
# link-local (cloud metadata at 169.254.169.254), "this network", carrier-grade NAT, IPv6 loopback,
# unique-local and link-local, multicast.
BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/4",
        "::/128",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    )
)
# The well-known NAT64 prefix (RFC 6052): 64:ff9b::10.0.0.1 reaches 10.0.0.1 through a translator.
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Hostnames that resolve to the machine itself by convention (RFC 6761).
LOCAL_HOSTNAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
LOCAL_HOST_SUFFIXES = (".localhost",)
# Legacy IPv4 spellings (2130706433, 0x7f.1, 127.1) that browsers and libc accept as addresses.
LEGACY_IPV4_HOST = re.compile(r"^(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}$", re.IGNORECASE)


def _is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in FEED_AND_RENDERING_PARAMS or lowered.startswith(TRACKING_PARAM_PREFIXES)


def _drop_params(url: str) -> str:
    """Remove tracking, feed and AMP-rendering query parameters (names compared case-insensitively)."""
    query = urlsplit(url).query
    if not query:
        return url
    names = {part.split("=", 1)[0] for part in query.split("&") if part}
    drop = sorted(name for name in names if _is_tracking_param(name))
    if not drop:
        return url
    return url_query_cleaner(url, drop, remove=True, unique=False, keep_fragments=True)


def _fold_host(host: str) -> str:
    """Lowercase and drop www./m./amp./mobile. labels while more than the registered domain remains."""
    host = host.lower().rstrip(".")
    domain = extract_domain(f"http://{host}/") or host
    labels = host.split(".")
    while len(labels) > len(domain.split(".")) and labels[0] in HOST_VARIANT_LABELS:
        labels = labels[1:]
    return ".".join(labels)


def _fold_path(path: str) -> str:
    """Drop AMP path variants and the trailing slash (the root stays "/")."""
    path = AMP_PATH_PREFIX.sub("", AMP_PATH_SUFFIX.sub("", path))
    # One policy everywhere: a trailing slash never distinguishes two articles.
    stripped = path.rstrip("/")
    return stripped or "/"


def _fold(url: str) -> str:
    """The canonical form of one absolute URL (no rel=canonical consideration)."""
    url = scrub_url(url.strip())
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES or not parts.hostname:
        # Not a web page: only the generic canonicalisation, so equal inputs still get equal keys.
        return canonicalize_url(url)
    # courlan: lowercase host, default port, punycode decode, dot segments, its tracker list.
    literal = _literal_address(parts.hostname)
    if literal is not None and literal.version == 6:
        # courlan and _fold_host take IPv6 brackets for a port separator: an address is already canonical.
        normalized = _drop_params(url)
        host = f"[{literal.compressed}]"
    else:
        normalized = normalize_url(_drop_params(url), strict=False)
        host = _fold_host(urlsplit(normalized).hostname or "")
    parts = urlsplit(normalized)
    netloc = host
    if parts.port is not None and not (parts.port == 443 or parts.port == 80):
        netloc = f"{netloc}:{parts.port}"
    # Only the host and a non-default port are kept: credentials never identify an article (and would leak
    # into keys and logs).
    rebuilt = urlunsplit((CANONICAL_SCHEME, netloc, _fold_path(parts.path or "/"), parts.query, ""))
    # w3lib: percent-encoding normal form, IDNA host, sorted query, fragment dropped.
    return canonicalize_url(rebuilt, keep_fragments=False)


def registered_domain(url: str) -> str:
    """The registrable domain of a URL (ynet.co.il for www.ynet.co.il); the bare host for IPs/localhost."""
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return ""
    if not host:
        return ""
    return extract_domain(f"http://{host}/") or host


def _declared_target(url: str, declared: str | None) -> str | None:
    """The page's declared canonical, made absolute, if it may be honoured; otherwise None."""
    if not declared or not declared.strip():
        return None
    try:
        target = urljoin(url, declared.strip())
        parts = urlsplit(target)
        if parts.scheme.lower() not in ALLOWED_SCHEMES or not parts.hostname:
            return None
    except ValueError:  # the page's own markup ("http://[::1") must not break the identity of the article
        return None
    # A page can only speak for its own site: a cross-domain canonical is syndication or spam.
    if registered_domain(target) != registered_domain(url):
        return None
    # Nor may it name an internal address as the article's identity (the link an analyst would click), unless it
    # is the page's own origin (a test site or an intranet outlet on its own address).
    if not is_safe_public_url(target)[0] and not _same_origin(target, url):
        return None
    # CMS bug seen in the wild: every article declares the home page canonical. Honouring it would merge
    # all of a site's articles into one identity.
    if _fold_path(parts.path or "/") == "/" and _fold_path(urlsplit(url).path or "/") != "/":
        return None
    return target


def _same_origin(first: str, second: str) -> bool:
    """Same host and port (default ports filled in); False for anything unparsable."""
    try:
        a, b = urlsplit(first.strip()), urlsplit(second.strip())
        return (a.hostname, a.port or _DEFAULT_PORTS.get(a.scheme.lower())) == (b.hostname, b.port or _DEFAULT_PORTS.get(b.scheme.lower()))
    except ValueError:
        return False


def canonical_url(url: str, *, declared: str | None = None) -> str:
    """The one URL that identifies this article; `declared` (rel=canonical / og:url) wins on the same site.

    Never raises: a URL no parser can take apart ("http://a:99999/") is its own identity, stripped."""
    target = _declared_target(url, declared)
    try:
        return _fold(target if target is not None else url)
    except ValueError:
        return url.strip()


def clean_link(url: str, *, declared: str | None = None) -> str:
    """The link an analyst clicks: tracking parameters and fragment dropped, scheme and host untouched.

    Identity (canonical_url) folds www./m./https, which is right for matching but may not resolve as a link.
    """
    target = _declared_target(url, declared) or url.strip()
    try:
        return urlunsplit(urlsplit(_drop_params(target))._replace(fragment=""))
    except ValueError:  # unparsable: shown as it came, never a crash
        return target


def url_key(url: str, *, declared: str | None = None) -> str:
    """sha1 hex of the canonical URL: the value of the unique URL index."""
    return hashlib.sha1(canonical_url(url, declared=declared).encode("utf-8")).hexdigest()


def _literal_address(host: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a host literally spells (including legacy IPv4 forms), or None for a name."""
    if not host:
        return None
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if LEGACY_IPV4_HOST.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 literal carries: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64
    (64:ff9b::a.b.c.d) or 6to4 (2002:AABB:CCDD::): each can reach that IPv4 host through a translator."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    value = int(address)
    if value >> 32 == 0 and value > 1 or address in NAT64_PREFIX:  # ::/96 (not :: and ::1, blocked as such)
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    return None


def is_safe_public_url(url: str) -> tuple[bool, str]:
    """Whether a URL may be fetched: http(s) to a public host. Returns (ok, reason).

    Only literal addresses and local names are checked; a public name that *resolves* to an internal
    address (DNS rebinding) must be caught where the connection is made.
    """
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".").lower()
        _ = parts.port  # raises on a malformed port
    except ValueError as exc:
        return False, f"malformed URL: {exc}"
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        return False, f"scheme {scheme or '(none)'!r} is not http(s)"
    if not host:
        return False, "no host"
    if host in LOCAL_HOSTNAMES or host.endswith(LOCAL_HOST_SUFFIXES):
        return False, f"local host name {host!r}"
    address = _literal_address(host)
    if isinstance(address, ipaddress.IPv6Address):
        address = _embedded_ipv4(address) or address
    if address is not None:
        for network in BLOCKED_NETWORKS:
            if address.version == network.version and address in network:
                return False, f"internal address {address} (in {network})"
    try:
        get_host_and_path(url.strip())
    except ValueError as exc:
        return False, f"incomplete URL: {exc}"
    return True, "ok"
