"""A programmable HTTP site on 127.0.0.1 for real-network tests: routes, status sequences, ETags, delays.

Runs in a thread of the test process (Scrapy crawls run in a subprocess or their own reactor, so no deadlock).
"""

from __future__ import annotations

import socket
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    statuses: list[int] = field(default_factory=list)  # consumed one per request, then `status`
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None  # answer 304 when If-None-Match matches
    delay: float = 0.0


class LocalSite:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = defaultdict(int)
        self.request_log: list[tuple[str, str, dict[str, str]]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                return

            def _serve(self, send_body: bool) -> None:
                site.hits[self.path.split("?", 1)[0]] += 1
                site.request_log.append((self.command, self.path, dict(self.headers.items())))
                route = site.routes.get(self.path) or site.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    self._reply(404, b"not found", "text/plain", {}, send_body)
                    return
                if route.delay:
                    time.sleep(route.delay)
                status = route.statuses.pop(0) if route.statuses else route.status
                headers = dict(route.headers)
                if route.etag:
                    headers["ETag"] = route.etag
                    if self.headers.get("If-None-Match") == route.etag and status == 200:
                        self._reply(304, b"", route.content_type, headers, send_body)
                        return
                self._reply(status, route.body, route.content_type, headers, send_body)

            def _reply(self, status: int, body: bytes, content_type: str, headers: dict[str, str], send_body: bool) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body) if status != 304 else 0))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if send_body and status != 304:
                    self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                self._serve(True)

            def do_HEAD(self) -> None:  # noqa: N802
                self._serve(False)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self._serve(True)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add(self, path: str, body: bytes | str = b"", **kwargs: object) -> Route:
        route = Route(body=body.encode("utf-8") if isinstance(body, str) else body, **kwargs)  # type: ignore[arg-type]
        self.routes[path] = route
        return route

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self) -> LocalSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
