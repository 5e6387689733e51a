"""Issue 19 item 4: `coverwatch schedule --replay DIR --once` runs the daemon offline and shows its plan at start."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from crawler.config import load_settings
from spiders.registry import all_outlets
from storage.db import make_engine, make_session_factory
from storage.models import CrawlRun

REPO = Path(__file__).resolve().parents[2]
# One outlet that answers and one that refuses us in the recorded archive: "some sources failed", exit 1.
WATCHED = ("ynetnews", "tass_ru")


def _config(tmp_path: Path) -> Path:
    """The shipped coverwatch.toml (it declares half the outlets) with every outlet but WATCHED switched off."""
    names = all_outlets(load_settings(REPO / "coverwatch.toml", environ={}))
    text = (REPO / "coverwatch.toml").read_text(encoding="utf-8")
    for name in sorted(set(names) - set(WATCHED)):
        header = f"[outlets.{name}]\n"
        text = text.replace(header, f"{header}enabled = false\n", 1) if header in text else text + f"\n{header}enabled = false\n"
    config = tmp_path / "coverwatch.toml"
    config.write_text(text, encoding="utf-8")
    return config


def test_schedule_replay_once_runs_offline_and_prints_its_plan(tmp_path: Path, demo_archive: Path) -> None:
    config = _config(tmp_path)
    events = tmp_path / "events.jsonl"
    command = [
        sys.executable, "-m", "crawler.cli", "schedule", "--replay", str(demo_archive), "--once",
        "--config", str(config), "--events", str(events), "--log-dir", str(tmp_path / "logs"),
    ]  # fmt: skip
    # Run from tmp_path: the relative SQLite file and digests/ folder of the shipped config land there.
    env = {"PATH": "/usr/bin:/bin", "COVERWATCH_DB_URL": f"sqlite:///{tmp_path / 's.db'}"}
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False, env=env)
    assert result.returncode == 1, result.stderr[-3000:]  # tass_ru refused every request: some sources failed
    plan = [line.split("plan: ", 1)[1] for line in result.stderr.splitlines() if "plan: " in line]
    jobs = {line.split()[0]: line for line in plan}
    assert {"crawl:ynetnews", "crawl:tass_ru", "digest", "housekeeping"} <= set(jobs)
    assert "crawl:reuters" not in jobs  # switched off
    assert "cron[hour='7', minute='0']" in jobs["digest"] and "next run 20" in jobs["digest"]
    assert "interval[" in jobs["crawl:ynetnews"]
    assert "alembic" not in result.stderr  # no third-party chatter at INFO at start
    crawl_log = (tmp_path / "logs" / "crawl-tass_ru.log").read_text(encoding="utf-8")
    assert "ScrapyDeprecationWarning" not in crawl_log and "Traceback" not in crawl_log
    assert "…" not in crawl_log and "blocked:stormwall" in crawl_log  # the summary table at full width in a log file
    recorded = [json.loads(line) for line in events.read_text(encoding="utf-8").splitlines()]
    finished = {event["source"]: event for event in recorded if event["event"] == "finished"}
    assert finished["ynetnews"]["status"] == "ok" and finished["tass_ru"]["rc"] == 4
    assert [event["status"] for event in recorded if event["event"] == "digest"] == ["ok"]
    assert recorded[-1]["event"] == "stopped"
    assert list((tmp_path / "digests").glob("digest-*.html")), "the digest job wrote no file"
    with make_session_factory(make_engine(f"sqlite:///{tmp_path / 's.db'}"))() as session:
        runs = {run.source: run.outcome for run in session.scalars(select(CrawlRun))}
    assert runs == {"ynetnews": "finished", "tass_ru": "blocked"}  # answered from the archive, not the network
