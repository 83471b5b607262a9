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
# # 02 · Prompt variants
#
# For one labelled eval case: render every prompt version the judge could be sent, see what
# each would cost per check with each model, then ask the models and compare the verdicts.
#
# - Token counts and costs in the first table are **estimates** (characters / 3.5 × the model's
#   `token_factor`, prices from `sentinel/llm/prices.yaml`); no tokenizer ships offline.
# - Verdicts come from a **live** call when `ANTHROPIC_API_KEY` (or Bedrock) is configured and
#   `use_live` is true (the answer is recorded for offline reruns), else from a **replayed**
#   recording in `data/replay/`, else the row says **not run**. Nothing is invented.

# %% tags=["parameters"]
config_path = "config/services.yaml"
case_id = "api-service-latency-spike-1029-1405"  # a file in evals/cases/
check_time = ""  # ISO-8601 with zone; empty: 10 minutes into the case's first labelled window
prompt_versions = ["v1-seed", "v2", "v3"]
models = ["haiku", "sonnet"]
use_live = True  # live calls cost money; they only happen when credentials are configured
show_prompt = "v3"  # which rendered prompt to print in full ("" for none)
save_dir = ""  # if set, figures are also saved there as PNG
local_recordings = "evals/recordings/repeat-1/local-smollm2-135m-instruct-q4_1"  # "" to skip

# %%
from pathlib import Path

import pandas as pd

from sentinel.checks import parse_check_time
from sentinel.config import PROJECT_ROOT, Settings, load_config
from sentinel.evaluation.cases import DEFAULT_SUITE, load_suite
from sentinel.lab import plots, prompts
from sentinel.lab.recordings import recorded_answers
from sentinel.llm.prices import load_prices
from sentinel.sources.fixture_source import FixtureSource

pd.set_option("display.max_colwidth", 120)
config = load_config(config_path)
settings = Settings()
prices = load_prices()
suite = load_suite(DEFAULT_SUITE, config)
case = next(c for c in suite.cases if c.id == case_id)
at = parse_check_time(check_time) if check_time else prompts.case_check_time(case)
data, assessment = prompts.case_check(case, config, FixtureSource(), at)
print(f"case {case.id}: {case.manifest.description}")
print(f"check at {at:%Y-%m-%d %H:%M} UTC; statistical verdict: {assessment.verdict.one_line()}")

# %% [markdown]
# ## The rendered prompts
# The system part is static (cached across checks); the user part carries the check's data.

# %%
rendered = prompts.render_variants(data, assessment, prompt_versions)
pd.DataFrame(
    {
        v: {
            "system chars": len(p.system),
            "user chars": len(p.user),
            "est. system tokens": prompts.estimated_tokens(p.system),
            "est. user tokens": prompts.estimated_tokens(p.user),
        }
        for v, p in rendered.items()
    }
).T

# %%
if show_prompt:
    print(f"--- {show_prompt}: system ---\n{rendered[show_prompt].system}\n")
    print(f"--- {show_prompt}: user ---\n{rendered[show_prompt].user}")

# %% [markdown]
# ## v2 and v3 side by side: the numbers the model is shown
# v2 recomputes an hour-level band (median, p10..p90 of the same hour in past weeks) from raw
# history, which is not what the detector compared the point with; v3 shows the detector's own
# 5-minute, trend-corrected expectation, its robust scale and z, and a 60-minute trajectory at
# 5-minute steps (the last three z values below) so a recovering blip can be told from a shift.
# v3 also states the floor (a crossed threshold; otherwise one level below the detectors' grade)
# and asks for a concrete `next_step` instead of an action (the action is derived from the status).

# %%
prompts.numbers_side_by_side(data, assessment)

# %%
print("--- v2: user (first 1,500 chars) ---\n" + rendered["v2"].user[:1500])
print("\n--- v3: user (first 1,500 chars) ---\n" + rendered["v3"].user[:1500])

# %% [markdown]
# ## Estimated cost per check
# "cache at this rate": the static part read from the prompt cache with the probability a call
# every `interval_seconds` keeps it warm (below a model's minimum cacheable size nothing caches).

# %%
rate = 1 / config.service(case.service).interval_seconds
costs = prompts.cost_table(rendered, prices, models, rate)
print(f"prices as of {prices.as_of} ({prices.currency}); ESTIMATES, not measured usage")
figures = {"cost": plots.plot_cost_per_check(costs, case.service)}
costs.round(6)

# %% [markdown]
# ## Verdicts side by side
# `mode` says where each verdict came from: live, replay, or not run.

# %%
live = prompts.live_backend(settings, config, models) if use_live else None
replay_dir = PROJECT_ROOT / config.llm.replay_dir
verdicts = prompts.run_variants(
    data, assessment, prompt_versions, models, prices, replay_dir, live, config.llm
)
verdicts

# %% [markdown]
# ## With log and trace context
# When the gate escalates, the judge can also be shown the error-level log lines of the 30 minutes
# before the check, grouped into patterns (Drain3), and the slow or failed traces grouped by span,
# fenced as untrusted data under a token budget (`sentinel.context`). With `LOKI_URL` /
# `TEMPO_URL` set they come from Loki and Tempo; offline from the bundled fixtures' **SYNTHETIC**
# episodes (`data/fixtures/context/`, a few labelled windows only). Without any, the prompt is
# the one above, byte for byte. Tokens and costs below are **estimates** (as in the table above).

# %%
from sentinel.lab.context import case_context, context_cost_table, context_text

data_ctx, context = case_context(data, settings)
with_context = prompts.render_variants(data_ctx, assessment, ["v3"])["v3"]
print(context.summary())
print(
    f"est. v3 user tokens: {prompts.estimated_tokens(rendered['v3'].user)} without context, "
    f"{prompts.estimated_tokens(with_context.user)} with it\n"
)
print(context_text(context))  # inserted after the metrics block, before the closing reminder
context_cost_table(context, prices, models)

# %% [markdown]
# ## A real small model's answers (replayed recordings)
# SmolLM2-135M-Instruct (Q4_1 GGUF, 135M parameters, 98 MB) in llama.cpp's `llama-server` on
# 2 CPU cores answered every check the gate escalated on Nezha `frontend` around two faults of
# 2022-08-23 (11:30-12:25; `make eval-local` scores them, `make eval-local-record` re-records). These rows are
# the **recorded answers as the model gave them**, not Claude's and not scripted: the schema
# check, why generation stopped, tokens, latency and llama-server's own tokens/s. A 135M model
# judges poorly (docs/llm.md); the floors and the statistical fallback bound what it can change.

# %%
local = recorded_answers(PROJECT_ROOT / local_recordings) if local_recordings else pd.DataFrame()
local

# %%
if save_dir:
    Path(save_dir).mkdir(parents=True, exist_ok=True)
    for name, fig in figures.items():
        fig.savefig(Path(save_dir) / f"02-{name}.png", dpi=110, bbox_inches="tight")
    print("saved", sorted(figures), "to", save_dir)
