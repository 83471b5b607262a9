"""Versioned prompt templates (prompts/<version>.md) and their rendering for one check.

A template has a static `system` part (identical for every check, so it is cached with
cache_control) and a `user` part whose $placeholders are filled from the check. v2 puts every
piece of data (metric names, label values, descriptions, log lines) inside fenced
`<untrusted_data>` blocks as JSON in which angle brackets and their look-alikes are escaped, so no
data can close a block or pose as an instruction.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Any

from sentinel.context.render import context_text
from sentinel.errors import ConfigError
from sentinel.llm.context import check_context, evidence_context
from sentinel.llm.schema import LEGACY_PROMPTS
from sentinel.pipeline import Assessment, ServiceData

PROMPTS_DIR = Path(__file__).with_name("prompts")
DEFAULT_PROMPT = "v3"
_PART = re.compile(r"^<!-- part: (system|user) -->\s*$", re.MULTILINE)
_COMMENT = re.compile(r"\A\s*<!--.*?-->\s*", re.DOTALL)

# Characters that could open or close a fence, or pass for one, escaped as JSON \uXXXX.
_FENCE_LOOKALIKES = "<>＜＞‹›〈〉⟨⟩《》﹤﹥❮❯"
_ESCAPES = {ord(c): f"\\u{ord(c):04x}" for c in _FENCE_LOOKALIKES}


@dataclass(frozen=True)
class PromptTemplate:
    """One prompt version: a static system part and a user template."""

    version: str
    system: str
    user: Template
    sha256: str

    def render(self, data: ServiceData, assessment: Assessment) -> RenderedPrompt:
        """Fill the user template for one check; the system part never changes."""
        legacy = self.version in LEGACY_PROMPTS  # old versions render exactly as they did
        ctx = (check_context if legacy else evidence_context)(data, assessment)
        values = {
            "service": data.service.name,
            "check_time": data.at.isoformat(),
            "metrics_list": _seed_metrics_list(ctx) if legacy else "",
            "data_blocks": data_blocks(ctx, compact=not legacy),
        }
        if data.context is not None:  # without context the prompt is byte-identical to before
            values["data_blocks"] += "\n\n" + context_text(data.context)
        try:
            user = self.user.substitute(values)
        except (KeyError, ValueError) as exc:
            raise ConfigError(f"prompt {self.version}: bad placeholder {exc}") from exc
        return RenderedPrompt(version=self.version, system=self.system, user=user)


@dataclass(frozen=True)
class RenderedPrompt:
    """The text of one request: what the replay key and the token estimate are computed from."""

    version: str
    system: str
    user: str


def escape_data(text: str) -> str:
    """Neutralise fence delimiters and their Unicode look-alikes inside data text."""
    return text.translate(_ESCAPES)


def fence(kind: str, payload: Any, compact: bool = False) -> str:
    """One untrusted-data block: JSON (control characters escaped) with fence look-alikes escaped.

    `compact` writes a list one item per line (v3: a metric with its trajectory per line, about
    half the tokens of the indented form) and a dict on one line; the block is valid JSON either
    way.
    """
    if compact and isinstance(payload, list):
        items = ",\n".join(json.dumps(p, ensure_ascii=False) for p in payload)
        text = f"[\n{items}\n]"
    elif compact and isinstance(payload, dict):
        text = json.dumps(payload, ensure_ascii=False)
    else:
        text = json.dumps(payload, indent=1, ensure_ascii=False, sort_keys=False)
    return f'<untrusted_data kind="{kind}">\n{escape_data(text)}\n</untrusted_data>'


def data_blocks(ctx: dict[str, Any], compact: bool = False) -> str:
    """The data section: service, detector summary, metrics, then log lines, each fenced."""
    blocks = [
        fence(
            "service",
            {
                "service": ctx["service"],
                "check_time": ctx["check_time"],
                "detectors": ctx["detectors"],
                "missing_metrics": ctx["missing_metrics"],
            },
        ),
        fence("metrics", ctx["metrics"], compact),
    ]
    if ctx["log_lines"]:
        blocks.append(fence("log_lines", ctx["log_lines"], compact))
    return "\n\n".join(blocks)


def _seed_metrics_list(ctx: dict[str, Any]) -> str:
    """The seed's plain listing: `- name: current unit (baseline median)`, unfenced on purpose."""
    lines = []
    for m in ctx["metrics"]:
        lines.append(
            f"- {m['name']}: {m['current']} {m['unit']} (baseline {m['baseline']['median']})"
        )
    return "\n".join(lines) or "- (no metrics with data)"


@lru_cache(maxsize=16)
def load_prompt(version: str = DEFAULT_PROMPT) -> PromptTemplate:
    """Read prompts/<version>.md; an unknown version lists the available ones."""
    path = PROMPTS_DIR / f"{version}.md"
    if not path.is_file():
        raise ConfigError(f"no prompt {version!r} in {PROMPTS_DIR} (available: {available()})")
    text = path.read_text()
    parts = _PART.split(_COMMENT.sub("", text, count=1))
    sections = dict(zip(parts[1::2], parts[2::2], strict=True))
    if set(sections) != {"system", "user"}:
        raise ConfigError(f"{path}: needs '<!-- part: system -->' and '<!-- part: user -->'")
    return PromptTemplate(
        version=version,
        system=sections["system"].strip(),
        user=Template(sections["user"].strip()),
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


def available() -> str:
    return ", ".join(sorted(p.stem for p in PROMPTS_DIR.glob("*.md")))
