"""`sentinel --help` and a default check stay fast: neither imports a heavy library it does not use.

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
    "sentinel.fixtures.files",
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
    from sentinel.fixtures import files

    assert fixtures.load_fixture is files.load_fixture


# What a default offline `sentinel check` may not import: the default detector never needs
# scikit-learn/scipy (isolation_forest does, and loads them when asked for), nor the model SDK,
# plotting or the notebook runner.
CHECK_NEVER = [
    "sklearn",
    "scipy",
    "joblib",
    "matplotlib",
    "anthropic",
    "papermill",
    "sentinel.detectors.isolation_forest",
]


def test_a_default_offline_check_imports_no_heavy_module_it_does_not_use(tmp_path):
    from tests.test_check import default_check_time

    code = (
        "import json, sys\n"
        "from sentinel.cli import main\n"
        f"sys.argv = ['sentinel', 'check', '--at', {default_check_time()!r}, "
        f"'--out', {str(tmp_path)!r}]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        f"print(json.dumps([m for m in {CHECK_NEVER!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert (tmp_path / "verdicts.json").exists()
    assert json.loads(out.splitlines()[-1]) == []


def test_asking_for_isolation_forest_loads_scikit_learn_then():
    code = (
        "import json, sys\n"
        "from sentinel.detectors import DETECTORS, make_detector\n"
        "before = 'sklearn' in sys.modules\n"
        "names = sorted(DETECTORS)\n"
        "listed = 'sklearn' in sys.modules\n"
        "make_detector('isolation_forest')\n"
        "print(json.dumps([before, listed, 'sklearn' in sys.modules, names]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    before, listed, after, names = json.loads(out)
    assert (before, listed, after) == (False, False, True)
    assert "isolation_forest" in names and "seasonal_mad" in names
