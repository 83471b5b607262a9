"""No configured secret reaches any output: distinctive secrets in every supported variable and
URL form, every front door driven (check, check --notebook, run, eval, record, Loki, Tempo),
servers that echo credentials back in their errors, and a model that echoes them in its
reasoning; then every file written, the SQLite database and all console output are grepped."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from sentinel.config import DEFAULT_CONFIG, PROJECT_ROOT
from sentinel.redact import REDACTED, redact
from tests import llm_cases
from tests.fakehttp import Reply, Request, fake_server
from tests.llm_server import Scripted, ScriptedServer, error_body, message_body
from tests.servers import free_port

pytestmark = pytest.mark.timeout(900)  # ~10 CLI runs side by side; slow only when loaded
CHECK_AT = "2026-10-29T14:20:00Z"  # api-service mid-incident in the bundled fixtures
S = {
    "prom_password": "PromPw-7f3a9c1e",
    "prom_token": "PromTok-b81e55d2",
    "prom_basic_password": "PromBasic-44aa09",
    "loki_password": "LokiPw-4c2d1e77",
    "tempo_token": "TempoTok-9a8b7c66",
    "am_password": "AmPw-31f0aa58",
    "api_key": "sk-ant-api03-SecretKeyd00dfeed",
    "llm_password": "LlmPw-0c0ffee5",
    "aws_secret": "AwsSecret/wJalrXUtnFEMIK7MDENG",
    "aws_session": "AwsSession-5e5e5e5e",
}
# the forms a secret takes on the wire: basic auth is base64 of user:password
FORMS = [*S.values()] + [
    base64.b64encode(f"{u}:{p}".encode()).decode()
    for u, p in (
        ("sentinel", S["prom_password"]),
        ("ops", S["prom_basic_password"]),
        ("loki", S["loki_password"]),
        ("am", S["am_password"]),
    )
]
ECHO = f"the model saw {S['api_key']} {S['prom_password']} {S['aws_secret']} {S['am_password']}"


def echo_auth(req: Request) -> Reply:
    """An unhappy server that quotes the credentials it was sent in its error body."""
    sent = {k: v for k, v in req.headers.items() if k.lower() in ("authorization", "x-scope-orgid")}
    return Reply(
        500, f"internal error; request had {sent} for {req.path}", content_type="text/plain"
    )


def loki_echo(req: Request) -> Reply:
    """Loki answering with a log line that holds a credential (log lines are untrusted text)."""
    line = f"login ok password={S['loki_password']} token {S['tempo_token']}"
    return Reply(
        body={
            "status": "success",
            "data": {
                "resultType": "streams",
                "result": [{"stream": {"app": "api"}, "values": [["1700000000000000000", line]]}],
            },
        }
    )


def base_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROMETHEUS_", "ANTHROPIC_"))}
    env.update(
        SENTINEL_REPORTS_DIR=str(tmp / "reports"),
        AWS_ACCESS_KEY_ID="AKIAIOSFODNN7SECRETS",
        AWS_SECRET_ACCESS_KEY=S["aws_secret"],
        AWS_SESSION_TOKEN=S["aws_session"],
        ANTHROPIC_API_KEY=S["api_key"],
        LOKI_URL=f"http://loki:{S['loki_password']}@127.0.0.1:{free_port()}",
        TEMPO_URL=f"http://{S['tempo_token']}@127.0.0.1:{free_port()}",
    )
    return env


def sentinel(tmp: Path, name: str, env: dict[str, str], *args: str) -> None:
    """Run the CLI as users do; keep its stdout and stderr as output files to grep."""
    proc = subprocess.run(
        [sys.executable, "-m", "sentinel", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    (tmp / "console").mkdir(exist_ok=True)
    (tmp / "console" / f"{name}.txt").write_text(
        f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    )


def config_file(tmp: Path) -> Path:
    """The bundled services file with the model's ledger and replays kept in `tmp`."""
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    data.setdefault("llm", {}).update(
        budget_state=str(tmp / "budget.db"), replay_dir=str(tmp / "replay"), max_retries=0
    )
    path = tmp / "services.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def eval_with_model(tmp: Path, env: dict[str, str]) -> None:
    """`sentinel eval`'s runner recording model answers (replay files are shipped in git)."""
    from sentinel.config import Settings
    from sentinel.evaluation.report import write_report
    from sentinel.evaluation.runner import RunOptions, run_eval
    from tests.evalkit import make_suite

    fixtures, config, suite = make_suite(tmp)
    opts = RunOptions(suite=str(suite), strategies=["llm:haiku"], cadence="15m", n_boot=20,
                      config=str(config), fixtures_dir=str(fixtures), mode="record",
                      replay_dir=str(tmp / "replays"))  # fmt: skip
    saved = dict(os.environ)
    os.environ.update(env)  # the runner's process has the deployment's variables, as the CLI's
    try:
        settings = Settings(_env_file=None)
        run = run_eval(opts, out=tmp / "out", run_id="r", settings=settings)
        write_report(run)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert list((tmp / "replays").rglob("*.json")), "the eval recorded nothing"


def drive_every_path(tmp: Path) -> None:
    """Every front door at once: the CLI runs are independent processes (each with its own
    scripted model queue where it calls one), so they run side by side."""
    env = base_env(tmp)
    cfg = str(config_file(tmp))
    dead = f"127.0.0.1:{free_port()}"
    check = ["check", "--config", cfg, "--at", CHECK_AT]
    url_env = {**env, "PROMETHEUS_URL": f"http://sentinel:{S['prom_password']}@{dead}"}

    with (
        ThreadPoolExecutor(max_workers=8) as pool,
        fake_server(echo_auth) as prom,
        ScriptedServer() as llm,
        ScriptedServer() as run_llm,
        ScriptedServer() as eval_llm,
        fake_server(echo_auth) as am,
    ):
        runs = [
            # Prometheus: refused, with the password in the URL; plain and through the notebook
            pool.submit(sentinel, tmp, "check-refused", url_env, *check, "--source", "prometheus"),
            pool.submit(sentinel, tmp, "notebook-refused", url_env, *check, "--source",
                        "prometheus", "--notebook"),
            pool.submit(sentinel, tmp, "record-refused", url_env, "record", "--service",
                        "api-service", "--config", cfg, "--start", "2026-10-29T13:00:00Z",
                        "--end", "2026-10-29T14:00:00Z", "--url", url_env["PROMETHEUS_URL"],
                        "--out", str(tmp / "rec"), "--name", "rec"),
        ]  # fmt: skip
        # Prometheus answering 5xx that quote the credentials it was sent, in each auth form
        hostport = prom.url.removeprefix("http://")
        for name, extra in {
            "check-echo-url": {
                "PROMETHEUS_URL": f"http://sentinel:{S['prom_password']}@{hostport}"
            },
            "check-echo-bearer": {"PROMETHEUS_URL": prom.url, "PROMETHEUS_TOKEN": S["prom_token"]},
            "check-echo-basic": {
                "PROMETHEUS_URL": prom.url,
                "PROMETHEUS_USERNAME": "ops",
                "PROMETHEUS_PASSWORD": S["prom_basic_password"],
                "PROMETHEUS_TENANT": "tenant-a",
            },
        }.items():
            runs.append(
                pool.submit(sentinel, tmp, name, {**env, **extra}, *check, "--source", "prometheus")
            )

        # The model: an error quoting the key, then answers echoing secrets into verdicts,
        # tickets and Alertmanager annotations (scripted test data, not model output)
        def llm_env(server: ScriptedServer) -> dict[str, str]:
            return {
                **url_env,  # a deployment sets everything: the model may echo any of it
                "ANTHROPIC_BASE_URL": server.url.replace(
                    "http://", f"http://llm:{S['llm_password']}@"
                ),
                "ALERTMANAGER_URL": am.url.replace("http://", f"http://am:{S['am_password']}@"),
            }

        answer = Scripted(body=message_body(llm_cases.answer("CRITICAL", reasoning=ECHO)))
        llm.push(error_body(400, "invalid_request_error", f"bad x-api-key {S['api_key']}"))
        runs.append(pool.submit(sentinel, tmp, "check-llm-error", llm_env(llm), *check,
                                "--strategy", "llm:haiku"))  # fmt: skip
        run_llm.push(*[answer] * 20)
        runs.append(pool.submit(sentinel, tmp, "run-once", llm_env(run_llm), "run", "--once",
                                "--config", cfg, "--strategy", "llm:haiku", "--fixture-start",
                                CHECK_AT, "--db", str(tmp / "sentinel.db"), "--grace", "3"))  # fmt: skip
        eval_llm.push(*[answer] * 400)
        eval_with_model(tmp / "eval", llm_env(eval_llm))  # in this process, meanwhile
        for run in runs:
            run.result()  # re-raises a failed run
        assert prom.requests, "the echo server was never asked"
        assert all(s.requests for s in (llm, run_llm, eval_llm)), "a model path made no call"

    # Loki and Tempo: refused, echoing 5xx, and a log line carrying a credential
    from sentinel.config import Settings
    from sentinel.errors import SourceError
    from sentinel.sources.loki import LokiSource
    from sentinel.sources.tempo import TempoSource

    seen: list[str] = []
    with fake_server(echo_auth) as failing, fake_server(loki_echo) as loki:
        for where in (failing.url, loki.url, f"http://{dead}"):
            port = where.rsplit(":", 1)[1]
            settings = Settings(
                _env_file=None,
                loki_url=f"http://loki:{S['loki_password']}@127.0.0.1:{port}",
                tempo_url=f"http://{S['tempo_token']}@127.0.0.1:{port}",
                http_timeout_s=2,
            )
            loki_src, tempo_src = (
                LokiSource.from_settings(settings),
                TempoSource.from_settings(settings),
            )
            for call in (
                lambda src=loki_src: src.lines('{app="api"}', START, END).to_dict("records"),
                lambda src=tempo_src: src.search('{ .service = "api" }', START, END),
            ):
                try:
                    seen.append(f"{loki_src.description} {tempo_src.description} {call()}")
                except SourceError as exc:
                    seen.append(f"{type(exc).__name__}: {exc}")
    (tmp / "console" / "loki-tempo.txt").write_text("\n".join(seen))


START, END = datetime(2023, 11, 14, 22, tzinfo=UTC), datetime(2023, 11, 14, 23, tzinfo=UTC)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("secrets")
    drive_every_path(tmp)
    return tmp


def test_no_configured_secret_reaches_any_output_file_log_or_the_database(outputs: Path):
    files = [p for p in outputs.rglob("*") if p.is_file() and p.name != "services.yaml"]
    names = {p.name for p in files}
    # every path really wrote what it writes
    assert {
        "verdicts.json",
        "check.ipynb",
        "sentinel.db",
        "loki-tempo.txt",
        "results.json",
    } <= names
    leaks = [
        f"{p.relative_to(outputs)}: {form}"
        for p in files
        for form in FORMS
        if form.encode() in p.read_bytes()
    ]
    assert not leaks, "secrets leaked:\n" + "\n".join(leaks)
    doors = {p.stem for p in (outputs / "console").glob("*.txt")}
    assert doors == {"check-refused", "notebook-refused", "record-refused", "check-echo-url",
                     "check-echo-bearer", "check-echo-basic", "check-llm-error", "run-once",
                     "loki-tempo"}  # fmt: skip
    console = "\n".join(p.read_text() for p in (outputs / "console").glob("*.txt"))
    assert REDACTED in console  # the failures were reported, with the secret blanked


def test_the_database_holds_the_echoing_verdict_ticket_and_alert_redacted(outputs: Path):
    import sqlite3

    db = sqlite3.connect(outputs / "sentinel.db")
    reasoning = [r[0] for r in db.execute("select reasoning from tickets")]
    payloads = [r[0] for r in db.execute("select payload || last_error from outbox")]
    assert reasoning and all("the model saw" in r and REDACTED in r for r in reasoning)
    assert payloads and all(REDACTED in p for p in payloads)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("cannot reach Prometheus at http://u:hunter2pw@127.0.0.1:9: refused", "127.0.0.1:9"),
        ("GET https://tok3n-abcdef@mimir.example/api", "mimir.example"),
        ("{'Authorization': 'Bearer abcdefgh12345678'}", "Authorization"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization"),
        ("key sk-ant-api03-abcdefghijk rejected", "rejected"),
        ("http://x/q?api_key=abc123&step=60", "step=60"),
        ('{"password": "zzzzzzzz", "user": "me"}', '"user": "me"'),
        ("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEX", "aws_secret_access_key"),
        ("id AKIAIOSFODNN7EXAMPLE", "id"),
    ],
)
def test_credentials_in_text_are_blanked_and_the_rest_kept(text: str, kept: str):
    out = redact(text, secrets=[])
    assert REDACTED in out and kept in out


def test_ordinary_text_is_left_alone():
    for text in ("a token budget of 5 calls", "max_tokens: 1024", "latency_p99 +379% at 14:20"):
        assert redact(text, secrets=[]) == text


def test_known_secret_values_are_blanked_even_without_their_pattern(monkeypatch):
    monkeypatch.setenv("PROMETHEUS_PASSWORD", "plain-words-pw")
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:dbSecret99@db/sentinel")
    assert redact("echo plain-words-pw and dbSecret99") == f"echo {REDACTED} and {REDACTED}"
