"""Read metrics from Prometheus or Mimir (any server speaking the Prometheus HTTP API).

Built on prometheus-api-client's `PrometheusConnect`, with what it leaves out: a timeout on every
request (its default is to wait forever), auth and tenant headers from Settings, long ranges split
so no request exceeds Prometheus' 11,000 points per series, and errors that say what failed.
"""

from __future__ import annotations

import ast
import json
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import requests
import urllib3
from prometheus_api_client import PrometheusApiClientException, PrometheusConnect
from urllib3.util.retry import Retry

from sentinel.config import MetricConfig, ServiceConfig, Settings
from sentinel.errors import ConfigError, SourceError
from sentinel.redact import redact, redact_url
from sentinel.series import clean_series, empty_series

MAX_POINTS_PER_SERIES = 11_000  # Prometheus rejects query_range requests above this
RETRY_STATUSES = (429, 502, 503, 504)


class PrometheusSource:
    """A MetricSource over the Prometheus HTTP API (Prometheus, Mimir, Thanos, VictoriaMetrics)."""

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 30.0,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        retries: int = 2,
        max_points: int = MAX_POINTS_PER_SERIES,
    ) -> None:
        if timeout_s <= 0:
            raise ConfigError(f"Prometheus timeout must be positive, got {timeout_s}")
        self.url = url.rstrip("/")
        self.shown_url = redact_url(self.url)  # for messages: never the userinfo
        self.timeout_s = timeout_s
        self.max_points = max_points
        # Connection errors and 429/502/503/504 are retried a bounded number of times; read
        # timeouts are not (a slow query stays slow) and the final 5xx body is kept for the error.
        retry = Retry(
            total=retries,
            connect=retries,
            read=0,
            status=retries,
            backoff_factor=0.5,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET", "POST"}),
            raise_on_status=False,
        )
        self.client = PrometheusConnect(
            url=self.url, headers=headers or {}, auth=auth, retry=retry, timeout=timeout_s
        )

    @classmethod
    def from_settings(cls, settings: Settings | None = None, url: str | None = None, **kw: Any):
        """Build from PROMETHEUS_URL, _TOKEN (bearer), _USERNAME/_PASSWORD (basic), _TENANT."""
        settings = settings or Settings()
        url = url or settings.prometheus_url
        if not url:
            raise ConfigError("PROMETHEUS_URL is not set (env or .env), and no --url was given")
        return cls(
            url,
            timeout_s=settings.prometheus_timeout_s,
            headers=auth_headers(settings),
            auth=basic_auth(settings),
            **kw,
        )

    @property
    def description(self) -> str:
        return f"prometheus:{self.shown_url}"

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> PrometheusSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------------------------------
    # MetricSource
    # ----------------------------------------------------------------------------------------

    def range(
        self,
        service: ServiceConfig,
        metric: MetricConfig,
        start: datetime,
        end: datetime,
        step_seconds: int,
    ) -> pd.Series:
        """The metric's configured PromQL over [start, end]; must yield at most one series."""
        frame = self.query_range(metric.query, start, end, step_seconds)
        if frame.empty:
            return empty_series(metric.name)
        labels = label_columns(frame)
        distinct = frame[labels].drop_duplicates() if labels else frame.iloc[:0]
        if len(distinct) > 1:
            shown = "; ".join(
                "{" + ", ".join(f"{k}={v!r}" for k, v in row.items() if v is not None) + "}"
                for row in distinct.head(3).to_dict("records")
            )
            raise SourceError(
                f"{service.name}/{metric.name}: query {metric.query!r} returned "
                f"{len(distinct)} series (e.g. {shown}); a metric query must return one "
                f"series: wrap it in sum(...) or max(...)"
            )
        series = pd.Series(frame["value"].to_numpy(), index=frame["timestamp"])
        return clean_series(series, metric.name, keep_inf=True)

    # ----------------------------------------------------------------------------------------
    # PromQL
    # ----------------------------------------------------------------------------------------

    def query_range(
        self, promql: str, start: datetime, end: datetime, step_seconds: int
    ) -> pd.DataFrame:
        """Evaluate `promql` at start, start+step, ... <= end, in as many requests as needed.

        Returns a tidy frame: `timestamp` (UTC), one column per label, `value` (finite float).
        An empty result is an empty frame (no data), not an error.
        """
        if step_seconds <= 0:
            raise SourceError(f"step must be positive, got {step_seconds}")
        frames = []
        for chunk_start, chunk_end in split_range(start, end, step_seconds, self.max_points):
            result = self._call(
                promql,
                lambda cs=chunk_start, ce=chunk_end: self.client.custom_query_range(
                    promql, cs, ce, str(step_seconds), params=self._server_timeout()
                ),
            )
            frames.append(result_frame(result, promql))
        return concat_frames(frames)

    def instant(self, promql: str, at: datetime) -> pd.DataFrame:
        """Evaluate `promql` at one time. Range-vector selectors (`x[1h]`) give raw samples."""
        at = _utc(at)
        params = {"time": f"{at.timestamp():.3f}", **self._server_timeout()}
        result = self._call(promql, lambda: self.client.custom_query(promql, params=params))
        return result_frame(result, promql)

    def raw_samples(self, selector: str, start: datetime, end: datetime) -> pd.DataFrame:
        """Every stored sample of `selector` in (start, end], fetched in windows of bounded size.

        Uses instant queries of range-vector selectors (`selector[Ns]`), which return samples
        with their scrape timestamps, unlike query_range, which resamples onto a grid.
        """
        start, end = _utc(start), _utc(end)
        window = timedelta(hours=6)
        frames, t = [], start
        while t < end:
            upper = min(t + window, end)
            seconds = max(1, math.ceil((upper - t).total_seconds()))
            frames.append(self.instant(f"{selector}[{seconds}s]", upper))
            t = upper
        frame = concat_frames(frames)
        if frame.empty:
            return frame
        return frame[(frame["timestamp"] > start) & (frame["timestamp"] <= end)].reset_index(
            drop=True
        )

    # ----------------------------------------------------------------------------------------

    def _server_timeout(self) -> dict[str, str]:
        """Ask the server to give up no later than we do, so it does not keep working for nobody."""
        return {"timeout": f"{self.timeout_s:g}s"}

    def _call(self, promql: str, request: Any) -> Any:
        """`request()`, with every failure a SourceError whose text holds no credential."""
        try:
            return self._call_raw(promql, request)
        except SourceError as exc:
            raise SourceError(redact(str(exc))) from exc.__cause__

    def _call_raw(self, promql: str, request: Any) -> Any:
        try:
            return request()
        except (requests.Timeout, requests.ConnectionError) as exc:
            if not _is_timeout(exc):
                raise SourceError(
                    f"cannot reach Prometheus at {self.shown_url}: {_reason(exc)} (check PROMETHEUS_URL)"
                ) from exc
            raise SourceError(
                f"Prometheus at {self.shown_url} did not answer within {self.timeout_s:g}s "
                f"(PROMETHEUS_TIMEOUT_S) for query {promql!r}"
            ) from exc
        except (requests.JSONDecodeError, KeyError, TypeError) as exc:
            # a 200 whose body is not {"data": {"result": ...}}: not a Prometheus API
            raise SourceError(
                f"{self.shown_url} answered with something that is not Prometheus API JSON "
                f"(is the URL right?): {exc}"
            ) from exc
        except requests.RequestException as exc:
            raise SourceError(f"request to Prometheus at {self.shown_url} failed: {exc}") from exc
        except PrometheusApiClientException as exc:
            raise SourceError(self._http_error(promql, str(exc))) from exc

    def _http_error(self, promql: str, message: str) -> str:
        status, body = parse_client_error(message)
        detail = body.get("error") if isinstance(body, dict) else None
        detail = detail or (str(body)[:300] if body else message[:300])
        if status in (400, 422):
            return f"Prometheus at {self.shown_url} rejected query {promql!r}: {detail}"
        if status in (401, 403):
            return (
                f"Prometheus at {self.shown_url} refused access (HTTP {status}): check "
                f"PROMETHEUS_TOKEN, PROMETHEUS_USERNAME/PASSWORD and PROMETHEUS_TENANT"
            )
        return (
            f"Prometheus at {self.shown_url} returned HTTP {status} for query {promql!r}: {detail}"
        )


# --------------------------------------------------------------------------------------------
# Pure helpers
# --------------------------------------------------------------------------------------------


def auth_headers(settings: Settings) -> dict[str, str]:
    headers: dict[str, str] = {}
    if settings.prometheus_token is not None:
        headers["Authorization"] = f"Bearer {settings.prometheus_token.get_secret_value()}"
    if settings.prometheus_tenant:
        headers["X-Scope-OrgID"] = settings.prometheus_tenant
    return headers


def basic_auth(settings: Settings) -> tuple[str, str] | None:
    if settings.prometheus_username is None:
        return None
    if settings.prometheus_token is not None:
        raise ConfigError("set PROMETHEUS_TOKEN or PROMETHEUS_USERNAME/PASSWORD, not both")
    password = settings.prometheus_password
    return settings.prometheus_username, password.get_secret_value() if password else ""


def split_range(
    start: datetime, end: datetime, step_seconds: int, max_points: int = MAX_POINTS_PER_SERIES
) -> list[tuple[datetime, datetime]]:
    """Chunks of the evaluation grid start, start+step, ... <= end, each at most max_points long.

    Every chunk starts on the original grid, so the concatenated result equals one big query.
    Start is rounded up to a whole second (the client sends whole seconds).
    """
    start = _ceil_second(_utc(start))
    end = _utc(end)
    if end < start:
        return []
    step = timedelta(seconds=step_seconds)
    total = int((end - start) // step) + 1
    chunks = []
    for first in range(0, total, max_points):
        last = min(first + max_points, total) - 1
        chunks.append((start + first * step, start + last * step))
    return chunks


def result_frame(result: Any, promql: str = "") -> pd.DataFrame:
    """A tidy frame from a `data.result` of any type: matrix, vector, scalar or string."""
    if not result:
        return _empty_frame()
    if isinstance(result, list) and len(result) == 2 and not isinstance(result[0], dict):
        result = [{"metric": {}, "value": result}]  # scalar
    times, values, codes, label_sets = [], [], [], []
    for item in result:
        if not isinstance(item, dict):
            raise SourceError(f"unexpected Prometheus result for {promql!r}: {str(item)[:200]}")
        pairs = item.get("values") or ([item["value"]] if "value" in item else [])
        if not pairs:
            continue
        t = np.fromiter((p[0] for p in pairs), dtype="float64", count=len(pairs))
        v = np.fromiter((_float(p[1]) for p in pairs), dtype="float64", count=len(pairs))
        times.append(t)
        values.append(v)
        codes.append(np.full(len(pairs), len(label_sets), dtype="int64"))
        label_sets.append(item.get("metric") or {})
    if not times:
        return _empty_frame()
    t, v, c = np.concatenate(times), np.concatenate(values), np.concatenate(codes)
    # NaN (0/0, stale markers) is a gap; +-Inf (x/0, a quantile past the last bucket) is a reading
    keep = ~np.isnan(v)
    t, v, c = t[keep], v[keep], c[keep]
    data: dict[str, Any] = {"timestamp": pd.to_datetime(np.round(t * 1000), unit="ms", utc=True)}
    # one column per label name; a series lacking that label gets None there
    keys = sorted({k for labels in label_sets for k in labels})
    for k in keys:
        data[k] = np.array([ls.get(k) for ls in label_sets], dtype=object)[c]
    data["value"] = v
    frame = pd.DataFrame(data)
    return frame.sort_values([*keys, "timestamp"], kind="stable").reset_index(drop=True)


def concat_frames(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return _empty_frame()
    frame = pd.concat(frames, ignore_index=True)
    labels = label_columns(frame)
    frame = frame.drop_duplicates(subset=[*labels, "timestamp"], keep="last")
    return frame.sort_values([*labels, "timestamp"], kind="stable").reset_index(drop=True)


def label_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in ("timestamp", "value")]


def parse_client_error(message: str) -> tuple[int | None, Any]:
    """Status and decoded JSON body from prometheus-api-client's `HTTP Status Code N (b'...')`."""
    match = re.match(r"HTTP Status Code (\d+) \((b.*)\)\s*$", message, re.S)
    if not match:
        return None, None
    status = int(match.group(1))
    try:
        raw = ast.literal_eval(match.group(2))
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    except (ValueError, SyntaxError):
        return status, None
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text.strip()


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "timestamp": pd.DatetimeIndex([], tz="UTC"),
            "value": pd.Series([], dtype="float64"),
        }
    )


def _float(text: Any) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


def _utc(t: datetime) -> datetime:
    if t.tzinfo is None:
        raise SourceError(f"naive datetime {t!r}: pass a timezone-aware UTC time")
    return t.astimezone(UTC)


def _ceil_second(t: datetime) -> datetime:
    return t if t.microsecond == 0 else t.replace(microsecond=0) + timedelta(seconds=1)


def _is_timeout(exc: Exception) -> bool:
    """requests reports a read timeout that urllib3 gave up retrying as a ConnectionError."""
    if isinstance(exc, requests.Timeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    if isinstance(reason, urllib3.exceptions.NewConnectionError):  # refused: not a timeout
        return False
    return isinstance(reason, urllib3.exceptions.TimeoutError)


def _reason(exc: Exception) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "No route to host"):
        if marker in text:
            return marker.lower()
    return text[:200]
