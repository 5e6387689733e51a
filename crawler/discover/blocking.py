"""Recognise bot walls and refusals, so a blocked source is reported as blocked, never as "nothing new".

Pure: status, headers and body in, a reason (or None) out.
"""

from __future__ import annotations

import re

# Statuses that mean "you may not", as opposed to "not found" or "server broken".
BLOCK_STATUSES = {401: "http_401", 403: "http_403", 429: "rate_limited", 451: "http_451"}

# Markers of anti-bot interstitials, lowercased. Each names the wall it identifies, so the health report can too.
CHALLENGE_MARKERS: tuple[tuple[bytes, str], ...] = (
    (b"captcha-delivery.com", "datadome"),  # Reuters: DataDome answers 401/403 with this iframe
    (b"datadome", "datadome"),
    (b"cf-chl-", "cloudflare"),  # Cloudflare managed challenge
    (b"challenge-platform", "cloudflare"),
    (b"<title>just a moment...</title>", "cloudflare"),
    (b"attention required! | cloudflare", "cloudflare"),
    (b"_incapsula_resource", "incapsula"),
    (b"window.rbzns", "reblaze"),  # israelhayom.co.il (fixture pages/he_israelhayom_antibot_challenge.html)
    (b"stormwall", "stormwall"),  # tass.ru
    (b"ddos-guard", "ddos-guard"),
    (b"checking your browser before accessing", "browser-check"),
    (b"please enable javascript and cookies", "browser-check"),
    (b"px-captcha", "perimeterx"),
)
# A page whose visible text is this short while its scripts weigh this much is an interstitial, whatever its name.
_MAX_VISIBLE_CHARS = 300
_MIN_SCRIPT_SHARE = 0.8
_SCRIPT = re.compile(rb"<script\b.*?</script>", re.S | re.I)
_STYLE = re.compile(rb"<style\b.*?</style>", re.S | re.I)
_TAG = re.compile(rb"<[^>]+>")


def detect_block(status: int, body: bytes, content_type: str = "") -> str | None:
    """Return a short reason ("blocked:datadome", "http_403", ...) when the response is a refusal."""
    head = body[:200_000].lower()
    wall = next((name for marker, name in CHALLENGE_MARKERS if marker in head), None)
    if status in BLOCK_STATUSES:
        return f"blocked:{wall}" if wall else BLOCK_STATUSES[status]
    if status >= 400:
        return None
    if "html" not in content_type.lower() and not head.lstrip().startswith((b"<!doctype html", b"<html")):
        return None
    if wall and _looks_like_interstitial(head):
        return f"blocked:{wall}"
    if _looks_like_interstitial(head) and len(head) > 5_000:
        return "blocked:js-challenge"
    return None


def _looks_like_interstitial(html: bytes) -> bool:
    scripts = sum(len(match) for match in _SCRIPT.findall(html))
    visible = _TAG.sub(b" ", _STYLE.sub(b" ", _SCRIPT.sub(b" ", html)))
    visible_chars = len(b" ".join(visible.split()))
    return visible_chars < _MAX_VISIBLE_CHARS and scripts >= _MIN_SCRIPT_SHARE * max(len(html), 1) or (
        visible_chars < _MAX_VISIBLE_CHARS and b"<noscript" in html and scripts > 0
    )
