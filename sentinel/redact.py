"""One redaction function for every boundary where text leaves the process.

Verdicts, sidecars, notebooks, tickets, alerts, logs and error messages all pass through
`redact`, so a credential that reaches an exception message (a URL with `user:password@`, an
echoed `Authorization` header, an API key in a response body) is blanked wherever it goes next.
Two layers: patterns for the shapes credentials take, and the exact values of the secrets this
process was configured with (settings and the usual credential variables), which catches a
password that appears without its `user:` prefix.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, SecretBytes, SecretStr

REDACTED = "[REDACTED]"
_MIN_SECRET_LEN = 6  # shorter values would blank ordinary words; patterns still apply

# Variables whose values are credentials (besides any *_TOKEN/_PASSWORD/_SECRET/_KEY name).
_SECRET_ENV = re.compile(
    r"(^|_)(API_KEY|TOKEN|PASSWORD|PASSWD|SECRET|SECRET_ACCESS_KEY|SESSION_TOKEN|"
    r"ACCESS_KEY_ID|CREDENTIALS?|AUTH)$",
    re.IGNORECASE,
)
_URL_ENV = re.compile(r"(^|_)(URL|URI|DSN|ENDPOINT)$", re.IGNORECASE)

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # scheme://userinfo@host: the whole userinfo (user:password, or a bare token as user)
    (re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@?#\"'<>]+@"), rf"\1{REDACTED}@"),
    # Authorization / Proxy-Authorization headers, in HTTP dumps, dict reprs or JSON
    (
        re.compile(
            r"(?i)((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?)"
            r"(?:(?:bearer|basic|token|digest|aws4-hmac-sha256)\s+)?[^\s\"',}]+"
        ),
        rf"\1{REDACTED}",
    ),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]{8,}"), rf"\1 {REDACTED}"),
    # Anthropic and OpenAI-style keys; AWS access key ids
    (re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{8,}"), REDACTED),
    (re.compile(r"\bsk-[A-Za-z0-9_\-]{20,}"), REDACTED),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), REDACTED),
    # key=value / "key": "value" for names that say credential (query strings, configs, reprs)
    (
        re.compile(
            r"(?i)((?:x-)?(?:api[_\-]?key|access[_\-]?token|auth[_\-]?token|token|password|passwd|"
            r"secret|secret[_\-]?access[_\-]?key|session[_\-]?token|client[_\-]?secret|x-amz-"
            r"security-token)[\"']?\s*[:=]\s*[\"']?)(?!\[REDACTED\])[^\s\"'&,;}<>]+"
        ),
        rf"\1{REDACTED}",
    ),
]

_extra: set[str] = set()
T = TypeVar("T")


def register_secret(*values: str | SecretStr | SecretBytes | None) -> None:
    """Add values to blank verbatim everywhere (e.g. a password handed over in code)."""
    for v in values:
        if isinstance(v, SecretStr):
            v = v.get_secret_value()
        elif isinstance(v, SecretBytes):
            v = v.get_secret_value().decode(errors="ignore")
        if v and len(v) >= _MIN_SECRET_LEN:
            _extra.add(v)


def known_secrets(environ: Mapping[str, str] | None = None) -> list[str]:
    """Secret values configured for this process: credential-named variables, the userinfo of
    URL variables, and registered values; longest first so a value containing another wins."""
    env = os.environ if environ is None else environ
    found = set(_extra) | set(known_secrets_from(env))
    found.update(_dotenv_secrets())
    return sorted((s for s in found if len(s) >= _MIN_SECRET_LEN), key=len, reverse=True)


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """`text` with credentials replaced by `[REDACTED]` (patterns, then known values)."""
    if not text:
        return text
    values = known_secrets() if secrets is None else list(secrets)
    for value in values:
        if value in text:
            text = text.replace(value, REDACTED)
        encoded = json.dumps(value)[1:-1]  # the value as it appears inside JSON text
        if encoded != value and encoded in text:
            text = text.replace(encoded, REDACTED)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


def redact_url(url: str) -> str:
    """A URL for display: userinfo blanked (`http://[REDACTED]@host`), the rest unchanged."""
    return redact(url)


def redact_obj(value: Any, secrets: Iterable[str] | None = None) -> Any:
    """Redact every string inside dicts, lists and tuples; Secret* values become `[REDACTED]`."""
    values = known_secrets() if secrets is None else list(secrets)
    return _walk(value, values)


def redact_model(model: T) -> T:
    """A pydantic model with every string field redacted; the same object when nothing changed."""
    assert isinstance(model, BaseModel)
    text = model.model_dump_json()
    clean = redact(text)
    return model if clean == text else type(model).model_validate_json(clean)  # type: ignore[return-value]


_SECRET_KEY = re.compile(
    r"(^|[_\-])(api[_\-]?key|token|secret|password|passwd|pwd|authorization|auth|cookie|"
    r"credentials?|private[_\-]?key|session[_\-]?id|dsn)$",
    re.IGNORECASE,
)


def redact_event(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: blank credential-named keys and SecretStr values, and `redact`
    every string (recursing into dicts and lists; exceptions become their redacted text)."""
    values = known_secrets()
    return {k: REDACTED if _is_secret_key(k) else _walk(v, values) for k, v in event_dict.items()}


def ensure_log_redaction() -> None:
    """Give structlog's default setup (used when no command configured logging, e.g.
    `sentinel check`) the redaction processor, with tracebacks rendered before it runs."""
    import structlog

    if structlog.is_configured():
        return
    procs = structlog.get_config()["processors"]
    structlog.configure(
        processors=[*procs[:-1], structlog.processors.format_exc_info, redact_event, procs[-1]]
    )


def _is_secret_key(key: Any) -> bool:
    return isinstance(key, str) and bool(_SECRET_KEY.search(key))


def _walk(value: Any, values: list[str]) -> Any:
    if isinstance(value, SecretStr | SecretBytes):
        return REDACTED
    if isinstance(value, str):
        return redact(value, values)
    if isinstance(value, Mapping):
        return {k: REDACTED if _is_secret_key(k) else _walk(v, values) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return type(value)(_walk(v, values) for v in value)
    if isinstance(value, BaseException):
        return redact(str(value), values)
    return value


def userinfo_secrets(url: str | None) -> list[str]:
    """The secret part of a URL's userinfo: the password, or the whole userinfo when it is a
    bare token (`https://TOKEN@host`); the user name of `user:password` is not secret."""
    if not url:
        return []
    m = re.match(r"(?i)[a-z][a-z0-9+.\-]*://([^/\s@?#]+)@", url)
    if not m:
        return []
    userinfo = m.group(1)
    password = userinfo.partition(":")[2]
    if password:
        return [password]
    # a bare user name (`http://sentinel@host`) is no secret; a bare token is long and mixed
    token_like = len(userinfo) >= 12 and not userinfo.isalpha()
    return [userinfo] if token_like else []


_dotenv_cache: dict[tuple[str, float], list[str]] = {}


def _dotenv_secrets() -> list[str]:
    """Secret values in ./.env, which Settings reads without putting them in os.environ."""
    try:
        path = os.path.abspath(".env")
        mtime = os.path.getmtime(path)
    except OSError:
        return []
    key = (path, mtime)
    if key not in _dotenv_cache:
        from dotenv import dotenv_values

        values = {k: v for k, v in dotenv_values(path).items() if v}
        _dotenv_cache.clear()
        _dotenv_cache[key] = known_secrets_from(values)
    return _dotenv_cache[key]


def known_secrets_from(values: Mapping[str, str]) -> list[str]:
    """Secret values among `values` by the same rules as the environment (no .env, no extras)."""
    found: set[str] = set()
    for name, value in values.items():
        if not value:
            continue
        if _SECRET_ENV.search(name):
            found.add(value)
        elif _URL_ENV.search(name) and "@" in value:
            found.update(userinfo_secrets(value))
    return [s for s in found if len(s) >= _MIN_SECRET_LEN]
