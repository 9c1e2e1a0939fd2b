"""Loading the extension and checking cells imports no framework and runs nothing it checks:
in ``raise`` mode a hostile cell with findings is rejected before it runs, and a fresh
interpreter reports which framework modules were ever imported."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.test_lint_path_imports import FRAMEWORKS, HOSTILE

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_cell("%load_ext pooling_lint")
    shell.run_cell("%pooling_lint raise")
    result = shell.run_cell(open(sys.argv[1]).read())
    roots = {frameworks!r}
    print(json.dumps({{
        "imported": sorted(m for m in sys.modules if m.split(".")[0] in roots),
        "rejected": type(result.error_before_exec).__name__,
        "message": str(result.error_before_exec),
    }}))
    """
)


def test_extension_imports_no_framework_and_rejects_before_running(tmp_path: Path) -> None:
    marker = tmp_path / "EXECUTED"
    cell = tmp_path / "cell.py"
    cell.write_text(HOSTILE.format(marker=str(marker)))
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(frameworks=set(FRAMEWORKS)), str(cell)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["imported"] == []
    assert report["rejected"] == "PoolingLintFindings"
    assert "PLG101" in report["message"] and "PLG302" in report["message"]
    assert not marker.exists()
