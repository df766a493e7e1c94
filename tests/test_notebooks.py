"""The analyst notebooks run top to bottom on a demo journal, and are kept in git without
their outputs (nbclient runs them in this venv's Python kernel)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_there_are_the_three_notebooks():
    assert {p.stem for p in NOTEBOOKS} >= {"year_in_review", "next_fire_season", "winter_roads"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_kept_without_outputs(path: Path):
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_runs_top_to_bottom(path: Path, analysis_db, monkeypatch, tmp_path):
    monkeypatch.setenv("GEORISK_DB", str(analysis_db))
    monkeypatch.setenv("PYTHONPATH", str(path.parent.parent))
    book = nbformat.read(path, as_version=4)
    NotebookClient(book, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in book.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert len([o for o in outputs if o.output_type in ("execute_result", "stream")]) >= 4
