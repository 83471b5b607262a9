"""`python -m chaos [--quick] [--only GROUP ...]`: run the fault matrix and print its table."""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from chaos.table import Row, render

GROUPS = ["secrets", "prometheus", "series", "model", "injection", "budget", "configs", "alerts", "restarts", "load"]  # fmt: skip


def run(groups: list[str], quick: bool) -> list[Row]:
    import importlib

    rows: list[Row] = []
    for name in groups:
        t0 = time.monotonic()
        try:
            found = importlib.import_module(f"chaos.{name}").rows(quick=quick)
        except Exception as exc:  # a broken group is a row, not the end of the run
            found = [Row(name, "(whole group)", f"{type(exc).__name__}: {exc}", "CRASHED")]
        print(f"  {name}: {len(found)} rows in {time.monotonic() - t0:.0f} s", flush=True)
        rows += found
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="the small CI-sized run")
    p.add_argument("--only", nargs="*", choices=GROUPS, help="just these groups")
    args = p.parse_args()
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    import structlog

    from sentinel.telemetry import configure_logging

    log_path = Path(tempfile.gettempdir()) / "sentinel-chaos.log"
    configure_logging("INFO", json=False, stream=log_path.open("w"))  # the table stays readable
    structlog.configure(cache_logger_on_first_use=False)
    load0 = os.getloadavg()
    t0 = time.monotonic()
    print("Sentinel fault matrix (local only; model answers are scripted test data)")
    rows = run(args.only or GROUPS, args.quick)
    print()
    print(render(rows))
    bad = [r for r in rows if r.verdict in ("LOST", "DUPLICATED", "LEAKED", "CRASHED")]
    print(
        f"\n{len(rows)} rows, {len(bad)} lost/duplicated/leaked/crashed; "
        f"{time.monotonic() - t0:.0f} s; load average at start {load0[0]:.1f}, "
        f"at end {os.getloadavg()[0]:.1f}; {platform.python_version()}, {os.cpu_count()} CPUs; "
        f"Sentinel's logs in {log_path}"
    )


if __name__ == "__main__":
    main()
