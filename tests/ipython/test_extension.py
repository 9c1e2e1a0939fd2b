"""``%load_ext pooling_lint`` in a real IPython ``InteractiveShell``: cells are checked with the
cells that ran before them, findings warn (or, in ``raise`` mode, stop the cell), and the
magic lists, toggles and resets."""

from __future__ import annotations

import sys
import types
import warnings
from collections.abc import Iterator

import pytest
from IPython.core.interactiveshell import InteractiveShell

from pooling_lint.ipython_extension import PoolingLintFindings, PoolingLintWarning

# Not the conventional ``tf``: a cell that uses ``tf`` and binds nothing is read as TensorFlow
# by convention (a fragment), while ``tfm`` means TensorFlow only through an earlier cell.
IMPORT = "import tensorflow as tfm\n"
POOL = "def pool(h):\n    return tfm.reduce_sum(h, reduction_indices=1)\n"


@pytest.fixture
def shell(monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    """A fresh shell with the extension loaded. ``tensorflow`` is a stub module here: the
    cells run for real, and the tests must not pay for (or depend on) TensorFlow."""
    stub = types.ModuleType("tensorflow")
    stub.reduce_sum = lambda h, **kwargs: sum(h)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tensorflow", stub)
    InteractiveShell.clear_instance()
    sh = InteractiveShell.instance()
    sh.run_cell("%load_ext pooling_lint", store_history=True)
    yield sh
    sh.run_cell("%unload_ext pooling_lint")
    InteractiveShell.clear_instance()


def run(sh: InteractiveShell, source: str) -> tuple[object, list[str]]:
    """Run a cell; its result and the pooling-lint warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = sh.run_cell(source, store_history=True)
    return result, [str(w.message) for w in caught if w.category is PoolingLintWarning]


def test_finding_uses_earlier_cells_and_the_cell_still_runs(shell: InteractiveShell) -> None:
    _, first = run(shell, IMPORT)
    assert first == []
    result, found = run(shell, POOL)
    assert len(found) == 1
    assert found[0].startswith("PLG302 line 2:12: `tf.reduce_sum` called with TF1 argument")
    assert "(fix: Rename `reduction_indices=` to `axis=`)" in found[0]
    assert result.success  # type: ignore[attr-defined]
    assert shell.user_ns["pool"]([1, 2]) == 3  # the cell ran


def test_without_the_earlier_import_there_is_no_finding(shell: InteractiveShell) -> None:
    # The same cell alone is not TensorFlow code: the finding above came from the history.
    _, found = run(shell, POOL)
    assert found == []


def test_a_conventional_alias_no_cell_binds_is_read_by_convention(shell: InteractiveShell) -> None:
    _, found = run(shell, POOL.replace("tfm.", "tf."))
    assert len(found) == 1
    assert found[0].startswith("PLG302 line 2:12: `tf.reduce_sum`")
    assert "read `tf` as `tensorflow`" in found[0]


def test_a_cell_that_failed_is_not_part_of_the_program(shell: InteractiveShell) -> None:
    result, _ = run(shell, IMPORT + "1 / 0\n")
    assert not result.success  # type: ignore[attr-defined]
    _, found = run(shell, POOL)
    assert found == []


def test_raise_mode_stops_the_cell_and_warn_mode_runs_it(shell: InteractiveShell) -> None:
    run(shell, IMPORT)
    run(shell, "%pooling_lint raise")
    result, found = run(shell, POOL)
    assert found == []
    error = result.error_before_exec  # type: ignore[attr-defined]
    assert isinstance(error, PoolingLintFindings)
    assert "PLG302 line 2:12" in str(error) and "the cell was not run" in str(error)
    assert "pool" not in shell.user_ns
    clean, _ = run(shell, "y = 1\n")  # a clean cell runs in raise mode
    assert clean.success and shell.user_ns["y"] == 1  # type: ignore[attr-defined]
    run(shell, "%pooling_lint warn")
    result, found = run(shell, POOL)
    assert len(found) == 1 and result.success  # type: ignore[attr-defined]
    assert "pool" in shell.user_ns


def test_off_and_on(shell: InteractiveShell) -> None:
    run(shell, IMPORT)
    run(shell, "%pooling_lint off")
    _, found = run(shell, POOL)
    assert found == []
    run(shell, "%pooling_lint on")
    _, found = run(shell, POOL + "\n")  # another cell with the same code
    assert len(found) == 1


def test_magic_lists_the_whole_history(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    run(shell, IMPORT)
    run(shell, POOL)
    run(shell, "z = 2\n")
    capsys.readouterr()
    run(shell, "%pooling_lint")
    out = capsys.readouterr().out
    assert "In [3]: PLG302 line 2:12:" in out  # In [1] was %load_ext, In [2] the import
    assert "1 finding in 3 cells run so far." in out
    run(shell, "%pooling_lint reset")
    capsys.readouterr()
    run(shell, "%pooling_lint")
    assert "no cells have run yet" in capsys.readouterr().out


def test_noqa_magics_and_syntax_errors(shell: InteractiveShell) -> None:
    run(shell, IMPORT)
    _, found = run(shell, POOL.replace("=1)\n", "=1)  # noqa: PLG302\n"))
    assert found == []
    _, found = run(shell, "%time x = 1\n" + POOL.replace("pool", "pool2"))
    assert [f.split(":")[0] for f in found] == ["PLG302 line 3"]  # the magic keeps lines
    result, found = run(shell, "y = (\n")
    assert found == []  # IPython reports the syntax error itself
    assert not result.success  # type: ignore[attr-defined]


def test_unknown_magic_argument_is_a_usage_error(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    result, _ = run(shell, "%pooling_lint sideways")
    assert not result.success  # type: ignore[attr-defined]
    assert "usage: %pooling_lint" in capsys.readouterr().err


def test_evidence_in_an_earlier_cell_is_cited_by_its_in_number(
    shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Padded:
        def mean(self, dim: int) -> int:
            return dim

    names = ("torch", "torch.nn", "torch.nn.utils", "torch.nn.utils.rnn")
    for name in names:  # a stub torch: the cells run, torch is not imported
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    rnn = sys.modules["torch.nn.utils.rnn"]
    rnn.pad_sequence = lambda seqs, batch_first=False: Padded()  # type: ignore[attr-defined]
    run(shell, "from torch.nn.utils.rnn import pad_sequence\n")  # In [2]
    run(shell, "z = 1\n")  # In [3]: not needed, and not what the message counts
    run(shell, "x = pad_sequence([1], batch_first=True)\n")  # In [4]
    result, found = run(shell, "pooled = x.mean(dim=1)\n")
    assert len(found) == 1 and found[0].startswith("PLG101 line 1:10:")
    assert "`pad_sequence([1], batch_first=True)` in In [4], line 1" in found[0]
    assert shell.user_ns["pooled"] == 1  # the cell ran


def test_a_linter_bug_warns_once_and_the_cell_runs(
    shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pooling_lint.ipython_extension as extension

    def boom(*args: object, **kwargs: object) -> object:
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(extension, "check_cells", boom)
    result, found = run(shell, IMPORT + "w = 5\n")
    assert found == ["pooling-lint could not check this cell: RuntimeError: engine exploded"]
    assert result.success and shell.user_ns["w"] == 5  # type: ignore[attr-defined]
