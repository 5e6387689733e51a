"""Apprise notifications against a real local webhook receiver: a health alert, the digest notice, and exactly
one prompt alert for a story with two reports, each sent once ever, across runs and processes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crawler.config import ConfigError, load_settings
from tests.digest_seed import DAY, IN_WINDOW, NOW, record_for, seed_store, seeds, store
from tests.notify.receiver import WebhookReceiver

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


def _settings(tmp_path: Path, hook: str, **notify: Any):  # type: ignore[no-untyped-def]
    from crawler.config import Settings

    return Settings.model_validate(
        {
            "storage": {"url": f"sqlite:///{tmp_path / 'cw.db'}"},
            "digest": {"output_dir": str(tmp_path / "digests"), "formats": ["markdown"]},
            "notify": {"urls": [hook], "prompt_threshold": 0.92, "timeout_s": 10, **notify},
        }
    )


def _seeded(settings: Any) -> tuple[Any, dict[str, int]]:
    """The digest scenario plus a second report of the ynet story (another outlet, folded into it)."""
    from crawler.fetch.runner import open_store

    _, sessions = open_store(settings)
    ids = seed_store(sessions)
    ynet = next(seed for seed in seeds() if seed.key == "ynet")
    with sessions.begin() as session:
        ids["ynet_copy"] = store(
            session,
            record_for(ynet, url_key="ynet-copy", url="https://www.kan.org.il/copy-of-seed001", outlet="kan", relevance_score=0.95,
                       duplicate_of_id=ids["ynet"], duplicate_kind="near", duplicate_similarity=0.9),
            IN_WINDOW + timedelta(hours=2),
        )
    return sessions, ids


def _health_change(sessions: Any, source: str, state: str, reason: str) -> None:
    from crawler.health.rating import HealthRating
    from storage import health_repo

    with sessions.begin() as session:
        health_repo.apply_rating(session, source, HealthRating(state, reason), NOW)


def test_webhook_gets_health_alert_digest_notice_and_one_prompt_alert_per_story(tmp_path: Path, receiver: WebhookReceiver) -> None:
    from crawler.digest.format import subject
    from crawler.digest.run import produce_digest
    from crawler.notify.post_run import after_sources
    from storage.models import Notification

    settings = _settings(tmp_path, receiver.url())
    sessions, ids = _seeded(settings)
    _health_change(sessions, "tass", "blocked", "refused by the outlet: blocked:stormwall×3")

    after_sources(settings, sessions, [], NOW)  # the post-run hook every crawl ends with
    after_sources(settings, sessions, [], NOW + timedelta(minutes=30))  # the next run: nothing new to say
    outcome = produce_digest(settings, sessions, day=DAY, now=NOW)
    again = produce_digest(settings, sessions, day=DAY, now=NOW + timedelta(minutes=5))

    assert outcome.notice == "sent" and again.notice == "already sent"
    assert len(receiver.posts) == 3, receiver.titles()
    health, prompt, notice = receiver.posts
    assert all(post["path"] == "/hooks/coverwatch" for post in receiver.posts)
    assert health["title"] == "[coverwatch health] tass is blocked (was unknown)" and health["type"] == "failure"
    assert "blocked:stormwall×3" in health["message"]
    # One alert for the story, naming both reports; nothing for stories under the threshold (alaalem 0.88, xss 0.90).
    ynet = next(seed for seed in seeds() if seed.key == "ynet")
    assert prompt["title"] == f"[coverwatch] relevant now: {ynet.title}" and prompt["type"] == "warning"
    assert ynet.url in prompt["message"] and "also in: kan (https://www.kan.org.il/copy-of-seed001)" in prompt["message"]
    assert notice["title"] == subject(outcome.data) and notice["type"] == "info"
    assert str(outcome.paths["markdown"]) in notice["message"]
    with sessions() as session:
        ledger = {(row.kind, row.key) for row in session.scalars(select(Notification)) if row.sent_at is not None}
    assert ledger == {("prompt_alert", f"prompt:article:{ids['ynet']}"), ("digest_notice", f"digest:{outcome.data.window_key}")}


def test_a_later_report_of_an_announced_story_is_not_announced_again_even_from_another_process(
    tmp_path: Path, receiver: WebhookReceiver
) -> None:
    from crawler.notify.prompt import send_prompt_alerts

    settings = _settings(tmp_path, receiver.url(), digest_notice=False)
    sessions, ids = _seeded(settings)
    assert list(send_prompt_alerts(settings, sessions, NOW).values()) == ["sent"]
    ynet = next(seed for seed in seeds() if seed.key == "ynet")
    with sessions.begin() as session:  # a third outlet carries it an hour later
        store(session, record_for(ynet, url_key="ynet-third", url="https://www.i24news.tv/third", outlet="i24", relevance_score=0.97,
                                  duplicate_of_id=ids["ynet_copy"], duplicate_kind="near"), NOW - timedelta(minutes=10))
    config = tmp_path / "coverwatch.toml"
    config.write_text(
        f'[storage]\nurl = "{settings.storage.url}"\n[notify]\nurls = ["{receiver.url()}"]\nprompt_threshold = 0.92\n',
        encoding="utf-8",
    )
    code = (
        "from datetime import datetime; from crawler.config import load_settings; from crawler.fetch.runner import open_store; "
        "from crawler.notify.prompt import send_prompt_alerts as s; c = load_settings(); "
        f"print(s(c, open_store(c)[1], datetime.fromisoformat('{NOW.isoformat()}')))"
    )
    child = subprocess.run([sys.executable, "-c", code], cwd=REPO, env={"COVERWATCH_CONFIG": str(config), "PATH": "/usr/bin"},
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr[-2000:]
    assert len(receiver.posts) == 1, receiver.titles()


def test_a_service_that_is_down_gets_the_alerts_again_on_the_next_run(tmp_path: Path, receiver: WebhookReceiver) -> None:
    from crawler.notify.alerts import deliver_pending
    from crawler.notify.prompt import send_prompt_alerts

    settings = _settings(tmp_path, receiver.url(), digest_notice=False)
    sessions, _ = _seeded(settings)
    _health_change(sessions, "tass", "failing", "only 0 items seen in the last 5 runs (minimum 1)")
    receiver.status = 500
    down = deliver_pending(settings, sessions, NOW)
    assert down.error and not down.notified
    assert list(send_prompt_alerts(settings, sessions, NOW).values())[0].startswith("failed")
    receiver.status = 200
    assert deliver_pending(settings, sessions, NOW).notified
    assert list(send_prompt_alerts(settings, sessions, NOW).values()) == ["sent"]
    assert [post["title"].split(":")[0] for post in receiver.posts] == ["[coverwatch health] tass is failing (was unknown)", "[coverwatch] relevant now"]


def test_notify_urls_take_secrets_from_the_environment_only(tmp_path: Path) -> None:
    config = tmp_path / "coverwatch.toml"
    config.write_text('[notify]\nurls = ["tgram://${TG_TOKEN}/12345", "json://hooks.example.org/in"]\n', encoding="utf-8")
    settings = load_settings(config, environ={"TG_TOKEN": "123:abc", "COVERWATCH_NOTIFY_URLS": "ntfys://ntfy.example.org/coverwatch"})
    assert settings.notify.urls == ["tgram://123:abc/12345", "json://hooks.example.org/in", "ntfys://ntfy.example.org/coverwatch"]
    assert "123:abc" not in str(settings.redacted())
    with pytest.raises(ConfigError, match=r"notify.urls.0: the environment variable TG_TOKEN is not set"):
        load_settings(config, environ={})
    for literal in ('"mailtos://user:hunter2@example.org"', '"ntfys://ntfy.example.org/topic?token=tk_secret"'):
        config.write_text(f"[notify]\nurls = [{literal}]\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=r"notify.urls.0: holds a literal credential"):
            load_settings(config, environ={})
    config.write_text('[notify]\nurls = ["mailtos://user:${SMTP_PW}@example.org?token=${NTFY_TOKEN}"]\n', encoding="utf-8")
    assert load_settings(config, environ={"SMTP_PW": "pw", "NTFY_TOKEN": "tk"}).notify.urls == ["mailtos://user:pw@example.org?token=tk"]


def test_config_check_names_an_apprise_url_it_cannot_use(tmp_path: Path) -> None:
    config = tmp_path / "coverwatch.toml"
    config.write_text('[notify]\nurls = ["json://127.0.0.1:9/ok", "nosuchservice://example.org/x"]\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "crawler.cli", "config", "check", "--config", str(config)],
                            capture_output=True, text=True, cwd=REPO, timeout=120)
    message = " ".join(result.stderr.split())  # the console may wrap the line
    assert result.returncode == 2 and "notify.urls.1: Apprise does not understand this nosuchservice:// URL" in message


def test_a_real_crawl_announces_its_high_scoring_story_once(tmp_path: Path, receiver: WebhookReceiver, local_site) -> None:  # type: ignore[no-untyped-def]
    """The post-run hook of `coverwatch crawl` sends the prompt alert; the next crawl of the same feed does not."""
    article = (REPO / "tests/fixtures/outlets/ynetnews/article_byv0vcw55.html").read_bytes()
    local_site.add("/robots.txt", "User-agent: *\n", content_type="text/plain")
    local_site.add("/feed.xml", f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>Story</title>'
                                f"<link>{local_site.base}/articles/1</link></item></channel></rss>", content_type="application/rss+xml")
    local_site.add("/articles/1", article)
    config = tmp_path / "coverwatch.toml"
    # Threshold 0: any scored article counts, so the test does not depend on how relevance scores this page.
    config.write_text(
        f"""
[storage]
url = "sqlite:///{tmp_path / 'cw.db'}"
[crawl]
download_delay = 0
autothrottle_start_delay = 0
recheck_window_hours = 0
[notify]
urls = ["{receiver.url()}"]
prompt_threshold = 0.0
[outlets.localnews]
language = "en"
article_url_pattern = '/articles/\\d+'
sources = [{{kind = "rss", url = "{local_site.base}/feed.xml"}}]
""",
        encoding="utf-8",
    )
    for _ in range(2):
        crawl = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", "localnews", "--config", str(config)],
                               capture_output=True, text=True, cwd=REPO, timeout=300)
        assert crawl.returncode == 0, crawl.stderr[-3000:]
    prompts = [post for post in receiver.posts if post["title"].startswith("[coverwatch] relevant now:")]
    assert len(prompts) == 1, receiver.titles()
    assert "Turkey" in prompts[0]["title"] and f"{local_site.base}/articles/1" in prompts[0]["message"]
