"""A small JSON-over-HTTP client for Loki and Tempo: timeout always, tenant header, bounded
retries (tenacity) for connection errors and 5xx only, and errors that say what failed."""

from __future__ import annotations

from typing import Any

import requests
from tenacity import (
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from sentinel.errors import ConfigError, SourceError
from sentinel.redact import redact, redact_url


class _Transient(Exception):
    """A failure worth one more try: connection refused/reset, or a 5xx answer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class HttpError(SourceError):
    """A 4xx answer: the request itself is wrong; never retried."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class JsonClient:
    """GET JSON from one base URL. `name` (Loki, Tempo) appears in every error."""

    def __init__(
        self,
        name: str,
        url: str | None,
        *,
        timeout_s: float,
        tenant: str | None = None,
        headers: dict[str, str] | None = None,
        attempts: int = 3,
        backoff_s: float = 0.5,
    ) -> None:
        if not url:
            raise ConfigError(f"{name.upper()}_URL is not set (env or .env)")
        if timeout_s <= 0:
            raise ConfigError(f"{name} timeout must be positive, got {timeout_s}")
        self.name, self.url, self.timeout_s = name, url.rstrip("/"), timeout_s
        self.shown_url = redact_url(self.url)  # for messages: never the userinfo
        self.session = requests.Session()
        self.session.headers.update(headers or {})
        if tenant:
            self.session.headers["X-Scope-OrgID"] = tenant
        self._get = retry(
            retry=retry_if_exception(lambda e: isinstance(e, _Transient)),
            stop=stop_after_attempt(max(1, attempts)),
            wait=wait_exponential(multiplier=backoff_s, max=5),
            reraise=True,
        )(self._get_once)

    def close(self) -> None:
        self.session.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """The JSON body; every failure is a SourceError whose text holds no credential."""
        try:
            return self._get(path, params or {})
        except _Transient as exc:
            raise SourceError(redact(exc.message)) from None
        except HttpError as exc:
            raise HttpError(exc.status, redact(str(exc))) from exc.__cause__
        except SourceError as exc:
            raise SourceError(redact(str(exc))) from exc.__cause__

    def _get_once(self, path: str, params: dict[str, Any]) -> Any:
        url = f"{self.shown_url}{path}"
        try:
            resp = self.session.get(url, params=params, timeout=self.timeout_s)
        except requests.Timeout as exc:
            raise SourceError(
                f"{self.name} at {self.shown_url} did not answer within {self.timeout_s:g}s "
                f"(HTTP_TIMEOUT_S) for {path}"
            ) from exc
        except requests.ConnectionError as exc:
            raise _Transient(
                f"cannot reach {self.name} at {self.shown_url}: {_short(exc)}"
            ) from exc
        if resp.status_code >= 500:
            raise _Transient(
                f"{self.name} at {self.shown_url} returned HTTP {resp.status_code} for {path}: "
                f"{resp.text.strip()[:300]}"
            )
        if resp.status_code >= 400:
            raise HttpError(
                resp.status_code,
                f"{self.name} at {self.shown_url} rejected {path} (HTTP {resp.status_code}): "
                f"{resp.text.strip()[:500]}",
            )
        try:
            return resp.json()
        except ValueError as exc:
            raise SourceError(
                f"{self.name} at {self.shown_url} answered {path} with something that is not JSON "
                f"(is the URL right?)"
            ) from exc


def _short(exc: Exception) -> str:
    text = str(exc)
    return "connection refused" if "Connection refused" in text else text[:200]
