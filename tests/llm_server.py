"""A scripted Messages-API server on 127.0.0.1 for testing the real Anthropic SDK over HTTP.

Speaks POST /v1/messages (Anthropic API), POST /v1/chat/completions (OpenAI-compatible local
servers), POST /model/{id}/invoke (Bedrock) and Message Batches
(POST /v1/messages/batches, GET /v1/messages/batches/{id}, GET .../{id}/results as JSONL; each
item answered by `batch_script(custom_id, params)`, a batch ends on its second status poll).
Each test queues responses; every request (path, headers, JSON body) is kept so tests can assert what the SDK
sent and how many times it retried. Responses are scripted test data, never model output, and
say so in the x-sentinel-scripted header (so even a "local model" backend labels them scripted).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sentinel.llm.local import SCRIPTED_HEADER


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


def chat_body(
    text: str,
    *,
    finish_reason: str = "stop",
    model: str = "smollm2-135m-instruct-q4_1",
    prompt_tokens: int = 700,
    completion_tokens: int = 60,
) -> dict[str, Any]:
    """An OpenAI chat-completions response body (what llama-server, Ollama and vLLM return)."""
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": 1764000000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def batch_succeeded(text: str, **usage: Any) -> dict[str, Any]:
    """A batch item's `succeeded` result carrying a message (usage tier "batch")."""
    message = message_body(text, **usage)
    message["usage"]["service_tier"] = "batch"
    return {"type": "succeeded", "message": message}


def batch_errored(kind: str = "invalid_request_error", message: str = "scripted") -> dict:
    return {
        "type": "errored",
        "error": {"type": "error", "error": {"type": kind, "message": message}},
    }


BATCH_EXPIRED: dict[str, Any] = {"type": "expired"}


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
        self.batch_script: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None
        self.batches: dict[str, dict[str, Any]] = {}  # id -> {"requests", "polls", "results"}
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

    def _batch_object(self, batch_id: str, ended: bool) -> dict[str, Any]:
        batch = self.batches[batch_id]
        counts = {k: 0 for k in ("processing", "succeeded", "errored", "canceled", "expired")}
        if ended:
            for r in batch["results"]:
                counts[r["result"]["type"]] += 1
        else:
            counts["processing"] = len(batch["requests"])
        return {
            "id": batch_id,
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": counts,
            "created_at": "2026-11-24T10:00:00Z",
            "expires_at": "2026-11-25T10:00:00Z",
            "ended_at": "2026-11-24T10:05:00Z" if ended else None,
            "results_url": f"{self.url}/v1/messages/batches/{batch_id}/results" if ended else None,
        }

    def _batches(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        """Message Batches: create, retrieve (ends on the second poll), results (JSONL text)."""
        parts = path.strip("/").split("/")[3:]  # after v1/messages/batches
        with self._lock:
            if method == "POST" and not parts:
                batch_id = f"msgbatch_{len(self.batches) + 1:03d}"
                script = self.batch_script or (lambda cid, params: BATCH_EXPIRED)
                results = [
                    {"custom_id": r["custom_id"], "result": script(r["custom_id"], r["params"])}
                    for r in body["requests"]
                ]
                self.batches[batch_id] = {
                    "requests": body["requests"],
                    "polls": 0,
                    "results": results,
                }
                return 200, self._batch_object(batch_id, ended=False)
            if parts and parts[0] in self.batches:
                batch = self.batches[parts[0]]
                if len(parts) == 1:
                    batch["polls"] += 1
                    return 200, self._batch_object(parts[0], ended=batch["polls"] >= 2)
                if parts[1:] == ["results"]:
                    return 200, "".join(json.dumps(r) + "\n" for r in reversed(batch["results"]))
        return 404, {"type": "error", "error": {"type": "not_found_error", "message": path}}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _reply(self, status: int, body: Any) -> None:
                text = body if isinstance(body, str) else json.dumps(body)
                payload = text.encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.send_header(SCRIPTED_HEADER, "1")
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                with server._lock:
                    server.requests.append(SeenRequest(path, dict(self.headers), {}))
                self._reply(*server._batches("GET", path, {}))

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                seen = SeenRequest(self.path, dict(self.headers), json.loads(raw or b"{}"))
                if self.path.split("?")[0].startswith("/v1/messages/batches"):
                    with server._lock:
                        server.requests.append(seen)
                    self._reply(*server._batches("POST", self.path.split("?")[0], seen.body))
                    return
                ok_path = self.path.startswith(("/v1/messages", "/v1/chat/completions")) or (
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
                    self.send_header(SCRIPTED_HEADER, "1")  # canned answers, never a model's
                    for k, v in scripted.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and went away

        return Handler
