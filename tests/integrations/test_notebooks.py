"""Notebooks written by nbformat (v4): cell-relative findings, magics, cross-cell facts, fixes."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest

from pooling_lint.notebook import load_notebook, to_python

from .conftest import BUGGY


def _write(path: Path, *cells: nbformat.NotebookNode, **metadata: object) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    nb.metadata.update(metadata)
    nbformat.write(nb, str(path))
    return path


code = nbformat.v4.new_code_cell
markdown = nbformat.v4.new_markdown_cell


def _json(cli, *args: str) -> list[dict]:
    result = cli("check", "--format", "json", *args)
    return json.loads(result.output)


def test_cell_numbers_count_all_cells_and_lines_are_cell_relative(cli, tmp_path: Path) -> None:
    _write(
        tmp_path / "nb.ipynb",
        markdown("# Pooling"),
        code("import tensorflow as tf"),  # cell 2: the import ...
        markdown("Now the model."),
        code("x = 1\n\ndef pool(h):\n    return tf.reduce_sum(h, reduction_indices=1)"),
    )  # ... is used in cell 4: the cells are one program
    (diag,) = _json(cli, "nb.ipynb")
    assert (diag["cell"], diag["line"], diag["column"], diag["code"]) == (4, 4, 12, "PLG302")
    text = cli("check", "nb.ipynb")
    assert text.exit_code == 1
    assert text.output.startswith("nb.ipynb:cell 4:4:12: PLG302 ")


def test_magics_and_shell_escapes_are_skipped_not_errors(cli, tmp_path: Path) -> None:
    _write(
        tmp_path / "nb.ipynb",
        code("%matplotlib inline\n!pip install tensorflow\nfiles = !ls\nimport tensorflow as tf"),
        code("%%bash\necho reduction_indices=1 (not Python: the cell is skipped)"),
        code(
            "%%time\nfor h in batches:\n    %time s = 1\n"
            "    y = tf.reduce_sum(h, reduction_indices=1)"
        ),
        code("tf.reduce_mean?\n??tf.reduce_max\nt = %timeit -o f()"),
    )
    diags = _json(cli, "nb.ipynb")
    assert [(d["cell"], d["line"], d["code"]) for d in diags] == [(3, 4, "PLG302")]


def test_to_python_keeps_line_numbers() -> None:
    python, replaced, skipped = to_python("%load_ext autoreload\nx = 1\n  !ls\n")
    assert python == "pass\nx = 1\n  pass\n" and replaced == {0, 2} and not skipped
    # A cell that already parses is left alone: `%` here is the modulo operator.
    assert to_python("y = (a\n% b)")[0] == "y = (a\n% b)\n"
    assert to_python("%%writefile x.py\nprint(1)\n")[2] is True


IPYTHON_CELLS = (
    "!python train.py --lr 1e-3 \\\n    --epochs 3\nx = 1\n",
    "if True:\n    !ls \\\n  -la \\\n  -h\n    y = 2\n",
    "files = !ls \\\n  -la\nn = len(files)\n",
    "%time f(x, \\\n  y)\nz = 3\n",
    "%%time\nimport os\n!echo a \\\n b\n",
    "obj?\n??obj\nobj.attr?\n",
    "x = 1\n%env A=1\n",
)


@pytest.mark.parametrize("cell", IPYTHON_CELLS)
def test_ipython_forms_become_python_with_the_same_lines(cell: str) -> None:
    python, replaced, skipped = to_python(cell)
    assert not skipped
    assert python.count("\n") == cell.rstrip("\n").count("\n") + 1
    ast.parse(python)  # one logical IPython line, not a syntax error
    # Oracle: IPython's own transformer turns the same cell into Python as well, and every
    # line we kept is Python that IPython kept too.
    from IPython.core.inputtransformer2 import TransformerManager

    ast.parse(TransformerManager().transform_cell(cell))
    kept = [line for i, line in enumerate(cell.split("\n")) if i not in replaced and line]
    assert all("!" not in line and "%" not in line and "?" not in line for line in kept)


def test_backslash_continuation_of_a_magic_is_one_logical_line() -> None:
    python, replaced, _ = to_python("!pip install a \\\n    b\nimport torch\n")
    assert python == "pass\npass\nimport torch\n" and replaced == {0, 1}
    # A Python line continued with a backslash is untouched.
    source = "x = 1 + \\\n    2\n!ls\n"
    assert to_python(source)[0] == "x = 1 + \\\n    2\npass\n"


def test_syntax_error_is_reported_for_its_cell_and_other_cells_still_checked(
    cli, tmp_path: Path
) -> None:
    _write(
        tmp_path / "nb.ipynb",
        code("import tensorflow as tf"),
        code("def broken(:\n    pass"),
        code("s = tf.reduce_sum(h, reduction_indices=1)"),
    )
    diags = _json(cli, "nb.ipynb")
    assert [(d["cell"], d["code"]) for d in diags] == [(2, "PLG000"), (3, "PLG302")]
    # The position inside the cell is the one the same code gets as a .py file.
    (tmp_path / "cell2.py").write_text("def broken(:\n    pass  # tensorflow reduction_indices\n")
    (as_file,) = _json(cli, "cell2.py")
    assert (diags[0]["line"], diags[0]["column"]) == (as_file["line"], as_file["column"])
    assert diags[1]["line"] == 1


def test_noqa_works_inside_cells(cli, tmp_path: Path) -> None:
    _write(
        tmp_path / "nb.ipynb",
        code("import tensorflow as tf"),
        code("s = tf.reduce_sum(h, reduction_indices=1)  # noqa: PLG302"),
        code("m = tf.reduce_max(h, keep_dims=True)  # noqa"),
    )
    result = cli("check", "nb.ipynb")
    assert result.exit_code == 0, result.output


def test_fix_changes_only_the_fixed_cells_source(cli, tmp_path: Path) -> None:
    first = code("import tensorflow as tf\n%matplotlib inline")
    first.outputs = [nbformat.v4.new_output("stream", text="ünïcode output\n")]
    first.execution_count = 3
    fixed_cell = code("%%time\ns = tf.reduce_sum(h, reduction_indices=1)\n!echo done")
    fixed_cell.metadata["tags"] = ["keep-me"]
    path = _write(
        tmp_path / "nb.ipynb",
        markdown("# Title"),
        first,
        fixed_cell,
        code("untouched = tf.reduce_max(h, keep_dims=True)  # noqa: PLG302"),
        kernelspec={"name": "python3", "display_name": "Python 3", "language": "python"},
    )
    before = path.read_text(encoding="utf-8")

    diff = cli("check", "--diff", "nb.ipynb")
    assert "--- a/nb.ipynb:cell 3" in diff.output
    assert "+s = tf.reduce_sum(h, axis=1)" in diff.output
    assert path.read_text(encoding="utf-8") == before  # --diff writes nothing

    result = cli("check", "--fix", "nb.ipynb")
    assert result.exit_code == 0, result.output
    after = path.read_text(encoding="utf-8")
    expected = nbformat.reads(before, as_version=4)
    expected.cells[2].source = "%%time\ns = tf.reduce_sum(h, axis=1)\n!echo done"
    # Byte for byte what nbformat itself writes: outputs, metadata, layout all kept.
    assert after == nbformat.writes(expected) + "\n"
    assert before.replace("reduction_indices=1", "axis=1") == after
    nbformat.validate(nbformat.reads(after, as_version=4))
    assert cli("check", "--fix", "nb.ipynb").exit_code == 0
    assert path.read_text(encoding="utf-8") == after  # idempotent


def test_source_stored_as_a_string_stays_a_string(cli, tmp_path: Path) -> None:
    raw = {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "a1", "metadata": {},
                   "outputs": [], "source": BUGGY}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(raw, indent=2), encoding="utf-8")
    assert cli("check", "--fix", "nb.ipynb").exit_code == 0
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["cells"][0]["source"] == BUGGY.replace("reduction_indices=", "axis=")
    assert path.read_text(encoding="utf-8") == json.dumps(data, indent=2)


def test_broken_json_is_a_clear_file_error(cli, tmp_path: Path) -> None:
    (tmp_path / "nb.ipynb").write_text('{\n "cells": [\n  {"cell_type": "code",}\n ]\n}\n')
    result = cli("check", "nb.ipynb")
    assert result.exit_code == 2
    assert result.output.startswith("nb.ipynb:3:")
    assert "PLG900 invalid notebook JSON" in result.output
    assert "line 3" in result.output


def test_not_a_notebook_and_other_languages(cli, tmp_path: Path) -> None:
    (tmp_path / "list.ipynb").write_text("[]")
    assert "not a Jupyter notebook" in cli("check", "list.ipynb").output
    _write(
        tmp_path / "r.ipynb",
        code("tf.reduce_sum(h, reduction_indices=1)"),
        kernelspec={"name": "ir", "display_name": "R", "language": "R"},
    )
    assert cli("check", "r.ipynb").exit_code == 0


def test_directories_include_notebooks_but_not_checkpoints(cli, tmp_path: Path) -> None:
    _write(tmp_path / "nb.ipynb", code(BUGGY))
    (tmp_path / ".ipynb_checkpoints").mkdir()
    _write(tmp_path / ".ipynb_checkpoints" / "nb-checkpoint.ipynb", code(BUGGY))
    diags = _json(cli, ".")
    assert [d["path"] for d in diags] == ["nb.ipynb"]


def test_load_notebook_skips_markdown_and_raw() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [markdown("x"), nbformat.v4.new_raw_cell("y"), code("z = 1")]
    loaded = load_notebook(nbformat.writes(nb))
    assert [c.number for c in loaded.cells] == [3]


@pytest.mark.parametrize("fmt", ["json", "github", "sarif"])
def test_every_format_names_the_cell(cli, tmp_path: Path, fmt: str) -> None:
    _write(tmp_path / "nb.ipynb", markdown("m"), code(BUGGY))
    out = cli("check", "--format", fmt, "nb.ipynb").output
    assert {"json": '"cell": 2', "github": "(cell 2)", "sarif": '"cell": 2'}[fmt] in out


def test_cached_and_parallel_runs_keep_the_cells(cli, tmp_path: Path) -> None:
    for i in range(10):
        _write(tmp_path / f"nb{i}.ipynb", markdown("m"), code(BUGGY))
    first = cli("check", ".")
    second = cli("check", ".")  # served from the result cache
    parallel = cli("check", "--no-cache", "--jobs", "2", ".")
    assert first.output == second.output == parallel.output
    assert first.output.count(":cell 2:4:12: PLG302") == 10


def test_evidence_in_another_cell_is_cited_by_cell(cli, tmp_path: Path) -> None:
    _write(
        tmp_path / "nb.ipynb",
        markdown("# Embedding"),
        code("import torch\nfrom torch.nn.utils.rnn import pad_sequence\n%matplotlib inline"),
        code("x = pad_sequence(seqs, batch_first=True)\n!nvidia-smi"),
        markdown("Pool it."),
        code("pooled = x.mean(dim=1)"),
    )
    (diag,) = _json(cli, "nb.ipynb")
    assert (diag["code"], diag["cell"], diag["line"]) == ("PLG101", 5, 1)
    assert "at cell 3, line 1" in diag["message"]


def test_automagic_lines_are_magics_only_when_they_are_not_python() -> None:
    python, replaced, _ = to_python("pip install -q transformers\nls ./data/train/\nx = (\n")
    assert python.splitlines()[:2] == ["pass", "pass"] and replaced == {0, 1}
    # Python that happens to start with a magic's name stays Python.
    assert to_python("time = (1,\n 2)\nx = (\n")[1] == frozenset()
    assert to_python("cd = 3\nx = (\n")[1] == frozenset()


def test_indented_cell_is_dedented_like_ipython_and_reported_in_its_own_columns(
    cli, tmp_path: Path
) -> None:
    _write(
        tmp_path / "nb.ipynb",
        code("import tensorflow as tf"),
        code("    def pool(h):\n        return tf.reduce_sum(h, reduction_indices=1)"),
    )
    diags = _json(cli, "nb.ipynb")
    # The cell runs in IPython (its leading indent is removed), so it is not a PLG000, and the
    # finding's column is the one in the cell as the user sees it.
    assert [(d["cell"], d["line"], d["column"], d["code"]) for d in diags] == [
        (2, 2, 16, "PLG302")
    ]
    cli("check", "--fix", "nb.ipynb")
    fixed = json.loads((tmp_path / "nb.ipynb").read_text())["cells"][1]["source"]
    assert "".join(fixed) == "    def pool(h):\n        return tf.reduce_sum(h, axis=1)"


def test_dedent_cell_removes_the_first_lines_indent_where_present() -> None:
    from pooling_lint.notebook import dedent_cell

    assert dedent_cell("\n    a = 1\n  b\n    c\n") == ("\na = 1\n  b\nc\n", "    ", {1, 3})
    assert dedent_cell("a = 1\n    b\n") == ("a = 1\n    b\n", "", frozenset())
