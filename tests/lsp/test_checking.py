"""What the server checks with: config problems and internal errors become diagnostics on the
document, never an exception out of the server."""

from __future__ import annotations

from pathlib import Path

import pytest

from pooling_lint.server import checking
from tests.lsp.conftest import SOURCE


def boom(*args: object, **kwargs: object) -> object:
    raise RuntimeError("rule exploded")


def test_an_internal_error_becomes_plg999(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    target = checking.target_for(tmp_path / "model.py", None)
    monkeypatch.setattr(checking, "check_text", boom)
    (diag,) = checking.check_python(SOURCE, target)
    assert diag.code == "PLG999" and "rule exploded" in diag.message
    monkeypatch.setattr(checking, "check_cells", boom)
    result = checking.check_notebook([SOURCE], target)
    assert [(d.code, d.cell) for d in result.diagnostics] == [("PLG999", 1)]
    assert len(result.related) == len(result.diagnostics)


def test_a_broken_config_is_reported_and_the_defaults_are_used(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.pooling-lint]\nselekt = ["PLG"]\n')
    target = checking.target_for(tmp_path / "model.py", None)
    diags = checking.check_python(SOURCE, target)
    assert [d.code for d in diags] == ["PLG900", "PLG302", "PLG202"]
    assert "unknown key `selekt`" in diags[0].message
    cells = checking.check_notebook([SOURCE], target)
    assert [d.code for d in cells.diagnostics] == ["PLG900", "PLG302", "PLG202"]
    assert len(cells.related) == 3


def test_force_exclude_keeps_excluded_files_quiet(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pooling-lint]\nforce-exclude = true\nextend-exclude = ["legacy"]\n'
    )
    (tmp_path / "legacy").mkdir()
    excluded = tmp_path / "legacy" / "model.py"
    excluded.write_text(SOURCE)
    kept = tmp_path / "model.py"
    kept.write_text(SOURCE)
    assert checking.check_python(SOURCE, checking.target_for(excluded, None)) == []
    assert len(checking.check_python(SOURCE, checking.target_for(kept, None))) == 2
