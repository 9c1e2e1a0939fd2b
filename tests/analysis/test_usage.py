"""The usage-role scan: pruning to the lines that can hold a role finds the same roles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pooling_lint.analysis.positions import SourceLines
from pooling_lint.analysis.usage import RoleLines, usage_roles
from pooling_lint.analysis.values import Role

ROOT = Path(__file__).resolve().parents[2]


def _parses(path: Path) -> bool:
    try:
        ast.parse(path.read_text(encoding="utf-8"))
    except SyntaxError:
        return False  # the PLG000 fixtures: no functions to scan
    return True


FILES = sorted(
    p
    for p in [*(ROOT / "tests" / "fixtures").rglob("*.py"), *(ROOT / "examples").glob("*.py")]
    if _parses(p)
)


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_pruned_scan_equals_the_full_scan(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    lines = RoleLines(SourceLines(text))
    for fn in _functions(tree):
        assert lines.roles(fn) == usage_roles(fn), f"{path.name}:{fn.lineno} {fn.name}"


def test_roles_from_usage() -> None:
    text = (
        "def f(x, n, m, k):\n"
        "    for i in range(3):\n"
        "        pass\n"
        "    p = pack_padded_sequence(x, n.cpu())\n"
        "    y = x.masked_fill(~m, 0)\n"
        "    z = torch.arange(10)[None, :] < k[:, None]\n"
        "def g(a):\n"
        "    return a\n"
    )
    tree = ast.parse(text)
    f, g = _functions(tree)
    roles = RoleLines(SourceLines(text))
    assert roles.roles(f) == {"n": Role.LENGTHS, "m": Role.MASK, "k": Role.LENGTHS}
    assert roles.roles(g) == {}
