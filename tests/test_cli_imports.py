"""`sentinel --help` stays fast: defining the commands imports no heavy library.

Command modules import pandas, the model SDK, the store etc. inside the command functions; this
pins that, without timing anything (the figures are in the report of the change).
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = [
    "pandas",
    "numpy",
    "pyarrow",
    "matplotlib",
    "sklearn",
    "anthropic",
    "sqlalchemy",
    "papermill",
    "structlog",
    "tqdm",
    "sentinel.agent",
    "sentinel.store",
    "sentinel.fixtures.store",
]


def test_registering_every_command_imports_no_heavy_module():
    code = (
        "import json, sys; import sentinel.cli as c; c._register(); "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


def test_the_lazy_fixtures_api_still_resolves():
    import sentinel.fixtures as fixtures
    from sentinel.fixtures import store

    assert fixtures.load_fixture is store.load_fixture
