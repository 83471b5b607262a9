"""A tiny stdlib HTTP server on 127.0.0.1 for tests: canned answers, recorded requests.

Used where no real server binary exists (Loki, Tempo) and for failures a real Prometheus will
not produce on demand (5xx, slow answers, non-JSON bodies).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON; str/bytes -> as is
    delay_s: float = 0.0
    content_type: str = "application/json"


Handler = Callable[[Request], Reply]


@dataclass
class FakeServer:
    url: str
    requests: list[Request] = field(default_factory=list)


@contextmanager
def fake_server(handler: Handler) -> Iterator[FakeServer]:
    """Serve `handler` on a free port until the block exits; every request is recorded."""
    state = FakeServer(url="")

    class _H(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                form = self.rfile.read(length).decode()
                params.update({k: v[-1] for k, v in parse_qs(form).items()})
            req = Request(self.command, parts.path, params, {k: v for k, v in self.headers.items()})
            state.requests.append(req)
            reply = handler(req)
            if reply.delay_s:
                time.sleep(reply.delay_s)
            body = reply.body
            if isinstance(body, dict | list):
                body = json.dumps(body)
            raw = body.encode() if isinstance(body, str) else (body or b"")
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = _serve
        do_POST = _serve

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), _H)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
