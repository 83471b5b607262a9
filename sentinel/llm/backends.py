"""Model backends behind one small interface: `send` one request, `ask` for a validated verdict.

Every backend (Anthropic API, AWS Bedrock, replay of recorded calls) implements `send`; `ask` is
shared, so the checks a reply must pass (stop_reason, schema, one bounded repair) are the same
whichever backend produced it. Retries and timeouts are the SDK's own (max_retries, timeout),
bounded by the check's Deadline (sentinel.llm.deadline) through SDK middleware.
"""

from __future__ import annotations

import hashlib
import json
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import anthropic
from pydantic import ValidationError

from sentinel.config import DEFAULT_CACHE_TTL, CacheTTL
from sentinel.errors import LLMError
from sentinel.llm.deadline import Deadline, DeadlineMiddleware
from sentinel.llm.prices import ModelInfo
from sentinel.llm.prompts import RenderedPrompt
from sentinel.llm.resolve import max_tokens_key
from sentinel.llm.schema import AnswerModel, LegacyModelVerdict, ModelVerdict
from sentinel.models import ResponseSource, Usage

REPAIR_INSTRUCTION = (
    "Your previous answer did not match the required JSON schema: {problem}. "
    "Reply again with only one JSON object that satisfies the schema."
)


@dataclass(frozen=True)
class ModelRequest:
    """One call: which model, the rendered prompt, the output schema and the limits."""

    model: ModelInfo
    prompt: RenderedPrompt
    schema: dict[str, Any]
    max_tokens: int = 1024
    cache_ttl: CacheTTL = DEFAULT_CACHE_TTL
    repair: tuple[str, str] | None = None  # (previous answer, what was wrong with it)
    deadline: Deadline | None = field(default=None, compare=False)  # the check's; not keyed
    answer: AnswerModel = field(default=ModelVerdict, compare=False)  # validates the reply

    def messages(self) -> list[dict[str, Any]]:
        """The conversation; a repair adds the bad answer and a correction, ending on user."""
        msgs: list[dict[str, Any]] = [{"role": "user", "content": self.prompt.user}]
        if self.repair:
            previous, problem = self.repair
            msgs.append({"role": "assistant", "content": previous or "(empty answer)"})
            msgs.append({"role": "user", "content": REPAIR_INSTRUCTION.format(problem=problem)})
        return msgs

    def system(self) -> list[dict[str, Any]]:
        """The static system part as one cached block."""
        return [
            {
                "type": "text",
                "text": self.prompt.system,
                "cache_control": {"type": "ephemeral", "ttl": self.cache_ttl},
            }
        ]

    def key(self) -> str:
        """Replay key: sha256 over everything that shapes the answer, not just the alias.

        The model id, effort, thinking setting and max_tokens are keyed next to the prompt
        (version, system, messages incl. repair turns) and schema, so pointing an alias at a new
        model id or changing its effort never replays the old model's answers as the new one's.
        """
        blob = json.dumps(
            {
                "model": self.model.alias,
                "model_id": self.model.api_id,
                "effort": self.model.effort,
                "thinking": self.model.thinking,
                "max_tokens": self.max_tokens,
                "prompt_version": self.prompt.version,
                "system": self.prompt.system,
                "messages": self.messages(),
                "schema": self.schema,
            },
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class ModelReply:
    """What came back from one call, before anything is trusted."""

    text: str
    stop_reason: str | None
    usage: Usage
    response_source: ResponseSource
    model_id: str
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StructuredReply:
    """A validated answer plus the usage and cost of every call it took (repair included)."""

    answer: ModelVerdict | LegacyModelVerdict
    usage: Usage
    cost_usd: float
    response_source: ResponseSource
    attempts: int


class ModelCallFailed(LLMError):
    """The model gave no trustworthy answer; carries what the attempt cost anyway."""

    def __init__(self, message: str, usage: Usage | None = None, cost_usd: float = 0.0):
        super().__init__(message)
        self.usage = usage
        self.cost_usd = cost_usd


class Backend(ABC):
    """One way to reach a model. Subclasses implement `send`; `ask` adds the trust checks."""

    name: str

    @abstractmethod
    def send(self, request: ModelRequest) -> ModelReply:
        """Make one call (the SDK retries transient errors); raise LLMError on failure."""

    def ask(self, request: ModelRequest) -> StructuredReply:
        """A schema-valid verdict, with at most one repair call; ModelCallFailed otherwise."""
        reply = self.send(request)
        usage, cost = reply.usage, request.model.cost_usd(reply.usage)
        answer, problem = check_reply(reply, request, usage, cost)
        attempts = 1
        if answer is None:
            try:
                reply = self.send(replace(request, repair=(reply.text, problem)))
            except ModelCallFailed:
                raise
            except LLMError as exc:  # e.g. the deadline: the first call was billed anyway
                raise ModelCallFailed(f"{exc} (schema repair not sent)", usage, cost) from exc
            usage = usage + reply.usage
            cost += request.model.cost_usd(reply.usage)
            attempts = 2
            answer, problem = check_reply(reply, request, usage, cost)
            if answer is None:
                raise ModelCallFailed(
                    f"{request.model.alias}: answer violated the schema after one repair: "
                    f"{problem}",
                    usage,
                    cost,
                )
        return StructuredReply(answer, usage, cost, reply.response_source, attempts)


def check_reply(
    reply: ModelReply, request: ModelRequest, usage: Usage, cost: float
) -> tuple[ModelVerdict | LegacyModelVerdict | None, str]:
    """Trust a reply only after its stop_reason; return (answer, "") or (None, schema problem).

    Refusals and truncations raise: asking again would not fix them. Schema violations return
    the problem so the caller can make its one repair attempt.
    """
    alias = request.model.alias
    if reply.stop_reason == "refusal":
        raise ModelCallFailed(f"{alias}: the model refused to answer", usage, cost)
    if reply.stop_reason == "max_tokens":
        raise ModelCallFailed(
            f"{alias}: answer truncated at max_tokens={request.max_tokens} "
            f"(raise {max_tokens_key(request.model)} in the config)",
            usage,
            cost,
        )
    if reply.stop_reason not in ("end_turn", "stop_sequence"):
        raise ModelCallFailed(f"{alias}: unexpected stop_reason {reply.stop_reason!r}", usage, cost)
    try:
        return request.answer.model_validate_json(reply.text), ""
    except ValidationError as exc:
        return None, summarize_validation(exc)


def summarize_validation(exc: ValidationError, limit: int = 400) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)[:limit]


def usage_from_sdk(usage: Any, latency_s: float) -> Usage:
    """Every usage field the API reports, including the cache writes split by TTL."""
    by_ttl = getattr(usage, "cache_creation", None)
    details = getattr(usage, "output_tokens_details", None)
    return Usage(
        input_tokens=usage.input_tokens or 0,
        output_tokens=usage.output_tokens or 0,
        cache_creation_input_tokens=usage.cache_creation_input_tokens or 0,
        cache_read_input_tokens=usage.cache_read_input_tokens or 0,
        cache_creation_1h_input_tokens=(by_ttl.ephemeral_1h_input_tokens if by_ttl else 0) or 0,
        thinking_tokens=(details.thinking_tokens if details else 0) or 0,
        latency_s=round(latency_s, 3),
        service_tier=usage.service_tier,
    )


class SDKBackend(Backend):
    """The Anthropic API or Bedrock through the official SDK's `messages.create`.

    Structured output goes through `output_config.format` (a JSON schema), not a forced tool or
    prefill: Sonnet 5.5 rejects both. No sampling parameters are sent (API 2026-10-21 rejects
    them).
    """

    def __init__(
        self,
        client: anthropic.Anthropic | anthropic.AnthropicBedrock,
        name: str,
        model_ids: dict[str, str] | None = None,
    ):
        self.client = client
        self.name = name
        self.model_ids = model_ids or {}
        timeout = client.timeout
        self.timeout_s = float(timeout.read or 60.0) if hasattr(timeout, "read") else timeout
        self.max_retries = client.max_retries

    @property
    def endpoint(self) -> str:
        return str(self.client.base_url)

    def model_id(self, model: ModelInfo) -> str:
        if model.alias in self.model_ids:
            return self.model_ids[model.alias]
        if self.name == "bedrock":
            if not model.bedrock_id:
                raise LLMError(f"{model.alias} has no bedrock_id in the price table")
            return model.bedrock_id
        return model.api_id

    def params(self, request: ModelRequest) -> dict[str, Any]:
        """The `messages.create` arguments for a request; a Message Batch sends the same ones."""
        output_config: dict[str, Any] = {
            "format": {"type": "json_schema", "schema": request.schema}
        }
        if request.model.effort:
            output_config["effort"] = request.model.effort
        params: dict[str, Any] = {
            "model": self.model_id(request.model),
            "max_tokens": request.max_tokens,
            "system": request.system(),
            "messages": request.messages(),
            "output_config": output_config,
        }
        if request.model.thinking:  # explicit: thinking tokens count toward max_tokens
            params["thinking"] = {"type": request.model.thinking}
        return params

    def send(self, request: ModelRequest) -> ModelReply:
        params = self.params(request)
        model_id = params["model"]
        started = time.perf_counter()
        client = self.client
        if request.deadline is not None:
            request.deadline.check(f"calling {model_id}")
            client = client.with_middleware(
                DeadlineMiddleware(request.deadline, self.timeout_s or 60.0, self.max_retries)
            )
        try:
            message, source = self.create(client, params)
        except LLMError:
            raise  # the deadline, raised by our middleware
        except anthropic.APITimeoutError as exc:
            raise LLMError(f"{self.name} {model_id}: timed out after the SDK's retries") from exc
        except anthropic.APIStatusError as exc:
            raise LLMError(
                f"{self.name} {model_id}: HTTP {exc.status_code} after the SDK's retries: "
                f"{_short(exc.message)}"
            ) from exc
        except anthropic.APIConnectionError as exc:
            raise LLMError(f"{self.name} {model_id}: cannot connect: {_short(str(exc))}") from exc
        except anthropic.AnthropicError as exc:
            raise LLMError(f"{self.name} {model_id}: {_short(str(exc))}") from exc
        return reply_from_message(message, model_id, time.perf_counter() - started, source)

    def create(self, client: Any, params: dict[str, Any]) -> tuple[Any, ResponseSource]:
        """One `messages.create` and what its answer is (sentinel.llm.local overrides this)."""
        source: ResponseSource = "scripted" if is_local_endpoint(self.endpoint) else "live"
        return client.messages.create(**params), source


def is_local_endpoint(endpoint: str) -> bool:
    """Claude on this machine is a test double: its answers are scripted, never a model's.
    (Self-hosted models on 127.0.0.1 are real: sentinel.llm.local labels those.)"""
    host = urlsplit(endpoint).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1")


def reply_from_message(
    message: Any, model_id: str, latency_s: float, source: ResponseSource = "live"
) -> ModelReply:
    """A ModelReply from an SDK Message (a direct call's or a batch result's)."""
    text = "".join(b.text for b in message.content if b.type == "text")
    return ModelReply(
        text=text,
        stop_reason=message.stop_reason,
        usage=usage_from_sdk(message.usage, latency_s),
        response_source=source,
        model_id=model_id,
        raw=message.model_dump(mode="json"),
    )


def _short(text: str, limit: int = 200) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
