# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (sentinel)
#     language: python
#     name: sentinel
# ---

# %% [markdown]
# # Sentinel check
#
# One check of every configured service: collect → baselines → detectors → gate → (model) → verdict.
# Run by `make check` / `sentinel check --notebook` with papermill, which injects the parameters below
# and keeps this executed notebook as the audit trail of the check. The verdicts are also written as a
# JSON sidecar (`verdicts.json`) beside it for machines to read.
#
# Defaults run offline on the bundled **synthetic** fixtures with the statistical strategy.

# %% tags=["parameters"]
# Parameters (papermill injects overrides in the next cell). Derived values come later.
config_path = "config/services.yaml"
source = "fixtures"  # "fixtures" (offline) or "prometheus" (PROMETHEUS_URL)
check_time = "2026-10-29T14:20:00Z"  # ISO-8601 with zone, or "now" for live checks
strategy = "statistical"  # "statistical", "llm:<model>" or "tiered:<cheap>,<strong>"
services = []  # empty: every configured service
output_dir = ""  # empty: reports/checks/YYYY/MM/DD/<run_id>
run_id = ""

# %%
from pathlib import Path

import pandas as pd

from sentinel import checks
from sentinel.checks.plots import plot_check
from sentinel.checks.reports import check_run_dir
from sentinel.checks.tables import anomaly_table, verdict_table
from sentinel.config import Settings, load_config

settings = Settings()
config = load_config(config_path)
at = checks.parse_check_time(check_time)
run_id = run_id or checks.new_run_id(at)
out_dir = Path(output_dir) if output_dir else check_run_dir(settings.sentinel_reports_dir, run_id)
agent = checks.build_agent(config, checks.build_source(source, settings), strategy, settings)
print(f"run {run_id}: {len(config.services)} services at {at:%Y-%m-%d %H:%M} UTC via {source}")

# %%
run = checks.run_and_record(agent, at, services or None, out_dir, run_id, strategy, config_path)
verdicts = run.verdicts
for v in verdicts:
    print(v.one_line())
print("sidecar:", out_dir / checks.SIDECAR_NAME)

# %% [markdown]
# ## Verdicts
#
# Reasoning in full, one row per service.

# %%
pd.set_option("display.max_colwidth", None)
verdict_table(verdicts)

# %% [markdown]
# ## Anomalies
#
# Numbers to 3 significant figures. "current" is the median of the last `min_points` points
# before the check (the assessor's alarm window), not the plot's last point.

# %%
anomaly_table(verdicts, config.detection.min_points)

# %% [markdown]
# ## The last hours of each service
#
# Each metric with its recent history; the check time is the dashed line. Dash-dot lines are the
# config's absolute warning/critical thresholds; on a flagged metric the dotted line is its
# baseline and the diamond the "current" value the verdict quotes (a median of the last points).

# %%
for v in verdicts:
    fig = plot_check(agent, v)
    fig.savefig(out_dir / f"{v.service}.png", dpi=100, bbox_inches="tight")
