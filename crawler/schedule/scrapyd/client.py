"""The Scrapyd JSON API of a node, as coverwatch uses it: node specs, the HTTP client and its two kinds of error.

Node specs are URLs: "http://node-1:6800", with "#max_proc=N" when the node's max_proc is not
DEFAULT_MAX_PROC (daemonstatus.json does not report it) and "user:password@" when the node requires HTTP
basic auth. Only stdlib HTTP: the nodes speak plain JSON.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit
from urllib.request import Request, urlopen

from crawler.config import ConfigError

PROJECT = "coverwatch"
# deploy/scrapyd.conf ships max_proc = 4: a node's slots when its spec does not say otherwise.
DEFAULT_MAX_PROC = 4
# Per HTTP call: a node that does not answer within this is unreachable for this call.
HTTP_TIMEOUT_S = 5.0
# schedule.json may run `scrapy list` inside the node's reactor before answering (Scrapyd caches a project's
# spider list, and the cache is cold after a node restart or a deploy): seconds of silence that are not a
# dead node. Connection refused still fails at once.
SCHEDULE_TIMEOUT_S = 60.0


class NodeUnreachable(Exception):
    """The node did not answer (refused, timed out, reset, 5xx)."""


class ScrapydError(Exception):
    """The node answered with an error (unknown project or spider, bad egg, unauthorized)."""


@dataclass(frozen=True)
class ScrapydNode:
    url: str  # base URL, no credentials, no trailing slash
    max_proc: int = DEFAULT_MAX_PROC
    auth: tuple[str, str] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return urlsplit(self.url).netloc


def parse_node(spec: str) -> ScrapydNode:
    """"http://[user:password@]host:port[/prefix][#max_proc=N]" -> ScrapydNode; ConfigError if malformed."""
    parts = urlsplit(spec.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"schedule.scrapyd_nodes: {spec!r} is not an http(s) URL of a Scrapyd node")
    options = parse_qs(parts.fragment)
    max_proc = DEFAULT_MAX_PROC
    if "max_proc" in options:
        value = options["max_proc"][0]
        if not value.isdigit() or int(value) < 1:
            raise ConfigError(f"schedule.scrapyd_nodes: {spec!r}: max_proc must be a positive integer")
        max_proc = int(value)
    auth = (parts.username or "", parts.password or "") if parts.username else None
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    return ScrapydNode(urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", "")), max_proc, auth)


class ScrapydClient:
    """The Scrapyd JSON API of one node (the calls coverwatch uses)."""

    def __init__(self, node: ScrapydNode, timeout_s: float = HTTP_TIMEOUT_S) -> None:
        self.node = node
        self.timeout_s = timeout_s

    def daemonstatus(self) -> dict[str, Any]:
        return self._call("daemonstatus.json")

    def listjobs(self, project: str = PROJECT) -> dict[str, Any]:
        return self._call("listjobs.json", query={"project": project})

    def listprojects(self) -> list[str]:
        return list(self._call("listprojects.json").get("projects", []))

    def listversions(self, project: str = PROJECT) -> list[str]:
        return list(self._call("listversions.json", query={"project": project}).get("versions", []))

    def listspiders(self, project: str = PROJECT, *, timeout_s: float = SCHEDULE_TIMEOUT_S) -> list[str]:
        return list(self._call("listspiders.json", query={"project": project}, timeout_s=timeout_s).get("spiders", []))

    def schedule(
        self, spider: str, job: str, *, project: str = PROJECT, settings: Mapping[str, str] | None = None, version: str | None = None
    ) -> str:
        form: list[tuple[str, str]] = [("project", project), ("spider", spider), ("jobid", job)]
        if version:
            form.append(("_version", version))
        form += [("setting", f"{key}={value}") for key, value in (settings or {}).items()]
        return str(self._call("schedule.json", form=form, timeout_s=max(self.timeout_s, SCHEDULE_TIMEOUT_S))["jobid"])

    def cancel(self, job: str, *, project: str = PROJECT, signal: str = "TERM") -> str | None:
        return self._call("cancel.json", form=[("project", project), ("job", job), ("signal", signal)]).get("prevstate")

    def addversion(self, version: str, egg: bytes, *, project: str = PROJECT) -> dict[str, Any]:
        body, content_type = multipart({"project": project, "version": version}, {"egg": (f"{project}-{version}.egg", egg)})
        return self._call("addversion.json", body=body, content_type=content_type, timeout_s=max(self.timeout_s, 120.0))

    def _call(
        self,
        endpoint: str,
        *,
        query: Mapping[str, str] | None = None,
        form: list[tuple[str, str]] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
        timeout_s: float | None = None,
    ) -> dict[str, Any]:
        url = f"{self.node.url}/{endpoint}" + (f"?{urlencode(query)}" if query else "")
        if form is not None:
            body, content_type = urlencode(form).encode("utf-8"), "application/x-www-form-urlencoded"
        request = Request(url, data=body, method="POST" if body is not None else "GET")
        if content_type:
            request.add_header("Content-Type", content_type)
        if self.node.auth:
            token = base64.b64encode(f"{self.node.auth[0]}:{self.node.auth[1]}".encode()).decode("ascii")
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urlopen(request, timeout=timeout_s or self.timeout_s) as response:
                payload = response.read()
        except HTTPError as error:
            if error.code >= 500:
                raise NodeUnreachable(f"{self.node.name}: HTTP {error.code}") from None
            raise ScrapydError(f"{self.node.name}: {endpoint}: HTTP {error.code}") from None
        except (URLError, OSError) as error:  # refused, reset, timed out, DNS
            reason = getattr(error, "reason", error)
            raise NodeUnreachable(f"{self.node.name}: {reason}") from None
        try:
            data = json.loads(payload)
        except ValueError:
            raise ScrapydError(f"{self.node.name}: {endpoint}: not JSON: {payload[:200]!r}") from None
        if data.get("status") != "ok":
            raise ScrapydError(f"{self.node.name}: {endpoint}: {str(data.get('message', data))[:500]}")
        return data


def multipart(fields: Mapping[str, str], files: Mapping[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body (what addversion.json expects for the egg) and its Content-Type."""
    boundary = f"coverwatch-{uuid.uuid4().hex}"
    chunks: list[bytes] = []
    for name, value in fields.items():
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        chunks += [head.encode("utf-8"), data, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"
