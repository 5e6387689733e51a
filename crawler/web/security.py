"""Who may use the review UI and how forms are protected.

- Local clients (loopback) are trusted; their Host header must name this machine, so a web page that
  DNS-rebinds its own name to 127.0.0.1 still cannot read the UI.
- Anyone else needs settings.ui.token: as `Authorization: Bearer <token>`, or once through /login, which sets
  an HttpOnly cookie holding an HMAC of the token (never the token itself). Without a configured token, remote
  access is refused outright, and `coverwatch serve` refuses to bind off localhost.
- Every state change (POST) needs a CSRF token: an HMAC, under a per-process secret, of a random cookie
  (signed double-submit). Cross-site form posts cannot read the cookie, so cannot forge the token.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from crawler.config import ConfigError, UISettings

CSRF_COOKIE = "cw_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
AUTH_COOKIE = "cw_auth"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOCAL_HOST_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
# A token guessable in an afternoon is no protection for a UI reachable from a network.
MIN_TOKEN_CHARS = 16
# The placeholder .env.example ships ("change-me-…"): copied unedited it is public knowledge, not a secret.
PLACEHOLDER_TOKEN = re.compile(r"change-?me|replace-?me|your[-_]?token|^x+$", re.IGNORECASE)
# Applied to every response: no scripts at all, no framing, no referrer leaking the UI's URLs to outlets.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
# The stored digest HTML uses inline styles (mail clients need them): allowed there, scripts still not.
DIGEST_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


# Row ids are 32-bit on PostgreSQL (SERIAL) and 64-bit on SQLite: the smaller bound holds for both.
MAX_ROW_ID = 2**31 - 1
# Directional embeddings, overrides and isolates: in a <title> (no <bdi> possible) they reverse the browser's tab
# text and anything shown after it.
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")


def bad_path(path: str) -> str | None:
    """Why a request's path is refused before any handler runs, or None (no route has a NUL in it)."""
    return "a NUL byte in the path is not valid input" if "\x00" in path else None


def without_nul(query_string: bytes) -> bytes:
    """The raw query string with every NUL (raw or %00) replaced by U+FFFD. SQLite's FTS5 and PostgreSQL both
    refuse NUL mid-query; the replacement character keeps the value a value that matches nothing, as before."""
    if b"\x00" not in query_string and b"%00" not in query_string:
        return query_string
    return re.sub(rb"%00|\x00", b"%EF%BF%BD", query_string)


def row_ids(values: Iterable[str]) -> list[int]:
    """The valid row ids among query values: ASCII digits ("²" is a digit to str.isdigit, not to int) in range."""
    ids = []
    for value in values:
        if value.isascii() and value.isdigit() and len(value) <= 10 and 1 <= int(value) <= MAX_ROW_ID:
            ids.append(int(value))
    return ids


def plain_title(text: str | None) -> str:
    """Text for a <title>: without directional control characters, which no markup can isolate there."""
    return _BIDI_CONTROLS.sub("", text or "")


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, ui: UISettings) -> None:
    """Refuse to serve off localhost without a (long enough) token, or with a placeholder one; one ConfigError line."""
    if ui.token and PLACEHOLDER_TOKEN.search(ui.token):
        raise ConfigError(
            "ui.token: COVERWATCH_UI_TOKEN is still the .env.example placeholder: set a random one "
            "(e.g. `openssl rand -hex 24`) or unset it"
        )
    if is_loopback(host):
        return
    if not ui.token:
        raise ConfigError(
            f"ui: refusing to listen on {host}: set COVERWATCH_UI_TOKEN (at least {MIN_TOKEN_CHARS} characters) "
            "to allow access from other machines, or bind to 127.0.0.1"
        )
    if len(ui.token) < MIN_TOKEN_CHARS:
        raise ConfigError(f"ui.token: too short for a network-reachable UI: use at least {MIN_TOKEN_CHARS} characters")


def host_name(host_header: str) -> str:
    """The host part of a Host header ("127.0.0.1:8080" -> "127.0.0.1", "[::1]:80" -> "::1")."""
    value = host_header.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


@dataclass(frozen=True)
class Guard:
    """The per-process secrets and the checks that use them."""

    token: str | None
    secret: bytes
    allowed_hosts: frozenset[str]

    @classmethod
    def create(cls, ui: UISettings, extra_hosts: tuple[str, ...] = ()) -> Guard:
        hosts = set(LOCAL_HOST_NAMES) | {ui.host.lower()} | {h.lower() for h in extra_hosts}
        return cls(token=ui.token, secret=secrets.token_bytes(32), allowed_hosts=frozenset(hosts))

    def _mac(self, purpose: str, value: str) -> str:
        return hmac.new(self.secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    # --- authentication -------------------------------------------------------------------------------
    def auth_cookie_value(self) -> str:
        return self._mac("auth", self.token or "")

    def token_matches(self, candidate: str) -> bool:
        return bool(self.token) and hmac.compare_digest(candidate.encode(), (self.token or "").encode())

    def authenticated(self, authorization: str | None, cookie: str | None) -> bool:
        if not self.token:
            return False
        if authorization and authorization.lower().startswith("bearer "):
            return self.token_matches(authorization[7:].strip())
        return bool(cookie) and hmac.compare_digest(cookie or "", self.auth_cookie_value())

    def host_allowed(self, host_header: str | None) -> bool:
        return bool(host_header) and host_name(host_header or "") in self.allowed_hosts

    # --- CSRF -----------------------------------------------------------------------------------------
    @staticmethod
    def new_csrf_cookie() -> str:
        return secrets.token_urlsafe(32)

    def csrf_token(self, cookie: str) -> str:
        return self._mac("csrf", cookie)

    def csrf_valid(self, cookie: str | None, submitted: str | None) -> bool:
        return bool(cookie) and bool(submitted) and hmac.compare_digest(self.csrf_token(cookie or ""), submitted or "")


def safe_next(target: str | None, default: str = "/") -> str:
    """A same-site relative path to go back to after a POST; anything else becomes `default` (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target
