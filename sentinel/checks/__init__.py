"""One check run and its artefacts: build the pipeline, check every service, keep the record.

- `run`: parse the check time, build source and agent, check each service, write `verdicts.json`
  (shared by `sentinel check`, the check notebook and `sentinel run`'s scheduler);
- `notebook`: execute notebooks/check.ipynb under papermill, keeping the executed copy;
- `reports`: the dated report folders (`reports/checks/YYYY/MM/DD/<run-id>/`) and their pruning;
- `plots`: the per-service figure the check notebook saves beside the verdicts;
- `recipes`: cron/systemd/Kubernetes/Airflow templates that run the check on a schedule.

The names of `run` are re-exported here, so `from sentinel import checks; checks.build_agent(...)`
reads as what it does.
"""

from sentinel.checks.run import (
    SIDECAR_NAME,
    CheckRun,
    SourceKind,
    build_agent,
    build_source,
    new_run_id,
    parse_check_time,
    read_sidecar,
    run_and_record,
    run_checks,
    write_sidecar,
)

__all__ = [
    "SIDECAR_NAME",
    "CheckRun",
    "SourceKind",
    "build_agent",
    "build_source",
    "new_run_id",
    "parse_check_time",
    "read_sidecar",
    "run_and_record",
    "run_checks",
    "write_sidecar",
]
