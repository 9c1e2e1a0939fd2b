"""Positions: ast's UTF-8 byte columns become 1-based character columns, per line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pooling_lint.analysis.positions import SourceLines, split_lines
from pooling_lint.diagnostics import Location
from pooling_lint.engine import lint_source_text


def _node(text: str, kind: type[ast.AST], index: int = 0) -> ast.AST:
    found = [n for n in ast.walk(ast.parse(text)) if isinstance(n, kind)]
    return sorted(found, key=lambda n: (n.lineno, n.col_offset))[index]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("prefix", "chars"),
    [
        ("", 0),
        ('s = "é"; ', 9),  # 2-byte character
        ('s = "日本語"; ', 11),  # 3-byte characters
        ('s = "🙂🙂"; ', 10),  # 4-byte characters
        ("ñame = 1; ", 10),  # non-ASCII identifier
        ("y = 1;\t", 7),  # a tab is one character
    ],
)
def test_columns_count_characters_not_bytes(prefix: str, chars: int) -> None:
    text = f"{prefix}f(x)\n"
    src = SourceLines(text)
    call = _node(text, ast.Call)
    assert src.start(call) == Location(1, chars + 1)
    assert src.end(call) == Location(1, chars + 5)
    assert src.segment(call) == "f(x)"


def test_end_column_on_a_non_ascii_last_line() -> None:
    text = 'y = g(1,\n      "ü")  # done\n'
    src = SourceLines(text)
    call = _node(text, ast.Call)
    assert src.start(call) == Location(1, 5)
    assert src.end(call) == Location(2, 11)
    assert src.segment(call) == 'g(1,\n      "ü")'


def test_lines_end_where_python_ends_them() -> None:
    assert split_lines("a\x0cb\nc") == ["a\x0cb", "c"]  # a form feed is no line break
    assert split_lines("a\r\nb\rc\n") == ["a", "b", "c", ""]
    text = "x = 1\r\ny = f(z)\r\n"
    call = _node(text, ast.Call)
    assert SourceLines(text).segment(call) == "f(z)"


def test_simple_suites_are_told_from_indented_blocks() -> None:
    text = "if a: b = 1\nif c:\n    d = 2\ndef f(): return 3\nclass K:  # é\n    e = 4\n"
    tree = ast.parse(text)
    src = SourceLines(text)
    flags = [src.is_simple_suite(stmt.body) for stmt in tree.body]  # type: ignore[attr-defined]
    assert flags == [True, False, True, False]


def test_a_finding_after_non_ascii_text_points_at_its_characters() -> None:
    code = (
        "import tensorflow as tf\n"
        'def pool(h): \n    note = "ü → ✓"; return tf.reduce_sum(h, reduction_indices=1)\n'
    )
    (d,) = lint_source_text(code)
    line = code.splitlines()[2]
    assert d.code == "PLG302"
    assert d.start == Location(3, line.index("tf.reduce_sum") + 1)
    assert d.end == Location(3, len(line) + 1)
    assert d.fix is not None
    (edit,) = d.fix.edits
    assert edit.start == Location(3, line.index("reduction_indices") + 1)
    assert edit.end == Location(3, line.index("=1)") + 1)


def test_fix_after_non_ascii_text_edits_the_right_characters(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pooling_lint.cli import main

    path = tmp_path / "m.py"
    path.write_text(
        "import tensorflow as tf\n"
        "def pool(h):\n"
        '    s = "日本"; return tf.reduce_sum(h, reduction_indices=1, keep_dims=True)\n',
        encoding="utf-8",
    )
    CliRunner().invoke(main, ["check", "--fix", "--no-cache", str(path)])
    assert path.read_text(encoding="utf-8").splitlines()[2] == (
        '    s = "日本"; return tf.reduce_sum(h, axis=1, keepdims=True)'
    )
