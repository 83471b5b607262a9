"""The notebooks folder: every notebook has its py:percent twin in step, a parameters cell that
defaults to offline fixture mode, and the project's kernel. (Execution: `pytest notebooks
--nbval-lax`; the check notebook under papermill: tests/test_check.py.)"""

from __future__ import annotations

import jupytext
import nbformat
import pytest

from sentinel.config import PROJECT_ROOT

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))


def test_the_numbered_notebooks_exist():
    names = {p.stem for p in NOTEBOOKS}
    assert {"01-baselines", "02-prompt-variants", "03-eval-report", "check"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_and_its_py_twin_have_the_same_cells(path):
    twin = path.with_suffix(".py")
    assert twin.exists(), f"{twin.name} missing: run `jupytext --sync {path}`"
    a = nbformat.read(path, as_version=4)
    b = jupytext.read(twin)
    assert [(c.cell_type, c.source) for c in a.cells] == [
        (c.cell_type, c.source) for c in b.cells
    ], f"{path.name} and {twin.name} differ: run `jupytext --sync notebooks/*.ipynb`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_uses_the_sentinel_kernel_and_has_offline_parameters(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "sentinel"
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1, "exactly one cell tagged 'parameters' (papermill)"
    defaults: dict[str, object] = {}
    exec(params[0].source, defaults)  # the cell holds plain assignments only
    assert defaults.get("source", "fixtures") == "fixtures"
