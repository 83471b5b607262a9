"""A scripted Messages-API server on 127.0.0.1 for testing the real Anthropic SDK over HTTP.

Speaks POST /v1/messages (Anthropic API) and POST /model/{id}/invoke (Bedrock). Each test queues
responses; every request (path, headers, JSON body) is kept so tests can assert what the SDK
sent and how many times it retried. Responses are scripted test data, never model output.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Scripted:
    """One queued response: status, JSON body, extra headers, optional delay before answering."""

    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class SeenRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def message_body(
    text: str,
    *,
    stop_reason: str = "end_turn",
    model: str = "claude-haiku-5-5",
    input_tokens: int = 900,
    output_tokens: int = 120,
    cache_creation: int = 0,
    cache_read: int = 0,
) -> dict[str, Any]:
    """A Messages-API response body with usage, including the cache fields."""
    return {
        "id": "msg_scripted",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cache_creation_input_tokens": cache_creation,
            "cache_read_input_tokens": cache_read,
            "cache_creation": {
                "ephemeral_5m_input_tokens": cache_creation,
                "ephemeral_1h_input_tokens": 0,
            },
            "service_tier": "standard",
        },
    }


def error_body(status: int, kind: str, message: str) -> Scripted:
    """An API error (e.g. 429 rate_limit_error, 529 overloaded_error) that asks for no wait."""
    return Scripted(
        status=status,
        body={"type": "error", "error": {"type": kind, "message": message}},
        headers={"retry-after-ms": "1"},
    )


class ScriptedServer:
    """Start with `with ScriptedServer() as server:`; queue with `server.push(...)`."""

    def __init__(self) -> None:
        self.queue: deque[Scripted] = deque()
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def push(self, *responses: Scripted) -> None:
        with self._lock:
            self.queue.extend(responses)

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _next(self, seen: SeenRequest) -> Scripted:
        with self._lock:
            self.requests.append(seen)
            if not self.queue:
                return Scripted(
                    500,
                    {"type": "error", "error": {"type": "api_error", "message": "nothing queued"}},
                    {"x-should-retry": "false"},
                )
            return self.queue.popleft()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                seen = SeenRequest(self.path, dict(self.headers), json.loads(raw or b"{}"))
                ok_path = self.path.startswith("/v1/messages") or (
                    self.path.startswith("/model/") and self.path.endswith("/invoke")
                )
                scripted = server._next(seen) if ok_path else Scripted(404, {"error": "no route"})
                if scripted.delay_s:
                    time.sleep(scripted.delay_s)
                payload = json.dumps(scripted.body).encode()
                try:
                    self.send_response(scripted.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    for k, v in scripted.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and went away

        return Handler
