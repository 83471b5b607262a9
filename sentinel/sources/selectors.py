"""Build and take apart series selectors without formatting untrusted text into queries.

PromQL, LogQL and TraceQL all quote strings like Go does; `quote` makes any value (quotes,
backslashes, newlines, any service name) a single safe string literal, and `selector` builds
`{name="value",...}` from a mapping with validated label names.
"""

from __future__ import annotations

import json
import re

from sentinel.errors import ConfigError

LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_STRING = r'"(?:[^"\\]|\\.)*"'
_SELECTOR = rf"(?:[a-zA-Z_:][\w:]*)?\s*(?:\{{(?:[^{{}}\"]|{_STRING})*\}})?"
_RATE = re.compile(rf"\b(?:rate|irate|increase)\s*\(\s*({_SELECTOR})\s*\[[^\]]+\]\s*\)")
_AGG = re.compile(rf"^\s*(?:sum|max|min|avg)\s*\(\s*({_SELECTOR})\s*\)\s*$")
_MATCHER = re.compile(rf"\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|!~|=)\s*({_STRING})\s*(,|$)")


def quote(value: str) -> str:
    """A double-quoted Go-style string literal holding exactly `value`.

    JSON string escaping is a subset of Go's (`\\"`, `\\\\`, `\\n`, `\\uXXXX`), so the JSON
    encoding of a string is a valid PromQL/LogQL/TraceQL literal with the same content.
    """
    return json.dumps(str(value), ensure_ascii=False)


def selector(labels: dict[str, str], metric: str = "") -> str:
    """`metric{k="v",...}` with every value quoted; label names must be valid identifiers."""
    if metric and not METRIC_NAME.match(metric):
        raise ConfigError(f"invalid metric name {metric!r}")
    parts = []
    for name, value in labels.items():
        if not LABEL_NAME.match(name):
            raise ConfigError(f"invalid label name {name!r} (letters, digits, _ only)")
        parts.append(f"{name}={quote(value)}")
    return f"{metric}{{{','.join(parts)}}}"


def parse_selector(text: str) -> tuple[str, dict[str, str]]:
    """Metric name and labels of an equality-only selector such as `up{job="api"}`."""
    text = text.strip()
    match = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(.*)\})?\s*$", text, re.S)
    if not match:
        raise ConfigError(f'not a series selector: {text!r} (expected name{{label="value"}})')
    name, body = match.group(1), (match.group(2) or "").strip()
    labels: dict[str, str] = {}
    pos = 0
    while pos < len(body):
        m = _MATCHER.match(body, pos)
        if not m or m.end() == pos:
            raise ConfigError(f"cannot parse label matchers in {text!r}")
        if m.group(2) != "=":
            raise ConfigError(
                f"selector {text!r} uses {m.group(2)!r}: a fixture series needs exact labels (=)"
            )
        labels[m.group(1)] = json.loads(m.group(3))
        pos = m.end()
    return name, labels


def counter_selector(query: str) -> str:
    """The one series selector inside `rate()`/`irate()`/`increase()` of a counter query."""
    found = {m.group(1).strip() for m in _RATE.finditer(query)}
    if len(found) != 1:
        what = "no rate()/increase()" if not found else f"{len(found)} different selectors"
        raise ConfigError(
            f"cannot tell which raw counter to record from {query!r} ({what}); "
            f"set `series:` on the metric in services.yaml"
        )
    return found.pop()


def gauge_selector(query: str) -> str | None:
    """The selector of `sum|max|min|avg(selector)` or a bare selector; None for anything else."""
    match = _AGG.match(query)
    if match and match.group(1).strip():
        return match.group(1).strip()
    try:
        parse_selector(query)
    except ConfigError:
        return None
    return query.strip()
