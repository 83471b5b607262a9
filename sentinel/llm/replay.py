"""Record and replay model calls, so evals and notebooks rerun offline with the same answers.

Each call is one JSON file `<replay_dir>/<model alias>/<key>.json`, keyed by a hash of
(model alias and id, effort, thinking, max_tokens, prompt version and text, schema) - see
ModelRequest.key. A replayed reply is labelled
response_source="replay" and goes through the same stop_reason and schema checks as a live one.

Modes: `replay` answers only from recordings (a miss is an error naming the key); `record`
answers from recordings when it has them and otherwise calls the live backend and saves the call.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sentinel.errors import SentinelError
from sentinel.llm.backends import Backend, ModelReply, ModelRequest, is_local_endpoint
from sentinel.models import ResponseSource, Usage
from sentinel.redact import redact

ReplayMode = Literal["replay", "record"]
FORMAT_VERSION = 2  # 2: keys include model id, effort, thinking, max_tokens, prompt version


class ReplayMiss(SentinelError):
    """Replay-only mode met a request that was never recorded. Not an LLMError on purpose:
    silently falling back would mix statistical verdicts into a run meant to replay a model."""


class ReplayBackend(Backend):
    """Answers from recorded calls; in record mode, fills the gaps from a live backend."""

    def __init__(self, replay_dir: Path, mode: ReplayMode = "replay", live: Backend | None = None):
        if mode == "record" and live is None:
            raise ValueError("record mode needs a live backend")
        self.replay_dir = Path(replay_dir)
        self.mode = mode
        self.live = live
        self.name = f"replay({live.name})" if live else "replay"
        self.hits = self.misses = self.recorded = 0

    def path(self, request: ModelRequest) -> Path:
        return self.replay_dir / request.model.alias / f"{request.key()}.json"

    def send(self, request: ModelRequest) -> ModelReply:
        path = self.path(request)
        if path.is_file():
            self.hits += 1
            return load_reply(path)
        self.misses += 1
        if self.mode == "replay" or self.live is None:
            raise ReplayMiss(
                f"no recorded response for key {request.key()} (model {request.model.alias}, "
                f"prompt {request.prompt.version}) in {self.replay_dir}; record it by rerunning "
                "with SENTINEL_LLM_MODE=record (needs ANTHROPIC_API_KEY or AWS credentials)"
            )
        reply = self.live.send(request)
        save_reply(path, request, reply, endpoint=str(getattr(self.live, "endpoint", "")))
        self.recorded += 1
        return reply


def save_reply(path: Path, request: ModelRequest, reply: ModelReply, endpoint: str = "") -> None:
    """Write one recording atomically: the request as sent and the response as received."""
    record: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "key": request.key(),
        "recorded_at": datetime.now(UTC).isoformat(),
        "endpoint": endpoint,
        "model": request.model.alias,
        "model_id": reply.model_id,
        "prompt_version": request.prompt.version,
        "request": {
            "system": request.prompt.system,
            "messages": request.messages(),
            "schema": request.schema,
            "max_tokens": request.max_tokens,
            "model_id": request.model.api_id,
            "effort": request.model.effort,
            "thinking": request.model.thinking,
        },
        "response": {
            "source": reply.response_source,
            "text": reply.text,
            "stop_reason": reply.stop_reason,
            "usage": reply.usage.model_dump(),
            "raw": reply.raw,
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    # recordings are shipped in git: no endpoint userinfo, echoed key or token may stay in them
    tmp.write_text(redact(json.dumps(record, indent=1, ensure_ascii=False)) + "\n")
    tmp.replace(path)


def replayed_source(recorded: str | None, endpoint: str) -> ResponseSource:
    """A recorded model answer replays as "replay"; a recorded scripted one stays "scripted".
    Recordings older than the `source` field: a Claude endpoint on this machine was a double."""
    if recorded is not None:
        return "scripted" if recorded == "scripted" else "replay"
    return "scripted" if is_local_endpoint(endpoint) else "replay"


def load_reply(path: Path) -> ModelReply:
    """A recorded reply, labelled "replay" (or "scripted" if it was scripted when recorded)."""
    try:
        record = json.loads(path.read_text())
        resp = record["response"]
        return ModelReply(
            text=resp["text"],
            stop_reason=resp["stop_reason"],
            usage=Usage.model_validate(resp["usage"]),
            response_source=replayed_source(resp.get("source"), record.get("endpoint", "")),
            model_id=record["model_id"],
            raw=resp.get("raw", {}),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SentinelError(f"{path}: unreadable replay recording: {exc}") from exc
