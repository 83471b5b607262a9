"""What `sentinel eval run` shows in a terminal: an ETA worth reading and the headline table."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel.cli import main
from sentinel.evaluation.progress import EtaBar, eta_text, warmup_checks
from tests.evalkit import make_suite


def test_eta_waits_for_the_warm_up_then_uses_the_rate_since():
    assert warmup_checks(100) == 10 and warmup_checks(5000) == 100
    assert eta_text(120, 3, None, 50.0, 10) == ("ETA after warm-up", None)
    _, mark = eta_text(120, 10, None, 100.0, 10)
    assert mark == (100.0, 10)
    assert eta_text(120, 20, mark, 110.0, 10)[0] == "ETA 01:40"  # 1 check/s, 100 to go


def test_a_slow_cold_start_does_not_inflate_the_eta():
    now = [0.0]
    with EtaBar(1000, "eval", disable=True, clock=lambda: now[0]) as bar:
        now[0] = 600.0  # ten minutes for the first 20 cold checks
        bar.set(20)
        for _ in range(100):
            now[0] += 0.1  # then 10 checks/s
            bar.update(1)
        assert bar.bar.postfix == "ETA 01:28"  # 880 left at 10/s, not hours


def test_eval_run_prints_its_headline_table_when_it_ends(tmp_path: Path, capsys, monkeypatch):
    for name in ("ANTHROPIC_API_KEY", "AWS_REGION", "BEDROCK_MODEL_ID", "SENTINEL_LLM_MODE"):
        monkeypatch.delenv(name, raising=False)
    fixtures, config, suite = make_suite(tmp_path)
    argv = ["eval", "run", "--suite", str(suite), "--config", str(config)]
    argv += ["--fixtures-dir", str(fixtures), "--replay-dir", str(tmp_path / "replays")]
    argv += ["--strategies", "statistical:zscore llm:haiku", "--cadence", "15m"]
    argv += ["--bootstrap", "50", "--jobs", "1", "--out", str(tmp_path / "out")]
    with pytest.raises(SystemExit) as exited:
        main(argv)
    out = capsys.readouterr().out
    assert exited.value.code in (0, None)
    header = next(line for line in out.splitlines() if line.startswith("strategy"))
    assert "F1 [95% CI]" in header and "FA/day [95% CI]" in header and "NAB" in header
    row = next(line for line in out.splitlines() if line.startswith("statistical:zscore"))
    assert "[" in row and "$0.00" in row
    assert "llm:haiku: not run: no credentials" in out
    assert out.rstrip().splitlines()[-1].startswith("report: ")
