"""The writer: fixes applied with libcst by position, and imports added once."""

from __future__ import annotations

import ast
import dataclasses
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pooling_lint.analysis.facts import FileFacts
from pooling_lint.analysis.positions import SourceLines
from pooling_lint.cli import main
from pooling_lint.diagnostics import Edit, Fix, Location, RequiredImport
from pooling_lint.fixes import apply_edits
from pooling_lint.rules.plg302_deprecated_reduction_args import DeprecatedReductionArgs
from pooling_lint.writer import apply_fixes, rewrite

MASKED_MEAN = RequiredImport("pooling_lint.runtime.torch", "masked_mean")


def _span_edit(text: str, source: str, new: str) -> Edit:
    """An edit replacing the first expression whose source is ``source``."""
    src = SourceLines(text)
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.expr) and src.segment(node) == source:
            return Edit(src.start(node), src.end(node), new)
    raise AssertionError(f"no expression {source!r}")


def _with_import(text: str, *needs: RequiredImport) -> str:
    return rewrite(textwrap.dedent(text), [], needs)


@pytest.mark.parametrize(
    ("text", "source", "new"),
    [
        ("y = x.mean(dim=1)\n", "x.mean(dim=1)", "masked_mean(x, lengths)"),
        ("y = (x.mean(dim=1))  # keep\n", "x.mean(dim=1)", "masked_mean(x, lengths)"),
        ("y = f(\n    a,  # first\n    b)\n", "b", "c + 1"),
        ('s = "é"; y = g(1)\r\n', "1", "2"),
        ("if a:\n    pass\nelse:\n    z = [1, 2]\n", "2", "n"),
    ],
)
def test_node_replacement_equals_the_text_edit(text: str, source: str, new: str) -> None:
    edit = _span_edit(text, source, new)
    assert rewrite(text, [edit]) == apply_edits(text, [edit])


def test_a_span_that_is_no_node_falls_back_to_a_text_edit() -> None:
    text = "y = x.mean(dim=1)\n"
    edit = Edit(Location(1, 1), Location(1, 3), "zz")  # "y " is no expression
    assert rewrite(text, [edit]) == "zz= x.mean(dim=1)\n"


def test_import_goes_after_docstring_future_and_imports() -> None:
    new = _with_import(
        '''\
        """Docstring."""
        from __future__ import annotations

        import torch

        def f(x, lengths):
            return x.mean(1)
        ''',
        MASKED_MEAN,
    )
    assert new == textwrap.dedent(
        '''\
        """Docstring."""
        from __future__ import annotations

        import torch
        from pooling_lint.runtime.torch import masked_mean

        def f(x, lengths):
            return x.mean(1)
        '''
    )


def test_import_reuses_an_existing_import_of_the_module() -> None:
    new = _with_import(
        """\
        import torch
        from pooling_lint.runtime.torch import last_valid
        x = 1
        """,
        MASKED_MEAN,
    )
    assert new.count("pooling_lint.runtime.torch") == 1
    assert "from pooling_lint.runtime.torch import last_valid, masked_mean\n" in new


@pytest.mark.parametrize(
    "existing",
    [
        "from pooling_lint.runtime.torch import masked_mean\n",
        "from pooling_lint.runtime.torch import last_valid, masked_mean\n",
        "from pooling_lint.runtime.torch import *\n",
    ],
)
def test_import_already_there_is_not_added_again(existing: str) -> None:
    text = "import torch\n" + existing + "y = 1\n"
    assert rewrite(text, [], [MASKED_MEAN]) == text


def test_other_forms_do_not_count_as_the_import() -> None:
    new = _with_import(
        """\
        import pooling_lint.runtime.torch
        from pooling_lint.runtime.torch import masked_mean as mm
        def f():
            from pooling_lint.runtime.torch import masked_mean
        """,
        MASKED_MEAN,
    )
    # a module import, an alias and a function-level import do not bind `masked_mean` at the top
    assert "from pooling_lint.runtime.torch import masked_mean as mm, masked_mean\n" in new


def test_import_in_a_file_without_imports_keeps_leading_comments_first() -> None:
    new = _with_import("#!/usr/bin/env python\n# license\n\nx = 1\n", MASKED_MEAN)
    assert new == (
        "#!/usr/bin/env python\n# license\n\n"
        "from pooling_lint.runtime.torch import masked_mean\nx = 1\n"
    )
    assert _with_import("", MASKED_MEAN) == "from pooling_lint.runtime.torch import masked_mean\n"


def test_adding_imports_is_idempotent_and_each_import_once() -> None:
    other = RequiredImport("pooling_lint.runtime.tensorflow", "masked_mean")
    once = _with_import("import torch\n", MASKED_MEAN, MASKED_MEAN, other)
    assert once.count("import masked_mean") == 2  # one per module
    assert rewrite(once, [], [MASKED_MEAN, other]) == once


def test_apply_fixes_edits_and_imports_together() -> None:
    text = "import torch\ndef f(x, lengths):\n    return x.mean(dim=1)\n"
    edit = _span_edit(text, "x.mean(dim=1)", "masked_mean(x, lengths)")
    fix = Fix((edit,), "unsafe", "Use masked_mean", (MASKED_MEAN,))
    assert apply_fixes(text, [fix, fix]) == (
        "import torch\nfrom pooling_lint.runtime.torch import masked_mean\n"
        "def f(x, lengths):\n    return masked_mean(x, lengths)\n"
    )


def test_fix_with_an_import_through_the_cli_is_atomic_and_idempotent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule's fix that needs a runtime import (issue 14 will add such fixes)."""
    original_check = DeprecatedReductionArgs.check
    need = RequiredImport("pooling_lint.runtime.tensorflow", "masked_mean")

    def with_import(self: DeprecatedReductionArgs, facts: FileFacts) -> Iterator[object]:
        for finding in original_check(self, facts):
            assert isinstance(finding.node, ast.Call)
            edit = facts.replace(finding.node, "masked_mean(h, lengths)")
            yield dataclasses.replace(finding, fix=(edit,), imports=(need,))

    monkeypatch.setattr(DeprecatedReductionArgs, "check", with_import)
    path = tmp_path / "m.py"
    path.write_text(
        '"""Pooling."""\nimport tensorflow as tf\n\n'
        "def pool(h, lengths):\n    return tf.reduce_sum(h, reduction_indices=1)\n"
    )
    for _ in range(2):
        CliRunner().invoke(main, ["check", "--fix", "--no-cache", str(path)])
        assert path.read_text() == (
            '"""Pooling."""\nimport tensorflow as tf\n'
            "from pooling_lint.runtime.tensorflow import masked_mean\n\n"
            "def pool(h, lengths):\n    return masked_mean(h, lengths)\n"
        )
    assert [p.name for p in tmp_path.iterdir()] == ["m.py"]  # no temporary file left
