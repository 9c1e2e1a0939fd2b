"""The linter never imports a framework and never runs the code it checks (DESIGN.md boundary).

Each test starts a fresh interpreter, runs the real CLI on hostile framework code and prints,
at exit, which framework modules were ever imported, and whether libcst was: the lint path
reads with Python's ``ast`` and only the fix path (the writer) may import libcst.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

FRAMEWORKS = ("torch", "tensorflow", "keras", "jaxtyping", "beartype", "tf_keras", "jax")

WRAPPER = textwrap.dedent(
    f"""
    import atexit, json, sys

    def report():
        roots = {set(FRAMEWORKS)!r}
        seen = sorted(m for m in sys.modules if m.split(".")[0] in roots)
        sys.stderr.write("IMPORTED=" + json.dumps(seen) + "\\n")
        sys.stderr.write("LIBCST=" + json.dumps("libcst" in sys.modules) + "\\n")

    atexit.register(report)
    sys.argv = ["pooling-lint", *sys.argv[1:]]
    from pooling_lint.cli import main
    main()
    """
)

#: Model code whose top level, if it were ever executed, would leave a marker, raise or hang.
HOSTILE = """\
import pathlib, sys
pathlib.Path({marker!r}).write_text("executed")
import torch
import torch.nn as nn
import tensorflow as tf
from tensorflow import keras
from keras import layers
import jaxtyping, beartype
from torch.nn.utils.rnn import pad_sequence, pack_padded_sequence

raise SystemExit("this file must never run")
while True:
    pass

class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)

    def forward(self, seqs):
        x = pad_sequence(seqs, batch_first=True)
        out, _ = self.lstm(x)
        return out.mean(dim=1)

def tf_pool(h):
    return tf.reduce_sum(h, reduction_indices=1, keep_dims=True)

inputs = keras.Input(shape=(None, 8))
masked = layers.Masking()(inputs)
pooled = tf.reduce_mean(layers.LSTM(4, return_sequences=True)(masked), axis=1)
"""


def run_cli_full(cwd: Path, *args: str) -> tuple[int, str, list[str], bool]:
    """(exit code, stdout, framework modules imported, whether libcst was imported)."""
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = proc.stderr.splitlines()
    imported = next(ln for ln in lines if ln.startswith("IMPORTED="))
    libcst = next(ln for ln in lines if ln.startswith("LIBCST="))
    return (
        proc.returncode,
        proc.stdout,
        json.loads(imported.removeprefix("IMPORTED=")),
        json.loads(libcst.removeprefix("LIBCST=")),
    )


def run_cli(cwd: Path, *args: str) -> tuple[int, str, list[str]]:
    code, out, imported, _ = run_cli_full(cwd, *args)
    return code, out, imported


def test_check_imports_no_framework_and_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "EXECUTED"
    model = tmp_path / "model.py"
    model.write_text(HOSTILE.format(marker=str(marker)))
    code, out, imported, libcst = run_cli_full(tmp_path, "check", "--no-cache", "model.py")
    assert imported == []
    assert not marker.exists()
    assert code == 1
    assert "model.py:26:12: PLG302" in out  # linted, not executed
    assert "model.py:23:16: PLG101" in out
    assert libcst is False  # findings, one of them fixable, but nothing to write: no libcst


def test_check_with_findings_never_imports_libcst(tmp_path: Path) -> None:
    """Reading is ``ast`` only: libcst (the writer) loads for --fix/--diff and nothing else."""
    marker = tmp_path / "EXECUTED"
    for i in range(12):  # enough files for the process pool as well
        (tmp_path / f"m{i}.py").write_text(HOSTILE.format(marker=str(marker)) + "#" * 30000)
    for args in (
        ("check", "--no-cache", "."),
        ("check", "--no-cache", "--jobs", "2", "--format", "json", "."),
        ("check", "--no-cache", "--format", "sarif", "m0.py"),
        ("check", "--no-cache", "--statistics", "m0.py"),
    ):
        code, out, imported, libcst = run_cli_full(tmp_path, *args)
        assert code == 1, args
        assert "PLG302" in out or "PLG101" in out, args
        assert imported == [] and libcst is False, args
    code, out, _, libcst = run_cli_full(tmp_path, "check", "--no-cache", "--diff", "m0.py")
    assert "+    return tf.reduce_sum(h, axis=1, keepdims=True)" in out
    assert libcst is True  # the writer made the diff


def test_fix_json_and_parallel_runs_import_no_framework(tmp_path: Path) -> None:
    marker = tmp_path / "EXECUTED"
    for i in range(12):  # enough files and bytes for the process pool
        (tmp_path / f"m{i}.py").write_text(HOSTILE.format(marker=str(marker)) + "#" * 30000)
    code, out, imported = run_cli(
        tmp_path, "check", "--no-cache", "--fix", "--jobs", "2", "--format", "json", "."
    )
    assert imported == []
    assert not marker.exists()
    assert code in (0, 1)
    assert "reduction_indices" not in (tmp_path / "m0.py").read_text()
    for command in (["rules"], ["explain", "PLG101"]):
        _, _, imported = run_cli(tmp_path, *command)
        assert imported == []
