"""Execute the parameterised check notebook with papermill, keeping the executed copy.

Always with an explicit kernel and per-cell timeout (papermill waits forever otherwise). A cell
that raises still leaves the executed notebook, error included, for the audit trail.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sentinel.config import PROJECT_ROOT
from sentinel.errors import SentinelError
from sentinel.redact import redact

CHECK_NOTEBOOK = PROJECT_ROOT / "notebooks" / "check.ipynb"
KERNEL_NAME = "sentinel"


class NotebookFailed(SentinelError):
    """The notebook raised; the executed copy (with the error) is kept at `output`."""


def ensure_kernel(name: str = KERNEL_NAME) -> None:
    """Fail early, with the fix, when the project's kernel is not installed."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel as exc:
        raise SentinelError(
            f"Jupyter kernel {name!r} is not installed; run `make install` "
            f"(or `python -m ipykernel install --sys-prefix --name {name}`)"
        ) from exc


def execute_notebook(
    notebook: Path,
    output: Path,
    parameters: dict[str, Any],
    kernel: str = KERNEL_NAME,
    cell_timeout_s: int = 600,
) -> Path:
    """Run `notebook` into `output` with `parameters`; raise NotebookFailed if a cell fails."""
    import papermill as pm
    from jupyter_client.manager import KernelManager

    ensure_kernel(kernel)
    output.parent.mkdir(parents=True, exist_ok=True)
    # The kernel talks over unix sockets in a private temporary folder rather than plain TCP on
    # localhost: nothing else on the host can reach it, and ipykernel has nothing to warn about.
    with tempfile.TemporaryDirectory(prefix="sentinel-kernel-") as sockets:
        km = KernelManager(kernel_name=kernel, transport="ipc", ip=str(Path(sockets) / "k"))
        try:
            pm.execute_notebook(
                str(notebook),
                str(output),
                parameters=parameters,
                kernel_name=kernel,
                cwd=str(PROJECT_ROOT),
                execution_timeout=cell_timeout_s,
                progress_bar=False,
                km=km,
            )
        except pm.PapermillExecutionError as exc:
            raise NotebookFailed(
                redact(
                    f"{notebook.name} failed in cell {exc.exec_count}: {exc.ename}: "
                    f"{exc.evalue} (executed notebook kept at {output})"
                )
            ) from exc
        finally:
            if km.has_kernel:  # a kernel we passed in is ours to stop
                km.shutdown_kernel(now=True)
            redact_file(output)
    return output


def redact_file(path: Path) -> None:
    """Blank credentials in a kept file (the executed notebook: outputs, tracebacks), in place."""
    try:
        text = path.read_text()
    except OSError:
        return  # papermill never wrote it
    clean = redact(text)
    if clean != text:
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(clean)
        tmp.replace(path)
