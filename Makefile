# Sentinel. `make` alone lists the targets. Every target installs what it needs first.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp

# Inside the bundled synthetic fixtures: api-service mid-incident, database NORMAL.
CHECK_AT ?= 2026-10-29T14:20:00Z
STRATEGY ?= statistical
MODELS ?=
REPEATS ?= 1

.PHONY: help
help: ## List the targets
	@echo "Sentinel: LLM-assisted anomaly detection. Targets:"
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-17s\033[0m %s\n", $$1, $$2}'

# --compile-bytecode: this environment sets PYTHONDONTWRITEBYTECODE=1, so without it no .pyc is
# ever written and every command recompiles pandas & co. on import (about 2x slower imports).
$(STAMP): pyproject.toml Makefile
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check uv
	$(BIN)/uv pip install -q --compile-bytecode --python $(PY) -e '.[dev]'
	@site=$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'); \
		test -n "$$(ls $$site/pandas/__pycache__ 2>/dev/null)" || \
		$(PY) -m compileall -q -j 0 $$site >/dev/null  # a venv made before this line
	@$(PY) -m compileall -q sentinel
	@$(PY) -m ipykernel install --sys-prefix --name sentinel --display-name "Python (sentinel)" >/dev/null
	@touch $(STAMP)

.PHONY: install
install: $(STAMP) ## Create .venv and install Sentinel with dev tools (quick when nothing changed)

.PHONY: check
check: $(STAMP) ## Run the check notebook on the bundled fixtures (offline, no keys) and print verdicts
	$(BIN)/sentinel check --notebook --at $(CHECK_AT) --strategy $(STRATEGY)

.PHONY: test
test: $(STAMP) ## Lint, then run the whole test suite (unit, real Prometheus/Alertmanager, notebooks)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest tests notebooks --nbval-lax

.PHONY: lint
lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

.PHONY: format
format: $(STAMP) ## Apply ruff fixes and formatting, strip notebook outputs
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/nbstripout notebooks/*.ipynb

# Eval suites: real data first (imported from ../shared/datasets on first use, into the
# gitignored data/imported/), the synthetic sanity suite last. `make eval` replays every service
# and case of each suite with every detector (SMD: 8 machines, 12,638 checks per detector at
# 15 min; Nezha: 56 pods, 20,112 at 5 min), each detector's services split over --jobs processes
# (default: CPU count, at most 4), and prints each suite's table and wall time. `make eval-quick`
# runs fixed subsets sized for a few minutes of CPU: incident cases only (ids ending in a
# date-time; no background stretches) of a fixed set of services.
SUITES ?= smd nezha synthetic
DATASETS ?= ../shared/datasets
INCIDENT_CASES := *-[0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9]
SMD_SUBSET ?= --services machine-3-4 --cases '$(INCIDENT_CASES)'
NEZHA_SUBSET ?= --services frontend,cartservice --cases '$(INCIDENT_CASES)'
EVAL_ARGS ?=

define run_suites
	@all=$$SECONDS; for s in $(SUITES); do \
	  case $$s in smd|nezha) test -f data/imported/$$s/services.yaml || \
	    $(BIN)/sentinel fixtures import $$s $(DATASETS)/$$s --no-progress || exit 1;; esac; \
	  subset=""; [ "$(1)" = subset ] && case $$s in smd) subset="$(SMD_SUBSET)";; \
	    nezha) subset="$(NEZHA_SUBSET)";; esac; \
	  t0=$$SECONDS; \
	  eval "$(BIN)/sentinel eval run --suite $$s $$subset $(EVAL_ARGS) \
	    $(if $(MODELS),--models $(MODELS)) --repeats $(REPEATS)" || exit 1; \
	  echo "== suite $$s ($(if $(filter subset,$(1)),subset,full)): $$((SECONDS - t0)) s wall" \
	    "(load average $$(cut -d' ' -f1 /proc/loadavg) on $$(nproc) cores) =="; \
	done; echo "== suites $(SUITES): $$((SECONDS - all)) s wall in all =="
endef

# The local model's row: replayed recordings of a real small model (evals/recordings/README.md),
# run apart from the suites above so its figures never mix with detector or Claude rows. Its
# cases (evals/local-cases) are three Nezha frontend faults with the replayed period cut to what
# a 2-core CPU could record (5 model calls); the suite folder joins them to the imported fixtures.
# Its services file pins the detector the recordings were made with (LOCAL_DETECTOR): replay
# keys hash the prompt, which holds the detector's evidence.
LOCAL_SUITE := data/imported/nezha-local
LOCAL_DETECTOR := staged
LOCAL_EVAL_ARGS ?= --suite $(LOCAL_SUITE) --replay-dir evals/recordings
define local_suite
	@test -f data/imported/nezha/services.yaml || \
		$(BIN)/sentinel fixtures import nezha $(DATASETS)/nezha --no-progress
	@mkdir -p $(LOCAL_SUITE) && cp data/imported/nezha/services.yaml $(LOCAL_SUITE)/ && \
		printf 'detection:\n  detector: $(LOCAL_DETECTOR)\n' >> $(LOCAL_SUITE)/services.yaml && \
		ln -sfn ../nezha/fixtures $(LOCAL_SUITE)/fixtures && rm -rf $(LOCAL_SUITE)/cases && \
		cp -r evals/local-cases $(LOCAL_SUITE)/cases
endef

.PHONY: eval eval-full eval-quick eval-local eval-local-record
eval: $(STAMP) ## Score every detector on the full suites: SMD, Nezha (real; every service and case) and synthetic, with each suite's wall time; then the local model's replayed row
	$(call run_suites,full)
	@$(MAKE) --no-print-directory eval-local

eval-full: eval ## Same as `make eval` (the full suites; kept for old notes)

eval-quick: $(STAMP) ## The same on fixed subsets (SMD machine-3-4, Nezha frontend+cartservice incidents; a few minutes), then the local model's row
	$(call run_suites,subset)
	@$(MAKE) --no-print-directory eval-local

eval-local: $(STAMP) ## The local model's row (3 Nezha faults), replayed from evals/recordings: SmolLM2-135M-Instruct Q4_1
	$(local_suite)
	@echo "== llm:local = REPLAYED recordings of SmolLM2-135M-Instruct Q4_1 (135M parameters, 98 MB GGUF)" \
		"in llama.cpp's llama-server on 2 CPU cores; not a Claude model (evals/recordings/README.md) =="
	$(BIN)/sentinel eval run $(LOCAL_EVAL_ARGS) --strategies 'statistical llm:local' --mode replay

eval-local-record: $(STAMP) ## Re-record that row with llama-server (after a prompt/detector/gate change; 2-6 min a call on 2 cores)
	$(local_suite)
	evals/recordings/record.sh $(LOCAL_EVAL_ARGS)

.PHONY: bench bench-detectors bench-prometheus bench-loop
bench: bench-detectors bench-loop bench-prometheus ## Measure speed and memory (all three below, ~10 min)

bench-detectors: $(STAMP) ## Detector fit+score at 1 and 4 weeks of history (500 series), scoring 10,000 series
	$(PY) benchmarks/bench_detectors.py

bench-loop: $(STAMP) ## `sentinel run` loop over 1,000 services on fixtures for 60 s
	$(PY) benchmarks/bench_loop.py --services 1000 --duration 60 --interval 30

bench-prometheus: $(STAMP) ## Fetch 35 d x 100 series and one check cycle from a real Prometheus
	$(PY) benchmarks/bench_prometheus.py

.PHONY: chaos
chaos: $(STAMP) ## Fault matrix: every fault (sources, series, model, injection, kill -9, Alertmanager, config, load) measured, one table row each (local only, ~5-7 min on 2 cores)
	nice -n 10 $(PY) -m chaos

.PHONY: lab
lab: $(STAMP) ## Start JupyterLab on the notebooks with the project's kernel
	$(BIN)/jupyter lab --notebook-dir=. notebooks/

.PHONY: fixtures
fixtures: $(STAMP) ## Regenerate the bundled synthetic fixtures (same seed, same bytes)
	$(BIN)/sentinel fixtures generate

.PHONY: clean
clean: ## Remove generated reports and caches (keeps .venv)
	rm -rf reports .pytest_cache .ruff_cache
