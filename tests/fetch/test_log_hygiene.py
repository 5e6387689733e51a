"""Issue 19 items 3-4: crawl logs for people and machines (crawler/fetch/log_hygiene.py, crawler/cli/output.py)."""

from __future__ import annotations

import io
import logging
import socket
import subprocess
import sys
from pathlib import Path

from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from crawler.fetch.log_hygiene import ExpectedNetworkErrorFilter

REPO = Path(__file__).resolve().parents[2]


def _logged(**kwargs: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ExpectedNetworkErrorFilter())
    logger = logging.getLogger("test.log_hygiene")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.error("Error downloading %s", "https://news.example.org/robots.txt", **kwargs)  # type: ignore[arg-type]
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def _raised(error: BaseException) -> tuple[type[BaseException], BaseException, object]:
    try:
        raise error
    except BaseException as caught:  # noqa: BLE001 - any error, to get a real traceback
        return type(caught), caught, caught.__traceback__


def test_an_expected_network_failure_is_one_line() -> None:
    text = _logged(exc_info=_raised(DNSLookupError("news.example.org")))
    assert text.count("\n") == 1 and "Traceback" not in text
    assert "Error downloading https://news.example.org/robots.txt: DNSLookupError: DNS lookup failed: news.example.org" in text
    # Scrapy also hands over Twisted Failures as `extra={"failure": ...}`.
    folded = _logged(extra={"failure": Failure(DNSLookupError("news.example.org"))})
    assert folded.count("\n") == 1 and "DNS lookup failed" in folded


def test_an_unexpected_error_keeps_its_traceback() -> None:
    text = _logged(exc_info=_raised(ValueError("a bug")))
    assert "Traceback" in text and "ValueError: a bug" in text


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: connections are refused


def test_a_dead_source_logs_no_traceback_and_a_full_width_summary(tmp_path: Path) -> None:
    """Not a terminal (a pipe, as under cron): no Rich truncation at 80 columns, no Twisted traceback."""
    base = f"http://127.0.0.1:{_closed_port()}"
    name = "a_source_with_a_long_name_that_must_not_be_cut"
    config = tmp_path / "coverwatch.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path / "c.db"}"\n[crawl]\ndownload_delay = 0\nautothrottle_start_delay = 0\n'
        f"retry_times = 0\ndownload_timeout = 5\n"
        f'[outlets.{name}]\ntitle = "Dead"\nlanguage = "en"\ndomains = ["127.0.0.1"]\n'
        f'sources = [{{kind = "rss", url = "{base}/feed.xml"}}]\n',
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "crawler.cli", "crawl", name, "--config", str(config), "--verbose"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 4, result.stderr[-3000:]  # its only source failed
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "ScrapyDeprecationWarning" not in result.stderr and "alembic" not in result.stderr
    row = next(line for line in result.stdout.splitlines() if name in line)
    assert "| failed" in row and "connection_refused" in row and "…" not in result.stdout  # nothing cut
    assert not any(ch in result.stdout for ch in "┏━┃")  # plain ASCII rules off a terminal
