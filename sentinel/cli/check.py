"""`sentinel check`: run one check of every configured service and print the verdicts."""

from __future__ import annotations

from sentinel.cli import app  # noqa: F401
