"""Hostile configuration and CLI input (issue 16): each is one line naming the problem and exit status 2.

Settings that `config check` used to pass and that then broke the crawl (an invalid skip regex, a source URL that
is not one, `download_delay = inf`, a crontab minute of 99), sections of the wrong type combined with their
environment override, `--config` naming a directory, database URLs with an unknown scheme, a missing driver or
an unclosed IPv6 bracket, and `coverwatch extract` given a stream without end or a file past the input limit.
Everything runs the real `coverwatch` command in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.extract.budget import MAX_PAGE_INPUT_BYTES

REPO = Path(__file__).resolve().parents[2]
RSS = '{kind = "rss", url = "https://example.org/feed.xml"}'

# (name, config text, environment, the key or phrase the error line must name)
CONFIG_CASES = [
    ("skip_regex", f'[outlets.x]\nskip_url_patterns = ["(unclosed"]\nsources = [{RSS}]\n', {}, "outlets.x.skip_url_patterns"),
    ("article_regex", f'[outlets.x]\narticle_url_pattern = "[a-"\nsources = [{RSS}]\n', {}, "outlets.x.article_url_pattern"),
    ("source_url", '[outlets.x]\nsources = [{kind = "rss", url = "not a url"}]\n', {}, "outlets.x.sources.0.url"),
    ("source_url_port", '[outlets.x]\nsources = [{kind = "rss", url = "http://example.org:99999/f"}]\n', {}, "outlets.x.sources.0.url"),
    ("delay_inf", "[crawl]\ndownload_delay = inf\n", {}, "crawl.download_delay"),
    ("delay_nan", "[crawl]\nautothrottle_start_delay = nan\n", {}, "crawl.autothrottle_start_delay"),
    ("cron_minute", f'[outlets.x]\ncron = "99 * * * *"\nsources = [{RSS}]\n', {}, "outlets.x.cron"),
    ("cron_fields", f'[outlets.x]\ncron = "* * *"\nsources = [{RSS}]\n', {}, "outlets.x.cron"),
    ("storage_typed", 'storage = "x"\n', {"COVERWATCH_DB_URL": "sqlite:///x.db"}, "storage: must be a table"),
    ("digest_typed", "digest = 5\n", {"COVERWATCH_SMTP_PASSWORD": "pw"}, "digest: must be a table"),
    ("ui_typed", 'ui = "x"\n', {"COVERWATCH_UI_TOKEN": "a-long-enough-token-for-the-ui"}, "ui: must be a table"),
    ("db_unknown_scheme", "", {"COVERWATCH_DB_URL": "foo://bar"}, "storage.url"),
    ("db_missing_driver", "", {"COVERWATCH_DB_URL": "mysql://u:pw@127.0.0.1/x"}, "storage.url"),
    ("db_bad_ipv6", "", {"COVERWATCH_DB_URL": "postgresql://u@[::1:5432/x"}, "storage.url"),
]
VALID_CRONS = ["0 7 * * 1-5", "30 6 * * 0", "0 */3 * * 7", "0 8 * * 1-7"]


def _cli(*args: str, env: dict[str, str] | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("COVERWATCH_")}
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=cwd, env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=300, check=False)


def _one_line(result: subprocess.CompletedProcess[str], prefix: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout[-500:], result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(prefix), result.stderr
    return lines[0]


@pytest.mark.parametrize(("name", "text", "env", "names"), CONFIG_CASES, ids=[case[0] for case in CONFIG_CASES])
def test_config_check_refuses_what_would_break_the_crawl(tmp_path: Path, name: str, text: str, env: dict[str, str], names: str) -> None:
    config = tmp_path / "coverwatch.toml"
    config.write_text(text, encoding="utf-8")
    line = _one_line(_cli("config", "check", "--config", str(config), env=env), "config error")
    assert names in line, line
    assert "pw@" not in line and ":pw" not in line  # a password in a refused URL stays masked


@pytest.mark.parametrize("cron", VALID_CRONS)
def test_valid_crontabs_still_pass(tmp_path: Path, cron: str) -> None:
    from crawler.config import load_settings

    config = tmp_path / "coverwatch.toml"
    config.write_text(f'[outlets.x]\ncron = "{cron}"\nsources = [{RSS}]\n', encoding="utf-8")
    assert load_settings(config, environ={}).outlets["x"].cron == cron


def test_config_naming_a_directory(tmp_path: Path) -> None:
    line = _one_line(_cli("config", "check", "--config", str(tmp_path)), "config error")
    assert "cannot be read" in line


def test_crawl_with_an_unusable_database_url_touches_nothing(tmp_path: Path) -> None:
    config = tmp_path / "coverwatch.toml"
    config.write_text(f"[outlets.x]\nsources = [{RSS}]\n", encoding="utf-8")
    for url in ("foo://bar", "mysql://u@127.0.0.1/x", "postgresql://u@[::1:5432/x"):
        _one_line(_cli("crawl", "x", "--config", str(config), env={"COVERWATCH_DB_URL": url}, cwd=tmp_path), "config error")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coverwatch.toml"]


def test_extract_refuses_endless_and_oversized_input(tmp_path: Path) -> None:
    big = tmp_path / "big.html"
    with big.open("wb") as stream:
        stream.truncate(MAX_PAGE_INPUT_BYTES + 1)  # sparse: no disk used
    for source in ("/dev/zero", str(big)):
        result = _cli("extract", source)
        line = _one_line(result, "input error")
        assert "larger than" in line, line
        assert '"error": "too_large' in result.stdout  # the JSONL record still says what happened
