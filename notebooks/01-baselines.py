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
# # 01 · Baselines and detectors
#
# Load a fixture, see each metric inside its seasonal baseline band with the labelled incidents
# shaded, compare the detectors' scores, then move a threshold and watch the alarms change.
# The logic lives in `sentinel.lab.explore` and `sentinel.lab.plots`; this notebook only calls it.
#
# Defaults run offline on the bundled **synthetic** fixtures. Baselines are fitted on the
# history before the window shown (no look-ahead); the live check refits hourly, the eval
# (`03-eval-report`) measures the real pipeline.
#
# **Real data:** import a data set first (`sentinel fixtures import smd ../shared/datasets/smd`),
# then set `suite_dir = "data/imported/smd"`, `service_name = "machine-1-6"`, `metric_name = "m00"`
# (Nezha: `data/imported/nezha`, `frontend`, `cpu_usage_rate_pct`). Any imported folder works.

# %% tags=["parameters"]
config_path = "config/services.yaml"
service_name = "api-service"
window_days = 7  # the last days of the fixture to look at; everything before is history
metric_name = "latency_p99"  # the metric for the detector comparison and threshold demo
threshold = 0.7  # score at which the threshold demo alarms (0.5 watch, 0.7 warning, 0.9 critical)
save_dir = ""  # if set, figures are also saved there as PNG
suite_dir = ""  # an imported folder (services.yaml + fixtures/); empty: the bundled fixtures

# %%
from datetime import timedelta
from pathlib import Path

import pandas as pd

from sentinel.config import load_config, resolve_path
from sentinel.lab import explore, plots
from sentinel.sources.fixture_source import FixtureSource

if suite_dir:
    suite = resolve_path(Path(suite_dir))
    config, source = load_config(suite / "services.yaml"), FixtureSource(suite / "fixtures")
else:
    config, source = load_config(config_path), FixtureSource()
service = config.service(service_name)
metric = service.metric(metric_name)
manifest = source.fixture_for(service).manifest
window_start = manifest.end - timedelta(days=window_days)
series = explore.metric_series(source, service, manifest.start, manifest.end)
labels = explore.labels_in(manifest.labels, window_start, manifest.end)
figures = {}
print(
    f"{manifest.name} ({manifest.kind}): {manifest.start:%Y-%m-%d} .. {manifest.end:%Y-%m-%d} UTC"
)
print(f"window {window_start:%Y-%m-%d %H:%M} .. {manifest.end:%Y-%m-%d %H:%M} UTC")
pd.DataFrame(
    [
        {
            "kind": w.kind,
            "start (UTC)": f"{w.start:%a %m-%d %H:%M}",
            "minutes": int((w.end - w.start).total_seconds() // 60),
            "must alarm": "no (hard negative)" if w.hard_negative else w.min_severity.value,
            "metrics": ", ".join(w.metrics),
        }
        for w in labels
    ]
)

# %% [markdown]
# ## Each metric in its seasonal band
# Black: the value. Dashed: what the hour-of-week baseline expected. Blue band: ± `z_watch`
# robust sigmas; outside it a point is at least watch-strength.

# %%
bands = {m.name: explore.baseline_band(series[m.name], m, window_start) for m in service.metrics}
figures["bands"] = plots.plot_baseline_bands(
    service, bands, labels, f"{service.name}: last {window_days} days vs seasonal baseline"
)

# %% [markdown]
# ## Detectors side by side
# Every detector scores on the same 0..1 scale (0.5 watch, 0.7 warning, 0.9 critical).
# The table: a good detector is high inside incidents and low in hard negatives and elsewhere.

# %%
metric_labels = explore.labels_in(manifest.labels, window_start, manifest.end, metric.name)
scores = explore.detector_scores(series[metric.name], metric, window_start)
figures["scores"] = plots.plot_detector_scores(
    scores, metric_labels, f"{service.name} · {metric.name}: detector scores"
)
explore.score_summary(scores, metric_labels)

# %% [markdown]
# ## Move the threshold
# An alarm is what a check would raise: `min_points` points at or above the threshold within
# the last 15 minutes (the assessor's rule). Change `threshold` or the detector and rerun.

# %%
detector = config.detection.detector
alarms = explore.spans(
    explore.alarm_points(scores[detector], threshold, config.detection.min_points)
)
figures["alarms"] = plots.plot_alarms(
    service,
    metric.name,
    series[metric.name][series[metric.name].index >= window_start],
    scores[detector],
    alarms,
    metric_labels,
    threshold,
    f"{service.name} · {metric.name}: {detector} alarms at threshold {threshold:g}",
)
explore.alarm_table(
    scores[detector], metric_labels, [0.5, 0.6, 0.7, 0.8, 0.9], config.detection.min_points
)

# %%
if save_dir:
    Path(save_dir).mkdir(parents=True, exist_ok=True)
    for name, fig in figures.items():
        fig.savefig(Path(save_dir) / f"01-{name}.png", dpi=110, bbox_inches="tight")
    print("saved", sorted(figures), "to", save_dir)
