"""Syntactic scans of a function: the names it uses as lengths or masks, the names it mentions,
and whether a class hands a Keras mask on."""

from __future__ import annotations

import ast
import re
from bisect import bisect_left

from pooling_lint.analysis.positions import SourceLines
from pooling_lint.analysis.scopes import FunctionNode
from pooling_lint.analysis.values import Role
from pooling_lint.analysis.walk import FUNCTIONS, block, statements, walk


def callee_name(func: ast.expr) -> str:
    kind = type(func)
    if kind is ast.Attribute:
        return func.attr  # type: ignore[attr-defined, no-any-return]
    if kind is ast.Name:
        return func.id  # type: ignore[attr-defined, no-any-return]
    return ""


class _RoleScan:
    """Names used as lengths or masks by how the function uses them."""

    def __init__(self) -> None:
        self.roles: dict[str, Role] = {}

    def scan(self, fn: FunctionNode, lines: list[int] | None = None) -> None:
        for node in walk(fn.body, into_scopes=False, lines=lines):
            kind = type(node)
            if kind is ast.Call:
                self.visit_call(node)  # type: ignore[arg-type]
            elif kind is ast.Compare:
                self.visit_compare(node)  # type: ignore[arg-type]

    def visit_call(self, node: ast.Call) -> None:
        name = callee_name(node.func)
        if name not in ("pack_padded_sequence", "sequence_mask", "masked_fill"):
            return
        # positional as the scan always read them: `*a` and `**kw` included, in order
        args = [a.value if type(a) is ast.Starred else a for a in node.args]
        args += [k.value for k in node.keywords if k.arg is None]
        kw = {k.arg: k.value for k in node.keywords if k.arg is not None}
        if name == "pack_padded_sequence":
            self._mark(kw.get("lengths") or (args[1] if len(args) > 1 else None), Role.LENGTHS)
        elif name == "sequence_mask":
            self._mark(kw.get("lengths") or (args[0] if args else None), Role.LENGTHS)
        elif args:
            self._mark(args[0], Role.MASK)

    def visit_compare(self, node: ast.Compare) -> None:
        # arange(T)[None, :] < n[:, None]: n holds lengths
        sides = [node.left, *node.comparators]
        if not any(_calls_arange(side) for side in sides):
            return
        for side in sides:
            if not _calls_arange(side):
                self._mark(side, Role.LENGTHS)

    def _mark(self, v: ast.expr | None, role: Role) -> None:
        if v is None:
            return
        while True:
            if isinstance(v, ast.UnaryOp):
                v = v.operand
            elif isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute):
                v = v.func.value  # lengths.cpu(), mask.unsqueeze(1)
            elif isinstance(v, ast.Subscript):
                v = v.value
            else:
                break
        if type(v) is ast.Name:
            self.roles.setdefault(v.id, role)


def passes_mask(src: SourceLines, cls: ast.ClassDef) -> bool:
    """`supports_masking = True` or a `compute_mask` method: Keras hands the mask on."""
    for node in statements(src, block(src, cls.body)):
        if isinstance(node, FUNCTIONS) and node.name == "compute_mask":
            return True
        if (
            type(node) is ast.Assign
            and type(node.value) is ast.Constant
            and node.value.value is True
        ):
            for target in node.targets:
                if callee_name(target) == "supports_masking":
                    return True
    return False


def name_counts(fn: ast.AST, wanted: frozenset[str]) -> dict[str, int]:
    """How often each of ``wanted`` occurs as an identifier anywhere in ``fn``.

    Every place an identifier is written counts (a name, an attribute, a keyword argument, a
    parameter, an imported or defined name), as the check has always counted them.
    """
    counts: dict[str, int] = {}

    def count(name: str | None) -> None:
        if name in wanted:
            counts[name] = counts.get(name, 0) + 1

    for node in walk(fn):
        kind = type(node)
        if kind is ast.Name:
            count(node.id)  # type: ignore[attr-defined]
        elif kind is ast.Attribute:
            count(node.attr)  # type: ignore[attr-defined]
        elif kind is ast.keyword or kind is ast.arg:
            count(node.arg)  # type: ignore[attr-defined]
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            count(node.name)  # type: ignore[attr-defined]
        elif kind is ast.ExceptHandler:
            count(node.name)  # type: ignore[attr-defined]
        elif kind is ast.alias:
            for part in node.name.split("."):  # type: ignore[attr-defined]
                count(part)
            count(node.asname)  # type: ignore[attr-defined]
        elif kind is ast.Global or kind is ast.Nonlocal:
            for name in node.names:  # type: ignore[attr-defined]
                count(name)
    return counts


def _calls_arange(node: ast.expr) -> bool:
    while type(node) in (ast.Subscript, ast.Attribute):
        node = node.value  # type: ignore[attr-defined]
    if type(node) is ast.Call:
        f = node.func
        if callee_name(f) in ("arange", "range"):
            return True
        return type(f) is ast.Attribute and _calls_arange(f.value)
    return False


def usage_roles(fn: FunctionNode, lines: list[int] | None = None) -> dict[str, Role]:
    """Names ``fn`` uses as lengths or masks (``pack_padded_sequence(x, n)``: ``n``).

    With ``lines``, only the statements on those lines are scanned (see :class:`RoleLines`).
    """
    scan = _RoleScan()
    scan.scan(fn, lines)
    return scan.roles


#: The identifiers the role scan looks for; a function whose lines hold none of them has no
#: usage roles, and is not walked.
_ROLE_WORDS = re.compile(r"pack_padded_sequence|sequence_mask|masked_fill|range")


class RoleLines:
    """The lines of a file that can hold a usage role, so most functions skip the scan."""

    def __init__(self, src: SourceLines) -> None:
        text = src.text
        # NFKC-normalised identifiers (``ｒａｎｇｅ``) are only found by the walk itself, and
        # a lone "\r" ends a line for ast but not for the count below
        self.exact = text.isascii() and text.count("\r") == text.count("\r\n")
        self.lines = _lines_matching(text) if self.exact else []

    def roles(self, fn: FunctionNode) -> dict[str, Role]:
        """:func:`usage_roles` of ``fn``, scanning only the statements that can hold one."""
        if not self.exact:
            return usage_roles(fn)
        first, last = fn.lineno, fn.end_lineno or fn.lineno
        i = bisect_left(self.lines, first)
        if i == len(self.lines) or self.lines[i] > last:
            return {}
        return usage_roles(fn, self.lines)


def _lines_matching(text: str) -> list[int]:
    lines: list[int] = []
    line, last = 1, 0
    for match in _ROLE_WORDS.finditer(text):
        pos = match.start()
        line += text.count("\n", last, pos)
        last = pos
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines
