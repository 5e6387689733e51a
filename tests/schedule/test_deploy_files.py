"""The deployment files stay valid: compose services/volumes/health checks, a Dockerfile that installs only pinned
requirements, a systemd unit that stops crawls gracefully, crontab lines cron can parse. No Docker engine needed."""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_has_the_services_and_a_named_database_volume(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "scheduler", "web"} <= set(services)
    assert "pgdata" in compose["volumes"]
    assert any(volume.startswith("pgdata:/var/lib/postgresql/data") for volume in services["postgres"]["volumes"])
    assert services["postgres"]["image"].startswith("postgres:")


@pytest.mark.parametrize("name", ["postgres", "scheduler", "web"])
def test_every_long_running_service_has_a_health_check(compose: dict[str, Any], name: str) -> None:
    check = compose["services"][name]["healthcheck"]
    assert check["test"][0] in ("CMD", "CMD-SHELL") and len(check["test"]) > 1
    assert not check.get("disable")
    for key in ("interval", "timeout", "retries"):
        assert key in check


def test_app_services_take_secrets_from_the_env_file_only(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("scheduler", "web", "migrate"):
        service = services[name]
        assert service["env_file"] == ".env"
        environment = service.get("environment", {})
        # Nothing secret is written into the compose file: the DB URL is built from ${POSTGRES_PASSWORD}.
        assert "${POSTGRES_PASSWORD" in environment["COVERWATCH_DB_URL"]
        assert "COVERWATCH_UI_TOKEN" not in environment and "COVERWATCH_SMTP_PASSWORD" not in environment
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD")
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    for variable in ("POSTGRES_PASSWORD", "COVERWATCH_UI_TOKEN", "COVERWATCH_SMTP_PASSWORD"):
        assert re.search(rf"^{variable}=", example, re.MULTILINE), variable


def test_services_start_in_order_and_stop_gracefully(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("scheduler", "web"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    scheduler = services["scheduler"]
    assert scheduler["command"][:2] == ["coverwatch", "schedule"]
    assert scheduler["init"] is True
    grace = int(scheduler["stop_grace_period"].rstrip("s"))
    assert grace >= 30 + 15  # a crawl's graceful stop: download_timeout (30 s default) + 15 s
    web = services["web"]
    assert web["command"][:4] == ["coverwatch", "serve", "--host", "0.0.0.0"]
    assert all(port.startswith("127.0.0.1:") for port in web["ports"])  # the UI is not published to the world
    assert "distributed" in (REPO / "docker-compose.yml").read_text(encoding="utf-8")  # the placeholder


def test_dockerfile_installs_only_the_pinned_lock() -> None:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.replace("\\\n", " ").splitlines() if line.strip() and not line.strip().startswith("#")]
    assert lines[0] == "FROM python:3.11-slim"
    installs = [line for line in lines if "pip install" in line]
    assert len(installs) == 2
    assert "--no-deps -r requirements.lock" in installs[0] and "pip check" in installs[0]
    project = shlex.split(installs[1].removeprefix("RUN "))
    assert project[:3] == ["pip", "install", "--no-deps"] and "." in project
    assert not any(re.search(r"pip install(?! --no-deps)", line) for line in installs)
    assert any(line.startswith("USER ") and "root" not in line for line in lines)
    lock = (REPO / "requirements.lock").read_text(encoding="utf-8").splitlines()
    for requirement in lock:
        requirement = requirement.split("#", 1)[0].strip()
        if requirement:
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+\-]+", requirement), f"unpinned: {requirement}"
    # Everything the image copies exists.
    for line in lines:
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (REPO / source).exists(), source


def test_systemd_unit_stops_crawls_gracefully_and_restarts_on_failure() -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(REPO / "deploy" / "coverwatch-scheduler.service", encoding="utf-8")
    service = parser["Service"]
    assert service["KillMode"] == "mixed"
    assert service["Restart"] == "on-failure"
    assert int(service["TimeoutStopSec"]) >= 30 + 15
    assert " schedule" in service["ExecStart"] and service["ExecStart"].startswith("/")
    assert "EnvironmentFile" in service
    assert parser["Install"]["WantedBy"] == "multi-user.target"


def test_crontab_lines_have_five_time_fields_and_a_timeout() -> None:
    entries = []
    for line in (REPO / "deploy" / "crontab.example").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#") or re.match(r"^[A-Z_]+=", line):
            continue
        fields = line.split(None, 5)
        for field in fields[:5]:
            assert re.fullmatch(r"[\d*/,\-]+", field), line
        entries.append(fields[5])
    crawls = [entry for entry in entries if " crawl " in entry]
    assert crawls and all("timeout --kill-after=" in entry for entry in crawls)
    assert any("--run-job digest" in entry for entry in entries)
    assert any("--run-job housekeeping" in entry for entry in entries)
    assert any("--run-job vacuum" in entry for entry in entries)


def test_deployment_guide_covers_the_three_paths() -> None:
    guide = (REPO / "docs" / "DEPLOYMENT.md").read_text(encoding="utf-8")
    for heading in ("Docker Compose", "systemd", "cron"):
        assert re.search(rf"^## .*{heading}", guide, re.MULTILINE | re.IGNORECASE), heading
