"""WARC archive and replay (warcio): record every response, or answer every request from recorded responses.

Replay runs the unchanged spiders offline through Scrapy's normal machinery (robots, retries, pipelines).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

log = logging.getLogger(__name__)


def _url_variants(url: str) -> list[str]:
    """Lookup keys: exact, then without fragment, then http/https swapped (old captures are often http)."""
    base = url.split("#", 1)[0]
    swapped = base.replace("https://", "http://", 1) if base.startswith("https://") else base.replace("http://", "https://", 1)
    return [url, base, swapped]


class WarcIndex:
    """URL (and method) -> recorded (status, headers, body), loaded from .warc / .warc.gz files."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], tuple[int, list[tuple[str, str]], bytes]] = {}

    @classmethod
    def shared(cls, paths: Iterable[Path]) -> WarcIndex:
        """One loaded index per process for the same archive files: every spider of a replayed run shares it."""
        files = tuple((str(file), file.stat().st_mtime_ns) for file in _warc_files(paths))
        if files not in _LOADED:
            _LOADED[files] = cls.load(Path(name) for name, _ in files)
        return _LOADED[files]

    @classmethod
    def load(cls, paths: Iterable[Path]) -> WarcIndex:
        index = cls()
        for file in _warc_files(paths):
            index._load_file(file)
        return index

    def _load_file(self, file: Path) -> None:
        with file.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                method = (record.rec_headers.get_header("WARC-Coverwatch-Method") or "GET").upper()
                status = int(record.http_headers.get_statuscode())
                headers = [(k, v) for k, v in record.http_headers.headers if k.lower() not in ("transfer-encoding",)]
                self._records[(method, url)] = (status, headers, record.content_stream().read())

    def __len__(self) -> int:
        return len(self._records)

    def lookup(self, method: str, url: str) -> tuple[int, list[tuple[str, str]], bytes] | None:
        for candidate in _url_variants(url):
            found = self._records.get((method.upper(), candidate))
            if found is not None:
                return found
        return None


def _warc_files(paths: Iterable[Path]) -> list[Path]:
    return [file for path in paths for file in (sorted(path.rglob("*.warc*")) if path.is_dir() else [path])]


# Loaded archives by (file, mtime) list; read-only once loaded. A replayed run has a crawler (and a replay
# middleware) per outlet, and each used to parse the whole archive again.
_LOADED: dict[tuple[tuple[str, int], ...], WarcIndex] = {}


class WarcWriterSink:
    """Append responses to a WARC file. A disk error disables archiving for the run instead of failing it."""

    def __init__(self, directory: Path, prefix: str = "coverwatch") -> None:
        directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        self.path = directory / f"{prefix}-{stamp}.warc.gz"
        self._stream = self.path.open("ab")
        self._writer = WARCWriter(self._stream, gzip=True)
        self.disabled_reason: str | None = None

    def write(self, url: str, method: str, status: int, reason: str, headers: list[tuple[str, str]], body: bytes) -> bool:
        if self.disabled_reason:
            return False
        try:
            http_headers = StatusAndHeaders(f"{status} {reason or 'OK'}", headers, protocol="HTTP/1.1")
            record = self._writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=http_headers,
                warc_headers_dict={"WARC-Coverwatch-Method": method},
            )
            self._writer.write_record(record)
            self._stream.flush()
            return True
        except OSError as exc:  # ENOSPC and friends: keep crawling, report it
            self.disabled_reason = f"{type(exc).__name__}: {exc}"
            log.error("WARC archiving disabled: %s", self.disabled_reason)
            return False

    def close(self) -> None:
        try:
            self._stream.close()
        except OSError:
            pass


def write_warc(path: Path, responses: Iterable[tuple[str, int, list[tuple[str, str]], bytes]], method: str = "GET") -> int:
    """Write (url, status, headers, body) tuples as one WARC file; used to build the demo/test archive."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for url, status, headers, body in responses:
            record_method = method
            if url.startswith("POST "):
                record_method, url = "POST", url[5:]
            http_headers = StatusAndHeaders(f"{status} {'OK' if status < 400 else 'Error'}", headers, protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=http_headers,
                warc_headers_dict={"WARC-Coverwatch-Method": record_method},
            )
            writer.write_record(record)
            count += 1
    return count
