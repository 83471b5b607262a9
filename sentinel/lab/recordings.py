"""What a recorded model actually answered: one row per shipped recording, for notebook 02.

Reads `<dir>/<model alias>/*.json` (sentinel.llm.replay's format) as they are: the answer text,
whether it passes the verdict schema, why generation stopped, tokens, latency and, for
llama-server, its own prompt/generation speed. Nothing is re-asked or made up.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from sentinel.llm.schema import answer_model

CHECK_TIME = re.compile(r'"check_time": "([^"]+)"')
SERVICE = re.compile(r'"name": "([^"]+)"')


def recorded_answers(folder: Path, excerpt_chars: int = 160) -> pd.DataFrame:
    """One row per recording in `folder` (a model alias's folder), in check-time order."""
    rows = []
    for path in sorted(Path(folder).glob("*.json")):
        rec = json.loads(path.read_text())
        resp, user = rec["response"], rec["request"]["messages"][0]["content"]
        timings = (resp.get("raw") or {}).get("timings") or {}
        status, valid = "-", False
        try:
            status = answer_model(rec["prompt_version"]).model_validate_json(resp["text"]).status
            valid = True
        except ValidationError:
            pass
        at, svc = CHECK_TIME.search(user), SERVICE.search(user)
        rows.append(
            {
                "service": svc.group(1) if svc else "?",
                "check_time": at.group(1) if at else "?",
                "source": resp.get("source", "?"),
                "stop": resp["stop_reason"],
                "schema_valid": valid,
                "model_status": status,
                "input_tokens": resp["usage"]["input_tokens"],
                "output_tokens": resp["usage"]["output_tokens"],
                "latency_s": resp["usage"]["latency_s"],
                "prompt_tok_s": round(timings.get("prompt_per_second", float("nan")), 1),
                "gen_tok_s": round(timings.get("predicted_per_second", float("nan")), 1),
                "answer": " ".join(resp["text"].split())[:excerpt_chars],
            }
        )
    frame = pd.DataFrame(rows)
    return frame.sort_values(["service", "check_time"]).reset_index(drop=True) if rows else frame
