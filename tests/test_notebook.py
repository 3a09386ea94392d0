"""examples/quickstart.ipynb runs from top to bottom in a kernel of this environment.

The kernel is this interpreter (a kernelspec written to a temporary folder), not whatever
``python3`` kernel the machine has installed, so the notebook tests the code under test.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbclient
import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "quickstart.ipynb"
WIDGET = "application/vnd.jupyter.widget-view+json"


def this_interpreter_kernel(tmp_path: Path) -> KernelManager:
    spec_dir = tmp_path / "kernels" / "mtor-abm-test"
    spec_dir.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "mtor-abm test", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    specs = KernelSpecManager(kernel_dirs=[str(spec_dir.parent)])
    return KernelManager(kernel_name="mtor-abm-test", kernel_spec_manager=specs)


def outputs_of(cell) -> list[dict]:
    return [o for o in cell.get("outputs", []) if o["output_type"] != "stream"]


def test_quickstart_notebook_runs_and_shows_its_figures_tables_and_dashboard(tmp_path):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code"), (
        "commit the notebook without outputs (CI fills them)"
    )
    client = nbclient.NotebookClient(
        notebook,
        km=this_interpreter_kernel(tmp_path),
        timeout=300,
        resources={"metadata": {"path": str(tmp_path)}},  # the kernel's working folder
    )
    client.execute()  # raises CellExecutionError naming the cell if any cell fails
    code = [c for c in notebook.cells if c.cell_type == "code"]
    images = [o for c in code for o in outputs_of(c) if "image/png" in o.get("data", {})]
    assert len(images) >= 4  # culture series, two tissue images, dose-response
    assert all(o["data"]["image/png"] for o in images)
    tables = [o for c in code for o in outputs_of(c) if "text/html" in o.get("data", {})]
    assert any("growth_inhibition" in o["data"]["text/html"] for o in tables)
    dashboard = outputs_of(code[-1])
    assert any(WIDGET in o.get("data", {}) for o in dashboard), "the Solara view did not render"
