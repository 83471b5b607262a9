"""Message Batches: send many judge requests at 50% off, then answer the judge from the results.

`BatchRunner.run` submits requests (the exact `messages.create` arguments SDKBackend.send would
use, one custom_id per distinct request) in batches of at most 100,000 requests / 256 MB, polls
with a bounded interval until every batch ended or a timeout passed, and returns a ModelReply per
request, or a BatchFailure with the reason (errored, expired, canceled, not finished in time).
`BatchAnswers` is a Backend that hands those replies to the unchanged judge, so each one passes
the same stop_reason and schema checks as a direct call. Only the Anthropic API has batches here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import anthropic
from tqdm.auto import tqdm

from sentinel.errors import LLMError
from sentinel.llm.backends import (
    Backend,
    ModelCallFailed,
    ModelReply,
    ModelRequest,
    SDKBackend,
    _short,
    is_local_endpoint,
    reply_from_message,
)
from sentinel.models import ResponseSource

MAX_REQUESTS = 100_000
MAX_BYTES = 256 * 1024 * 1024
BATCH_ONLY_ANTHROPIC = (
    "--batch needs the Anthropic API backend: Message Batches are not available for Bedrock "
    "through the Anthropic SDK (drop --batch or set llm.backend: anthropic)"
)


@dataclass(frozen=True)
class BatchFailure:
    """A batch item that produced no message, and why."""

    reason: str


BatchResult = ModelReply | BatchFailure


def chunk(items: list[dict[str, Any]], max_requests: int, max_bytes: int) -> Iterator[list]:
    """Split batch items so no batch exceeds the request count or (JSON) size limit."""
    current: list[dict[str, Any]] = []
    size = 2  # the surrounding brackets
    for item in items:
        n = len(json.dumps(item).encode()) + 1
        if current and (len(current) >= max_requests or size + n > max_bytes):
            yield current
            current, size = [], 2
        current.append(item)
        size += n
    if current:
        yield current


class BatchRunner:
    """Submit, poll (every `poll_s`, at most `timeout_s`) and collect Message Batches."""

    def __init__(
        self,
        backend: SDKBackend,
        poll_s: float = 30.0,
        timeout_s: float = 24 * 3600.0,
        progress: bool = True,
        label: str = "batch",
        max_requests: int = MAX_REQUESTS,
        max_bytes: int = MAX_BYTES,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        if backend.name != "anthropic" or not isinstance(backend.client, anthropic.Anthropic):
            raise LLMError(BATCH_ONLY_ANTHROPIC)
        self.backend, self.poll_s, self.timeout_s = backend, max(poll_s, 0.0), timeout_s
        self.progress, self.label = progress, label
        self.max_requests, self.max_bytes = max_requests, max_bytes
        self.sleep, self.clock = sleep, clock
        self.batch_ids: list[str] = []

    def run(self, requests: list[ModelRequest]) -> dict[str, BatchResult]:
        """One result per distinct request, keyed by ModelRequest.key() (= the custom_id)."""
        unique = {r.key(): r for r in requests}
        if not unique:
            return {}
        items = [{"custom_id": k, "params": self.backend.params(r)} for k, r in unique.items()]
        batches, owner = [], {}
        for part in chunk(items, self.max_requests, self.max_bytes):
            batch = self._call(
                lambda p=part: self.backend.client.messages.batches.create(requests=p)
            )
            batches.append(batch)
            owner.update({i["custom_id"]: batch.id for i in part})
        self.batch_ids += [b.id for b in batches]
        ended = self._wait(batches, len(items))
        out: dict[str, BatchResult] = {}
        for batch in batches:
            if batch.id not in ended:
                continue
            elapsed = (ended[batch.id].ended_at or batch.created_at) - batch.created_at
            for entry in self._call(lambda b=batch: list(self._results(b.id))):
                req = unique.get(entry.custom_id)
                if req is not None:
                    out[entry.custom_id] = self._result(entry.result, req, elapsed.total_seconds())
        for key in unique:
            if key not in out:
                batch_id = owner[key]
                out[key] = BatchFailure(
                    f"batch {batch_id} returned no result for this request"
                    if batch_id in ended
                    else f"batch {batch_id} had not ended after {self.timeout_s:g}s "
                    "(--batch-timeout); it was left running"
                )
        return out

    def _results(self, batch_id: str) -> Iterator[Any]:
        return iter(self.backend.client.messages.batches.results(batch_id))

    def _wait(self, batches: list[Any], total: int) -> dict[str, Any]:
        """Poll until every batch ended or the timeout; the ended batches by id."""
        started = self.clock()
        ended: dict[str, Any] = {}
        with tqdm(total=total, desc=self.label, unit="req", disable=not self.progress) as bar:
            while True:
                done = 0
                for b in batches:
                    if b.id not in ended:
                        now = self._call(
                            lambda b=b: self.backend.client.messages.batches.retrieve(b.id)
                        )
                        if now.processing_status == "ended":
                            ended[b.id] = now
                        counts = now.request_counts
                    else:
                        counts = ended[b.id].request_counts
                    done += counts.succeeded + counts.errored + counts.canceled + counts.expired
                bar.n = done
                bar.refresh()
                if len(ended) == len(batches) or self.clock() - started >= self.timeout_s:
                    return ended
                self.sleep(min(self.poll_s, max(self.timeout_s - (self.clock() - started), 0)))

    def _result(self, result: Any, request: ModelRequest, elapsed_s: float) -> BatchResult:
        if result.type == "succeeded":
            reply = reply_from_message(result.message, self.backend.model_id(request.model), 0.0)
            # Batch items are billed at the batch rate whatever tier label the usage carries.
            usage = reply.usage.model_copy(update={"service_tier": "batch", "latency_s": elapsed_s})
            return replace(reply, usage=usage)
        if result.type == "errored":
            err = result.error.error
            return BatchFailure(f"batch item errored: {err.type}: {_short(err.message)}")
        if result.type == "expired":
            return BatchFailure("batch item expired: not processed within the batch's 24 h")
        return BatchFailure(f"batch item {result.type}")

    def _call(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except anthropic.APIStatusError as exc:
            raise LLMError(
                f"message batch: HTTP {exc.status_code} after the SDK's retries: "
                f"{_short(exc.message)}"
            ) from exc
        except anthropic.AnthropicError as exc:
            raise LLMError(f"message batch: {_short(str(exc))}") from exc


class BatchAnswers(Backend):
    """Answers the judge from batch results; a request not in the batch (a schema repair) is a
    direct call through the live backend, at the standard price."""

    def __init__(self, live: SDKBackend, results: dict[str, BatchResult]):
        self.live, self.results = live, results
        self.name = live.name
        self.endpoint = live.endpoint
        # A local test server's answers are scripted test data, never a model's.
        self.source: ResponseSource = "scripted" if is_local_endpoint(self.endpoint) else "live"

    def send(self, request: ModelRequest) -> ModelReply:
        got = self.results.get(request.key())
        if got is None:
            return self.live.send(request)
        if isinstance(got, BatchFailure):
            raise ModelCallFailed(f"{request.model.alias}: {got.reason}")
        return replace(got, response_source=self.source)
