"""Read logs from Loki for context: error counts per service and the matching lines.

Selectors are built from label mappings with every value quoted (`selectors.selector`), never by
formatting user text into LogQL. Log queries pin `direction=forward` and page through time so
no request asks for more than Loki's 5,000-entry cap; metric queries are split like PromQL ones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import structlog

from sentinel.config import ServiceConfig, Settings
from sentinel.errors import ConfigError, SourceError
from sentinel.redact import known_secrets, redact
from sentinel.series import empty_series
from sentinel.sources.http import HttpError, JsonClient
from sentinel.sources.prometheus import split_range
from sentinel.sources.selectors import quote, selector

log = structlog.get_logger(__name__)

MAX_ENTRIES_PER_REQUEST = 5_000  # Loki's default max_entries_limit_per_query
ERROR_PATTERN = r"(?i)(error|exception|fatal|panic|traceback)"
ENTRY_COLUMNS = ["timestamp", "line", "labels"]


def service_selector(service: ServiceConfig) -> str:
    """The stream selector for a service: its `loki_selector`, else `{service="<name>"}`."""
    return selector(service.loki_selector or {"service": service.name})


def error_query(stream: str, pattern: str = ERROR_PATTERN) -> str:
    return f"{stream} |~ {quote(pattern)}"


class LokiSource:
    def __init__(self, client: JsonClient, page_size: int = MAX_ENTRIES_PER_REQUEST) -> None:
        self.client = client
        self.page_size = min(page_size, MAX_ENTRIES_PER_REQUEST)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **kw: Any) -> LokiSource:
        s = settings or Settings()
        client = JsonClient("Loki", s.loki_url, timeout_s=s.http_timeout_s, tenant=s.loki_tenant)
        return cls(client, **kw)

    @property
    def description(self) -> str:
        return f"loki:{self.client.shown_url}"

    def close(self) -> None:
        self.client.close()

    def lines(
        self, logql: str, start: datetime, end: datetime, max_entries: int = 20_000
    ) -> pd.DataFrame:
        """Log lines matching `logql` in [start, end), oldest first, at most `max_entries`.

        Pages forward through time: each request starts at the newest timestamp seen so far;
        entries at that same nanosecond are de-duplicated. A frame `attrs["truncated"]` says
        whether `max_entries` cut the result short.
        """
        start_ns, end_ns = _ns(start), _ns(end)
        seen: set[tuple[int, str, str]] = set()
        rows: list[tuple[int, str, str]] = []
        limit = self.page_size
        truncated = False
        while start_ns < end_ns:
            want = min(limit, max_entries - len(rows) + 1)
            try:
                page = self._query_range(logql, start_ns, end_ns, want)
            except HttpError as exc:
                if exc.status == 400 and "limit" in str(exc).lower() and limit > 100:
                    limit //= 2  # the server's cap is lower than ours: split into smaller pages
                    continue
                raise
            fresh = [r for r in page if r not in seen]
            seen.update(fresh)
            rows.extend(fresh)
            if len(rows) > max_entries:
                rows, truncated = sorted(rows)[:max_entries], True
                break
            if len(page) < want:
                break
            if not fresh:  # a full page of entries we already have: all at one nanosecond
                raise SourceError(
                    f"Loki returned more than {want} entries at one timestamp for {logql!r}; "
                    "narrow the query"
                )
            newest = max(r[0] for r in page)
            start_ns = newest
        frame = _entries_frame(sorted(rows))
        frame.attrs["truncated"] = truncated
        if truncated:
            log.warning("loki.truncated", query=logql, max_entries=max_entries)
        return frame

    def newest(self, logql: str, start: datetime, end: datetime, limit: int) -> pd.DataFrame:
        """The newest `limit` lines matching `logql` in [start, end), oldest first: one request
        with `direction=backward` (context wants the latest lines, not the first ones).
        `attrs["truncated"]` is True when the limit was reached (older lines may exist)."""
        limit = min(limit, self.page_size)
        rows = self._query_range(logql, _ns(start), _ns(end), limit, direction="backward")
        frame = _entries_frame(sorted(set(rows))[-limit:])
        frame.attrs["truncated"] = len(rows) >= limit
        return frame

    def error_counts(
        self,
        service: ServiceConfig,
        start: datetime,
        end: datetime,
        step_seconds: int,
        pattern: str = ERROR_PATTERN,
    ) -> pd.Series:
        """Lines matching `pattern` in each step-long window ending at start, start+step, ...

        Windows with no matching line count 0 (Loki omits them). A service with no log stream
        at all is indistinguishable from one without errors: both give zeros.
        """
        stream = service_selector(service)
        logql = f"sum(count_over_time({error_query(stream, pattern)} [{step_seconds}s]))"
        frames = []
        for a, b in split_range(start, end, step_seconds):
            data = self.client.get(
                "/loki/api/v1/query_range",
                {"query": logql, "start": _ns(a), "end": _ns(b), "step": f"{step_seconds}s"},
            )
            frames.append(_matrix_points(data, logql))
        grid = pd.DatetimeIndex(
            [
                t
                for a, b in split_range(start, end, step_seconds)
                for t in _grid(a, b, step_seconds)
            ],
            name="timestamp",
        )
        if len(grid) == 0:
            return empty_series("errors")
        counts = pd.concat(frames) if frames else pd.Series(dtype="float64")
        counts = counts[~counts.index.duplicated(keep="last")]
        return counts.reindex(grid, fill_value=0.0).astype("float64").rename("errors")

    def _query_range(
        self, logql: str, start_ns: int, end_ns: int, limit: int, direction: str = "forward"
    ) -> list:
        data = self.client.get(
            "/loki/api/v1/query_range",
            {
                "query": logql,
                "start": start_ns,
                "end": end_ns,
                "limit": limit,
                "direction": direction,
            },
        )
        result = _data(data, logql)
        if result.get("resultType") != "streams":
            raise SourceError(
                f"Loki query {logql!r} is a metric query; use error_counts or a log query"
            )
        rows = []
        secrets = known_secrets()  # log lines are untrusted and often hold tokens: blank them
        for stream in result.get("result", []):
            labels = _labels_text(stream.get("stream", {}))
            for ts, line, *_ in stream.get("values", []):
                rows.append((int(ts), labels, redact(str(line), secrets)))
        return rows


def _data(body: Any, logql: str) -> dict:
    if not isinstance(body, dict) or body.get("status") != "success" or "data" not in body:
        raise SourceError(f"Loki answered {logql!r} with an unexpected body: {str(body)[:200]}")
    return body["data"]


def _matrix_points(body: Any, logql: str) -> pd.Series:
    result = _data(body, logql).get("result", [])
    times, values = [], []
    for series in result:
        for ts, value in series.get("values", []):
            times.append(float(ts))
            values.append(float(value))
    v = np.asarray(values, dtype="float64")
    t = np.asarray(times, dtype="float64")
    keep = np.isfinite(v)
    index = pd.to_datetime(np.round(t[keep] * 1000), unit="ms", utc=True)
    return pd.Series(v[keep], index=index).groupby(level=0).sum()


def _grid(a: datetime, b: datetime, step_seconds: int) -> list[pd.Timestamp]:
    return list(pd.date_range(a, b, freq=f"{step_seconds}s"))


def _entries_frame(rows: list[tuple[int, str, str]]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame({"timestamp": pd.DatetimeIndex([], tz="UTC"), "line": [], "labels": []})
    ts, labels, lines = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "timestamp": pd.to_datetime(list(ts), unit="ns", utc=True),
            "line": lines,
            "labels": labels,
        }
    )


def _labels_text(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={quote(v)}" for k, v in sorted(labels.items()))


def _ns(t: datetime) -> int:
    if t.tzinfo is None:
        raise ConfigError(f"naive datetime {t!r}: pass a timezone-aware UTC time")
    return int(pd.Timestamp(t).as_unit("ns").value)
