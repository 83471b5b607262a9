"""Logs and traces as the judge's context: what Loki and Tempo saw while the metrics moved.

Collected only when the gate escalates a check (`ContextJudge`), bounded (patterns, not raw lines;
a few slow or failed traces; a token budget), redacted, and rendered into the prompt as fenced
untrusted data. A missing, slow or failing Loki/Tempo never blocks a verdict: the check goes on
without that part and the verdict's provenance note says what was missing.
"""

from sentinel.context.models import CheckContext, LogPattern, TraceRow

__all__ = ["CheckContext", "LogPattern", "TraceRow"]
