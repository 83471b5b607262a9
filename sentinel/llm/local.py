"""Self-hosted models (llama.cpp's llama-server, Ollama, vLLM, LM Studio) as a judge backend.

`llm:local` asks the model named in `llm.local.model` (or SENTINEL_LLM_MODEL) on the server at
`llm.local.base_url` (or SENTINEL_LLM_BASE_URL), over the OpenAI chat-completions protocol
(every one of those servers speaks it) or the Anthropic Messages protocol (recent llama-server).
Same prompts, same schema (sent as a JSON-schema response format, which llama.cpp turns into a
grammar; validated again by `Backend.ask` either way), the SDKs' own timeouts and retries, the
same budget guard (0 $, tokens and latency still counted) and the same statistical fallback.

Provenance: a real model's answers are `live` with the model named `local-<name>`; answers from a
test server that marks itself with the `x-sentinel-scripted` header are `scripted`. A server on
127.0.0.1 is not assumed to be a test double here: that is where a local model runs.
"""

from __future__ import annotations

import copy
import re
import time
from contextvars import ContextVar
from typing import Any

import anthropic
import httpx
import openai

from sentinel.config import LLMConfig, Settings
from sentinel.errors import LLMError
from sentinel.llm.backends import Backend, ModelReply, ModelRequest, SDKBackend, _short
from sentinel.llm.deadline import Deadline, attempt_timeout
from sentinel.llm.prices import ModelInfo
from sentinel.llm.resolve import local_settings
from sentinel.models import ResponseSource, Usage

SCRIPTED_HEADER = "x-sentinel-scripted"  # set by tests/llm_server.py, never by a model server
NO_KEY = "sentinel-local"  # the SDKs want a key; local servers ignore it unless configured
# chat-completions finish_reason -> the Messages API stop_reason that check_reply understands
FINISH_TO_STOP = {"stop": "end_turn", "length": "max_tokens", "content_filter": "refusal"}

# Grammar bounds for a small model's answer: greedy decoding of a 135M model loops (a list of
# invented metrics until max_tokens); these end the JSON in a few hundred tokens. Sent to the
# server only: the reply is validated by the unchanged pydantic schema.
ANSWER_BOUNDS = {"anomalies": {"maxItems": 4}, "metric": {"maxLength": 80}}
ANSWER_BOUNDS |= {k: {"maxLength": n} for k, n in (("explanation", 160), ("reasoning", 400))}
ANSWER_BOUNDS |= {"next_step": {"maxLength": 200}}

_deadline: ContextVar[Deadline | None] = ContextVar("sentinel_local_deadline", default=None)


def bounded_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The answer schema with ANSWER_BOUNDS on its properties (in $defs too), for the grammar."""
    out = copy.deepcopy(schema)
    for obj in [out, *out.get("$defs", {}).values()]:
        for name, prop in obj.get("properties", {}).items():
            prop.update(ANSWER_BOUNDS.get(name, {}))
    return out


def source_from_headers(headers: Any) -> ResponseSource:
    return "scripted" if headers.get(SCRIPTED_HEADER) else "live"


def _bound_attempt(request: httpx.Request) -> None:
    """httpx request hook: cut every attempt's timeout (retries included) to the check's
    deadline, so a hung local server cannot hold a check past it."""
    deadline = _deadline.get()
    if deadline is None:
        return
    left = max(deadline.remaining(), 0.001)
    timeout = dict(request.extensions.get("timeout") or {})
    for k in ("connect", "read", "write", "pool"):
        limit = timeout.get(k)
        timeout[k] = left if limit is None else min(limit, left)
    request.extensions["timeout"] = timeout


class OpenAICompatBackend(Backend):
    """A chat-completions server through the official `openai` SDK (its retries and timeouts)."""

    def __init__(self, client: openai.OpenAI, name: str = "local-openai"):
        self.client, self.name = client, name
        timeout = client.timeout
        self.timeout_s = float(timeout.read or 60.0) if hasattr(timeout, "read") else timeout

    @property
    def endpoint(self) -> str:
        return str(self.client.base_url)

    def params(self, request: ModelRequest) -> dict[str, Any]:
        """System prompt first, the same turns as the Claude path, the schema as a grammar."""
        return {
            "model": request.model.api_id,
            "messages": [
                {"role": "system", "content": request.prompt.system},
                *request.messages(),
            ],
            "max_tokens": request.max_tokens,
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": "verdict",
                    "schema": bounded_schema(request.schema),
                    "strict": True,
                },
            },
        }

    def send(self, request: ModelRequest) -> ModelReply:
        params = self.params(request)
        model_id = params["model"]
        client = self.client
        if request.deadline is not None:
            left = request.deadline.check(f"calling {model_id}")
            client = client.with_options(timeout=attempt_timeout(self.timeout_s or 60.0, left))
        token = _deadline.set(request.deadline)
        started = time.perf_counter()
        try:
            raw = client.chat.completions.with_raw_response.create(**params)
            completion = raw.parse()
        except openai.APITimeoutError as exc:
            raise LLMError(f"{self.name} {model_id}: timed out after the SDK's retries") from exc
        except openai.APIStatusError as exc:
            raise LLMError(
                f"{self.name} {model_id}: HTTP {exc.status_code} after the SDK's retries: "
                f"{_short(exc.message)}"
            ) from exc
        except openai.APIConnectionError as exc:
            raise LLMError(
                f"{self.name} {model_id}: cannot connect to {self.endpoint} "
                f"(is the model server running?): {_short(str(exc))}"
            ) from exc
        except openai.OpenAIError as exc:
            raise LLMError(f"{self.name} {model_id}: {_short(str(exc))}") from exc
        finally:
            _deadline.reset(token)
        latency = time.perf_counter() - started
        if not completion.choices:
            raise LLMError(f"{self.name} {model_id}: the server returned no choices")
        choice = completion.choices[0]
        usage = completion.usage
        return ModelReply(
            text=choice.message.content or "",
            stop_reason=FINISH_TO_STOP.get(choice.finish_reason or "", choice.finish_reason),
            usage=Usage(
                input_tokens=(usage.prompt_tokens if usage else 0) or 0,
                output_tokens=(usage.completion_tokens if usage else 0) or 0,
                latency_s=round(latency, 3),
            ),
            response_source=source_from_headers(raw.headers),
            model_id=completion.model or model_id,
            raw=completion.model_dump(mode="json"),  # llama-server adds its `timings` here
        )


class AnthropicCompatBackend(SDKBackend):
    """A Messages-API server (llama-server's /v1/messages) through the `anthropic` SDK."""

    def model_id(self, model: ModelInfo) -> str:
        return model.api_id

    def create(self, client: Any, params: dict[str, Any]) -> tuple[Any, ResponseSource]:
        raw = client.messages.with_raw_response.create(**params)
        return raw.parse(), source_from_headers(raw.headers)


def build_local_backend(llm: LLMConfig, settings: Settings) -> Backend:
    """The SDK client for the configured local server; nothing is contacted until a check."""
    base_url, _ = local_settings(llm, settings)
    key = settings.sentinel_llm_api_key
    api_key = key.get_secret_value() if key else NO_KEY
    if llm.local.api == "openai":
        client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key,
            max_retries=llm.max_retries,
            timeout=llm.timeout_s,
            http_client=openai.DefaultHttpxClient(event_hooks={"request": [_bound_attempt]}),
        )
        return OpenAICompatBackend(client)
    messages_client = anthropic.Anthropic(
        base_url=re.sub(r"/v1/?$", "", base_url),  # the SDK adds /v1/messages itself
        api_key=api_key,
        max_retries=llm.max_retries,
        timeout=llm.timeout_s,
    )
    return AnthropicCompatBackend(messages_client, "local-anthropic")
