"""One typed settings object, loaded from coverwatch.toml plus environment overrides.

Configuration flows one way: file/env -> Settings -> Scrapy settings -> components. This is the only module
that reads os.environ, so secrets have exactly one way in (and are never echoed back: see `redacted`).
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_CONFIG_FILE = "coverwatch.toml"
# Environment variables that override the file. Secrets belong here (or in a file outside the repo), not in TOML.
ENV_CONFIG_FILE = "COVERWATCH_CONFIG"
ENV_DB_URL = "COVERWATCH_DB_URL"
ENV_SMTP_PASSWORD = "COVERWATCH_SMTP_PASSWORD"
ENV_UI_TOKEN = "COVERWATCH_UI_TOKEN"
# Extra Apprise URLs (whitespace-separated), for deployments that keep every notification URL out of the file.
ENV_NOTIFY_URLS = "COVERWATCH_NOTIFY_URLS"
# ${NAME} in a notify URL is filled from the environment: the file keeps the URL's shape, the environment its token.
_ENV_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Query parameters that carry credentials in Apprise URLs; a literal value for one of them in the file is refused.
_SECRET_QUERY_KEYS = ("token", "key", "apikey", "api_key", "secret", "password", "pass", "pswd", "auth", "webhook")


class ConfigError(Exception):
    """A configuration mistake, phrased as one line naming the key and the problem."""


class _Strict(BaseModel):
    # A typo in a key must be an error, not a silently ignored setting. inf and nan are never a setting:
    # download_delay = inf made a crawl that never progressed and ignored SIGTERM.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# The databases coverwatch runs on (drivers pinned in pyproject.toml): anything else fails only when the crawl opens it.
DATABASE_BACKENDS = ("sqlite", "postgresql")


class StorageSettings(_Strict):
    url: str = "sqlite:///coverwatch.db"
    # A statement (or the connection check before one) that takes longer is abandoned with a storage error: a
    # database behind a frozen network path otherwise hangs a crawl, holding its lease, until the crawl timeout.
    statement_timeout_s: float = Field(300, ge=1, le=86_400)

    @field_validator("url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        scheme, sep, _ = value.partition("://")
        backend = scheme.split("+", 1)[0].lower()
        if not sep or backend not in DATABASE_BACKENDS:
            raise ValueError(f"must be a sqlite:/// or postgresql:// URL, not {_mask_url_password(value)!r}")
        try:
            parts = urlsplit(value)
            _ = parts.port  # raises on a malformed port or an unclosed IPv6 bracket
        except ValueError as exc:
            raise ValueError(f"not a valid database URL ({exc})") from None
        return value


class CrawlSettings(_Strict):
    # Wikimedia and most publishers ask for a UA that names the tool and a way to reach its operator.
    user_agent: str = "coverwatch/0.1 (+https://github.com/coverwatch/coverwatch; research news monitor)"
    robots_user_agent: str = "coverwatch"
    download_timeout: int = Field(30, ge=1, le=600)
    max_page_bytes: int = Field(15_000_000, ge=10_000)
    max_pdf_bytes: int = Field(40_000_000, ge=10_000)
    concurrent_requests_per_domain: int = Field(2, ge=1, le=16)
    autothrottle_target_concurrency: float = Field(1.0, gt=0)
    autothrottle_start_delay: float = Field(1.0, ge=0, le=3600)
    download_delay: float = Field(0.5, ge=0, le=3600)
    retry_times: int = Field(3, ge=0, le=10)
    memory_limit_mb: int = Field(1024, ge=64)
    # Known articles are re-fetched (to catch edits and take-downs) while young, at most this often.
    recheck_window_hours: int = Field(48, ge=0)
    recheck_every_hours: int = Field(6, ge=1)
    max_items_per_listing: int = Field(200, ge=1)


class TopicSettings(_Strict):
    profile: str | None = None  # path to a topic profile TOML; None = the shipped Russia–Hamas profile
    threshold: float | None = Field(None, ge=0, le=1)  # None = the profile's own threshold
    near_miss_margin: float = Field(0.15, ge=0, le=1)


class DedupSettings(_Strict):
    near_threshold: float = Field(0.5, gt=0, le=1)
    verify_jaccard: float = Field(0.7, gt=0, le=1)


class EmailSettings(_Strict):
    enabled: bool = False
    host: str = "localhost"
    port: int = Field(25, ge=1, le=65535)
    starttls: bool = False
    username: str | None = None
    password: str | None = None  # only from the environment (COVERWATCH_SMTP_PASSWORD)
    sender: str = "coverwatch@localhost"
    recipients: list[str] = []


class DigestSettings(_Strict):
    group_by: Literal["outlet", "story"] = "outlet"
    timezone: str = "Asia/Jerusalem"
    time: str = "07:00"
    output_dir: str = "digests"
    formats: list[Literal["html", "markdown", "text", "atom"]] = ["html", "markdown", "text", "atom"]
    email: EmailSettings = EmailSettings()

    @field_validator("time")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        hours, _, minutes = value.partition(":")
        if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
            raise ValueError("must be HH:MM (24-hour clock)")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class ScheduleSettings(_Strict):
    default_interval_minutes: int = Field(60, ge=1)
    jitter_seconds: int = Field(120, ge=0)
    crawl_timeout_minutes: int = Field(30, ge=1)
    max_parallel_crawls: int = Field(2, ge=1)
    archive_keep_days: int = Field(30, ge=1)
    dispatch: Literal["local", "scrapyd"] = "local"
    scrapyd_nodes: list[str] = []


class HealthSettings(_Strict):
    window_runs: int = Field(5, ge=1)
    min_items: int = Field(1, ge=0)
    max_failure_share: float = Field(0.5, ge=0, le=1)
    silent_days_factor: float = Field(3.0, gt=0)
    silent_days_min: float = Field(2.0, gt=0)


class UISettings(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    token: str | None = None  # only from the environment (COVERWATCH_UI_TOKEN)


class NotifySettings(_Strict):
    """Notifications beyond email, through Apprise URLs (Slack, Telegram, Teams, Matrix, Discord, ntfy, json:// ...)."""

    # Apprise URLs; write secrets as ${ENV_NAME} (filled from the environment), never literally.
    urls: list[str] = []
    health_alerts: bool = True  # a source's health changes
    digest_notice: bool = True  # "the digest for <day> is ready", once per digest window
    # A story scoring at least this much is announced at once, not in the morning digest; None = off.
    prompt_threshold: float | None = Field(None, ge=0, le=1)
    prompt_max_age_hours: int = Field(24, ge=1)  # only stories first seen this recently (a new deploy is no flood)
    timeout_s: int = Field(20, ge=1, le=300)  # a stuck notification service must not hold a crawl's exit


def _compiled(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression ({exc})") from None
    return pattern


# crontab weekday numbers (0 or 7 = Sunday) -> names; APScheduler 3 counts 0 as Monday (apscheduler#286).
_CRON_DAYS = {"0": "sun", "1": "mon", "2": "tue", "3": "wed", "4": "thu", "5": "fri", "6": "sat", "7": "sun"}


def crontab_weekdays(expression: str) -> str:
    """Rewrite numeric weekdays of a 5-field crontab line as names, so 1-5 means Monday-Friday as in cron."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"a crontab expression has 5 fields (minute hour day month weekday), got {len(fields)}")

    def name(token: str) -> str:
        return _CRON_DAYS.get(token, token)

    parts = []
    for part in fields[4].split(","):
        span, slash, step = part.partition("/")
        low, dash, high = span.partition("-")
        parts.append(name(low) + (dash + name(high) if dash else "") + (slash + step if slash else ""))
    fields[4] = ",".join(parts)
    return " ".join(fields)



def _crontab(expression: str) -> str:
    """Check a crontab line exactly as the daemon will read it (crontab_weekdays + APScheduler's parser)."""
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(crontab_weekdays(expression), timezone="UTC")
    except ValueError as exc:
        raise ValueError(f"not a valid crontab expression ({exc})") from None
    return expression


class SourceSettings(_Strict):
    """A discovery route declared in config; `kind` selects the typed source in spiders/sources.py."""

    kind: Literal["rss", "sitemap", "news_sitemap", "wordpress_api", "json_api", "html_listing", "google_news", "gdelt"]
    url: str | None = None
    query: str | None = None
    lang: str | None = None
    items_path: str | None = None
    fields: dict[str, str] = {}
    method: Literal["GET", "POST"] = "GET"
    body: dict[str, Any] | None = None
    link_xpath: str | None = None
    restrict_domains: list[str] = []

    @field_validator("url")
    @classmethod
    def _web_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            parts = urlsplit(value.strip())
            _ = parts.port
        except ValueError as exc:
            raise ValueError(f"not a valid URL ({exc})") from None
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError(f"must be an http(s) URL with a host, not {value!r}")
        return value


class OutletSettings(_Strict):
    """An outlet override (for a built-in outlet) or a whole outlet declared in config alone."""

    enabled: bool | None = None
    disabled_reason: str | None = None
    title: str | None = None
    language: str | None = None
    domains: list[str] | None = None
    article_url_pattern: str | None = None
    skip_url_patterns: list[str] | None = None
    fetch_articles: bool | None = None
    user_agent: str | None = None
    interval_minutes: int | None = Field(None, ge=1)
    cron: str | None = None
    sources: list[SourceSettings] | None = None

    @field_validator("article_url_pattern")
    @classmethod
    def _article_pattern(cls, value: str | None) -> str | None:
        return _compiled(value) if value is not None else None

    @field_validator("skip_url_patterns")
    @classmethod
    def _skip_patterns(cls, value: list[str] | None) -> list[str] | None:
        return [_compiled(pattern) for pattern in value] if value is not None else None

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return _crontab(value) if value is not None else None


class WikipediaSettings(_Strict):
    """The watched Wikipedia article(s): followed to every language through langlinks, never hard-coded titles."""

    enabled: bool = True
    seed_lang: str = "en"
    seed_titles: list[str] = ["Russia–Hamas relations"]
    extra_titles: list[str] = []  # "lang:Title", e.g. "de:Beziehungen zwischen Russland und der Hamas"
    search_terms: dict[str, str] = {"en": "Russia Hamas", "ar": "روسيا حماس", "he": "רוסיה חמאס", "ru": "Россия ХАМАС"}
    api_url: str = "https://{lang}.wikipedia.org/w/api.php"
    max_concurrent_requests: int = Field(3, ge=1, le=3)  # Wikimedia asks for at most 3 in parallel
    maxlag: int = Field(5, ge=1)


class Settings(_Strict):
    storage: StorageSettings = StorageSettings()
    crawl: CrawlSettings = CrawlSettings()
    topic: TopicSettings = TopicSettings()
    dedup: DedupSettings = DedupSettings()
    digest: DigestSettings = DigestSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    health: HealthSettings = HealthSettings()
    ui: UISettings = UISettings()
    wikipedia: WikipediaSettings = WikipediaSettings()
    notify: NotifySettings = NotifySettings()
    outlets: dict[str, OutletSettings] = {}
    config_path: str | None = None

    def redacted(self) -> dict[str, Any]:
        """The settings as a dict with secrets masked, safe to print or log."""
        data = self.model_dump()
        data["digest"]["email"]["password"] = "***" if self.digest.email.password else None
        data["ui"]["token"] = "***" if self.ui.token else None
        data["storage"]["url"] = _mask_url_password(self.storage.url)
        data["notify"]["urls"] = [url.partition("://")[0] + "://***" for url in self.notify.urls]
        return data


def _mask_url_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


def _format_error(path: str, error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown key (check the spelling; see coverwatch.toml for the documented keys)"
    return f"{path}: {key}: {message}"


def load_settings(path: str | Path | None = None, *, environ: dict[str, str] | None = None) -> Settings:
    """Read the config file (or defaults when none exists) and apply environment overrides."""
    env = os.environ if environ is None else environ
    explicit = path is not None or ENV_CONFIG_FILE in env
    config_path = Path(path or env.get(ENV_CONFIG_FILE) or DEFAULT_CONFIG_FILE)
    raw: dict[str, Any] = {}
    if config_path.exists():
        try:
            raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_path}: not valid TOML: {exc}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{config_path}: not UTF-8 text") from None
        except OSError as exc:  # a directory, a file we may not read
            raise ConfigError(f"{config_path}: cannot be read ({exc.strerror or exc})") from None
    elif explicit:
        raise ConfigError(f"{config_path}: file not found")
    _refuse_secrets_in_file(raw)
    _apply_env(raw, env, config_path)
    raw["config_path"] = str(config_path) if config_path.exists() else None
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_error(str(config_path), exc)) from None


# Secrets never live in the config file (it is shared, committed, printed); each has its environment variable.


def _refuse_secrets_in_file(raw: dict[str, Any]) -> None:
    email = raw.get("digest", {}).get("email", {}) if isinstance(raw.get("digest"), dict) else {}
    if isinstance(email, dict) and email.get("password"):
        raise ConfigError(f"digest.email.password: secrets are read from the environment ({ENV_SMTP_PASSWORD}), not the file")
    ui = raw.get("ui", {})
    if isinstance(ui, dict) and ui.get("token"):
        raise ConfigError(f"ui.token: secrets are read from the environment ({ENV_UI_TOKEN}), not the file")
    notify = raw.get("notify", {})
    urls = notify.get("urls", []) if isinstance(notify, dict) else []
    for index, url in enumerate(urls if isinstance(urls, list) else []):
        if isinstance(url, str) and _literal_secret(url):
            raise ConfigError(
                f"notify.urls.{index}: holds a literal credential; write it as ${{ENV_NAME}} and set that variable, "
                f"or put the whole URL in {ENV_NOTIFY_URLS}"
            )


def _literal_secret(url: str) -> bool:
    """True when a URL written in the file carries a password or a credential query parameter literally."""
    from urllib.parse import parse_qsl, urlsplit

    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0]
    if ":" in userinfo and not _ENV_PLACEHOLDER.fullmatch(userinfo.split(":", 1)[1]):
        return True
    return any(
        key.lower() in _SECRET_QUERY_KEYS and value and not _ENV_PLACEHOLDER.fullmatch(value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    )


def _fill_placeholders(url: str, env: dict[str, str] | os._Environ[str], where: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if not env.get(name):
            raise ConfigError(f"{where}: the environment variable {name} is not set")
        return env[name]

    return _ENV_PLACEHOLDER.sub(value, url)


# Environment variable -> the (section, ..., key) it sets.
ENV_OVERRIDES = {
    ENV_DB_URL: ("storage", "url"),
    ENV_SMTP_PASSWORD: ("digest", "email", "password"),
    ENV_UI_TOKEN: ("ui", "token"),
}


def _apply_env(raw: dict[str, Any], env: dict[str, str] | os._Environ[str], config_path: Path | None = None) -> None:
    for variable, (*sections, key) in ENV_OVERRIDES.items():
        if not env.get(variable):
            continue
        table = raw
        for depth, section in enumerate(sections):
            table = table.setdefault(section, {})
            if not isinstance(table, dict):  # `storage = "x"` in the file: say so, not a TypeError
                where = ".".join(sections[: depth + 1])
                raise ConfigError(f"{config_path or 'config'}: {where}: must be a table ([{where}]), not {type(table).__name__}")
        table[key] = env[variable]
    notify = raw.get("notify")
    if isinstance(notify, dict) and isinstance(notify.get("urls"), list):
        notify["urls"] = [
            _fill_placeholders(url, env, f"notify.urls.{index}") if isinstance(url, str) else url
            for index, url in enumerate(notify["urls"])
        ]
    if env.get(ENV_NOTIFY_URLS):
        section = raw.setdefault("notify", {})
        if isinstance(section, dict):
            section["urls"] = [*section.get("urls", []), *env[ENV_NOTIFY_URLS].split()]
