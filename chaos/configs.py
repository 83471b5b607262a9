"""Malformed config files: each must fail at load with an error naming file, key and problem
(quoted in the table)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from chaos.table import Row, guarded

GROUP = "config"
GOOD_SERVICE = "services:\n  - name: api\n    interval_seconds: 30\n    metrics:\n      - {name: m, query: up}\n"
FILES = {
    "not YAML": "services: [\n  - name: api\n",
    "tab indentation": "services:\n\t- name: api\n",
    "a list, not a mapping": "- name: api\n",
    "empty file": "",
    "unknown key": GOOD_SERVICE + "detction: {}\n",
    "wrong type": GOOD_SERVICE.replace("30", "thirty"),
    "negative interval": GOOD_SERVICE.replace("30", "-5"),
    "duplicate service": GOOD_SERVICE + "  - name: api\n    interval_seconds: 30\n    metrics: [{name: m, query: up}]\n",
    "duplicate YAML key": GOOD_SERVICE + "history_days: 7\nhistory_days: 100\n",
    "history_days: 100000": GOOD_SERVICE + "history_days: 100000\n",
    "unknown prompt": GOOD_SERVICE + "llm: {prompt: v999}\n",
    "unknown detector": GOOD_SERVICE + "detection: {detector: nope}\n",
    "bad duration": GOOD_SERVICE.replace("query: up}", "query: up, rate_window: 5 minutes}"),
    "levels not increasing": GOOD_SERVICE + "detection: {levels: {watch: 0.9, warning: 0.5, critical: 0.7}}\n",
    "binary garbage": "\x00\x01\xff",
}  # fmt: skip
# Accepting these is the faults helper's (#21) to fix: duplicate keys, bounds, prompts at load.
FAULTS_OWNED = {"duplicate YAML key", "history_days: 100000", "unknown prompt"}


def _row(name: str, text: str) -> Row:
    from sentinel.config import load_config
    from sentinel.errors import ConfigError

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "services.yaml"
        path.write_text(text, errors="surrogateescape")
        try:
            load_config(path)
        except ConfigError as exc:
            message = str(exc).replace(tmp + "/", "")
            return Row(GROUP, name, f"error: {message.splitlines()[0][:160]}")
    verdict = "note (faults #21)" if name in FAULTS_OWNED else "note"
    return Row(GROUP, name, "accepted without error", verdict)


def rows(quick: bool = False) -> list[Row]:
    return [guarded(GROUP, n, lambda n=n, t=t: _row(n, t)) for n, t in FILES.items()]
