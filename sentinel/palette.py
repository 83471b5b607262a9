"""The one colour palette of every plot (check figures, lab plots, eval report figures).

A status, a labelled incident or an alarm has the same colour wherever it is drawn, so a reader
who learnt it in one figure can read the next.
"""

from __future__ import annotations

from sentinel.models import Status

STATUS_COLOURS: dict[Status, str] = {
    Status.UNKNOWN: "#9e9e9e",
    Status.NORMAL: "#4caf50",
    Status.WATCH: "#fbc02d",
    Status.WARNING: "#fb8c00",
    Status.CRITICAL: "#d32f2f",
}
INCIDENT = "#d62728"  # a labelled incident window (drawn with alpha)
HARD_NEGATIVE = "#7f7f7f"  # a labelled must-not-alert window (hatched)
ALARM = "#ff7f0e"  # a detector's alarm / threshold
BAND = "#1f77b4"  # the seasonal expectation and its band
VALUE = "#263238"  # the observed series
