#!/usr/bin/env bash
# Re-record the local model's eval row (issue 16): SmolLM2-135M-Instruct Q4_1 in llama.cpp's
# llama-server on 127.0.0.1 answers every check the gate escalates in the suite given (the
# Makefile's LOCAL_EVAL_ARGS: evals/local-cases, three Nezha frontend faults); each call is saved
# under evals/recordings/repeat-1/local-<model>/ for offline replay (`make eval` replays them).
# Rerun after a change to the prompt, the default detector or the gate (replay keys hash the
# rendered prompt, so old recordings then miss). 2-6 min per call at load 6-8 on 2 cores (a
# ~5,000-token prompt at 14-40 tokens/s); the server runs at nice 10.
# Usage: make eval-local-record   (or evals/recordings/record.sh --suite ... [--cases ...])
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
PORT="${PORT:-8091}"
WORK="$(mktemp -d)"
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT

set -a; eval "$(bash .ci/install-llama-server)"; set +a  # cached: ~0 s; builds it once

# The local suite's services file (the Makefile's local_suite: Nezha's, with the detector the
# recordings use pinned) with room for a CPU model: only what bounds the wait changes
# (interval, deadline, timeout; none of it is in the prompt or the replay key), so `make eval`
# replays these recordings with the suite's unchanged config.
"$PY" - data/imported/nezha-local/services.yaml "$WORK/services.yaml" <<'PYEOF'
import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
for svc in cfg["services"]:
    svc["interval_seconds"] = 800  # the check deadline is capped at 0.8 x the interval
cfg["llm"] = {**cfg.get("llm", {}), "backend": "local", "timeout_s": 600, "check_deadline_s": 600,
              "max_retries": 0, "budget_state": None}
yaml.safe_dump(cfg, open(sys.argv[2], "w"), sort_keys=False)
PYEOF

PORT="$PORT" nice -n 10 "$PY" -m tests.local_model_server >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 1; done
SENTINEL_LLM_BASE_URL="http://127.0.0.1:$PORT/v1" nice -n 10 .venv/bin/sentinel eval run \
  --strategies 'llm:local' --mode record --jobs 1 --config "$WORK/services.yaml" \
  "$@"
du -sh evals/recordings
