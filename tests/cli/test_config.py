"""Configuration: one documented file, env overrides, and mistakes reported as one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawler.config import ConfigError, load_settings

REPO = Path(__file__).resolve().parents[2]


def test_defaults_need_no_file(tmp_path: Path) -> None:
    settings = load_settings(environ={})  # no coverwatch.toml needed: defaults work
    assert settings.storage.url == "sqlite:///coverwatch.db"
    assert settings.crawl.user_agent.startswith("coverwatch/")


def test_shipped_config_is_valid() -> None:
    settings = load_settings(REPO / "coverwatch.toml", environ={})
    assert settings.storage.url.startswith("sqlite")


def test_environment_overrides_db_url_and_secrets(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[storage]\nurl = "sqlite:///x.db"\n', encoding="utf-8")
    env = {"COVERWATCH_DB_URL": "postgresql://u:secret@db/x", "COVERWATCH_SMTP_PASSWORD": "hunter2", "COVERWATCH_UI_TOKEN": "tok"}
    settings = load_settings(config, environ=env)
    assert settings.storage.url == "postgresql://u:secret@db/x"
    assert settings.digest.email.password == "hunter2"
    redacted = str(settings.redacted())
    assert "hunter2" not in redacted and "secret" not in redacted and "tok'" not in redacted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[crawl]\nretry_tims = 3\n', "crawl.retry_tims: unknown key"),
        ('[crawl]\ndownload_timeout = "soon"\n', "crawl.download_timeout:"),
        ('[digest]\ntime = "25:00"\n', "digest.time: Value error, must be HH:MM"),
        ('[digest]\ntimezone = "Mars/Olympus"\n', "digest.timezone: Value error, unknown time zone"),
        ('[outlets.x]\nsources = [{kind = "rss"}]\n', None),
        ("[crawl\n", "not valid TOML"),
    ],
)
def test_mistakes_name_the_key(tmp_path: Path, text: str, expected: str | None) -> None:
    config = tmp_path / "c.toml"
    config.write_text(text, encoding="utf-8")
    if expected is None:  # valid schema; the outlet check happens when outlets are built
        from spiders.registry import all_outlets

        with pytest.raises(ConfigError, match=r"outlets\.x\.sources\.0\.url: required"):
            all_outlets(load_settings(config, environ={}))
        return
    with pytest.raises(ConfigError) as error:
        load_settings(config, environ={})
    assert expected in str(error.value)
    assert "\n" not in str(error.value)


def test_config_check_cli_prints_one_line_not_a_traceback(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[schedule]\ndefault_interval_minutes = -5\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "config", "check", "--config", str(config)],
        capture_output=True, text=True, cwd=REPO,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert "schedule.default_interval_minutes" in result.stderr


def test_config_check_cli_accepts_the_shipped_file() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "config", "check", "--config", str(REPO / "coverwatch.toml")],
        capture_output=True, text=True, cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert "config OK" in result.stdout


def test_secrets_in_the_file_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[digest.email]\npassword = "hunter2"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="digest.email.password: secrets are read from the environment"):
        load_settings(config, environ={})
