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
# # 03 · Eval report
#
# Load an eval run (`reports/eval/<run-id>/results.json`, written by `sentinel eval run` /
# `make eval`), show its tables and plots, then drill into one incident. With no run on disk it
# first runs a small **offline** eval (three cases, detectors only) through the same runner.
#
# The "numbers from" column says where each strategy's figures came from: `statistical`
# (a detector alone), `live model`, `replay` (recorded responses) or `not run`.
#
# **Real data first:** `make eval` runs the real suites (`smd`, `nezha`) before the synthetic one;
# set `suite = "smd"` (or `"nezha"`) to open the newest run of that suite. Runs on the bundled
# fixtures are SYNTHETIC: a sanity check, not evidence (docs/evals.md, "Suites").

# %% tags=["parameters"]
run_dir = ""  # a reports/eval/<run-id> folder; empty: the newest one, or a small offline run
case_id = ""  # the case to drill into; empty: the first incident some strategy missed
suite = ""  # smd | nezha | synthetic | an imported folder's name: its newest run; empty: any

# %%
from pathlib import Path

from IPython.display import Image, Markdown, display

from sentinel.lab import eval_view

run = Path(run_dir) if run_dir else eval_view.latest_run()
if suite and not run_dir:
    runs = sorted(Path(eval_view.EVAL_DIR).glob("*/results.json"), reverse=True)
    picked = [
        r.parent
        for r in runs
        if eval_view.load_results(r.parent)["options"].get("suite_name", "synthetic") == suite
    ]
    run = picked[0] if picked else None
if run is None:
    print("no eval run found: running a small offline eval first")
    run = eval_view.run_small_eval()
results = eval_view.load_results(run)
suite_name = results["options"].get("suite_name", "synthetic")
print(f"suite {suite_name}: {'SYNTHETIC fixtures' if suite_name == 'synthetic' else 'REAL data'}")
print(f"run {results['run_id']} ({run}): {len(results['suite']['cases'])} cases,")
print(
    f"{results['checks_per_strategy']} checks per strategy, cadence {results['options']['cadence']}"
)

# %% [markdown]
# ## Headline

# %%
eval_view.headline(results)

# %%
display(Image(filename=str(run / "prf1.png")))
display(Image(filename=str(run / "cost_vs_f1.png")))

# %% [markdown]
# ## At equal false alarms
#
# Detectors alarm at different rates, so compare them on one curve: each strategy's best F1 at or
# below each false-alarm rate (report.md's table "F1 at matched false alarms" reads off it).

# %%
curve_png = run / "operating_curves.png"
if curve_png.exists():
    display(Image(filename=str(curve_png)))
else:
    print(f"{run.name} predates the operating curves: `sentinel eval run --resume {run.name}`")

# %% [markdown]
# ## Case by case

# %%
eval_view.case_outcomes(results)

# %%
first = results["strategies"][0]["name"]
print(f"severity confusion for {first}: expected (rows) vs worst status given (columns)")
eval_view.confusion(results, first)

# %% [markdown]
# ## Drill into one incident

# %%
drawn = results.get("timelines") or []  # at most 12 on a big suite: the most-missed cases
case = case_id or eval_view.pick_case(results)
if not case_id and drawn and case not in drawn:
    case = drawn[0]
info = eval_view.case_info(results, case)
display(Markdown(f"**{case}**: {info.get('description', '')}"))
for w in info.get("windows", []):
    print(f"{w['kind']}: {w['start']} .. {w['end']}; must reach {w.get('min_severity')}")
timeline = run / "timelines" / f"{case}.png"
if timeline.is_file():
    display(Image(filename=str(timeline)))
else:
    print(f"no timeline plot for {case} (the eval draws at most 12: {', '.join(drawn) or 'none'})")
