"""The writer: applies fixes to source text with libcst, adding the imports they need.

The linter reads files with Python's ``ast``; only here, on the ``--fix``/``--diff`` path, is
libcst imported (lazily, inside the functions). A fix arrives as positions (the span of an
``ast`` node) plus new source text; the writer parses the one file with libcst, finds the node
at each span (:class:`~libcst.metadata.PositionProvider`), replaces it, adds each
:class:`~pooling_lint.diagnostics.RequiredImport` once, and prints the module back, keeping
every other byte (comments, layout, line endings) as it was.

Spans that match no node (or a file libcst cannot parse) fall back to plain text edits; an
import can only be added through libcst, so such fixes are then not applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pooling_lint.diagnostics import Edit, Fix, RequiredImport
from pooling_lint.fixes import apply_edits
from pooling_lint.source import too_nested_to_parse

if TYPE_CHECKING:
    import libcst as cst

Span = tuple[int, int, int, int]  # start line, start column (0-based), end line, end column


def apply_fixes(text: str, fixes: Sequence[Fix]) -> str:
    """``text`` with every edit of ``fixes`` applied and their imports added."""
    edits = [e for f in fixes for e in f.edits]
    imports = sorted({i for f in fixes for i in f.imports})
    return rewrite(text, edits, imports)


def rewrite(text: str, edits: Sequence[Edit], imports: Iterable[RequiredImport] = ()) -> str:
    """Apply ``edits`` (non-overlapping) and add ``imports``; see the module docs."""
    needed = list(imports)
    module = _parse(text)
    if module is None:
        return text if needed else apply_edits(text, edits)
    if edits:
        replaced = _replace_spans(module, edits)
        if replaced is None:  # a span that is no node: edit the text, then reparse for imports
            if not needed:
                return apply_edits(text, edits)
            module = _parse(apply_edits(text, edits))
            if module is None:
                return text
        else:
            module = replaced
    for need in needed:
        module = add_import(module, need)
    return str(module.code)


def _parse(text: str) -> cst.Module | None:
    import libcst as cst

    if too_nested_to_parse(text) is not None:
        return None  # libcst's parser would crash the process
    try:
        return cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError):
        return None


def _replace_spans(module: cst.Module, edits: Sequence[Edit]) -> cst.Module | None:
    """The module with the node at each edit's span replaced, or None if a span is no node."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    wanted: dict[Span, str] = {
        (e.start.line, e.start.column - 1, e.end.line, e.end.column - 1): e.content for e in edits
    }
    targets: dict[Span, cst.CSTNode] = {}
    for node, pos in positions.items():
        span = (pos.start.line, pos.start.column, pos.end.line, pos.end.column)
        if span in wanted and isinstance(node, cst.BaseExpression):
            old = targets.get(span)
            if old is None or _contains(old, node):
                targets[span] = node  # the innermost expression with exactly this span
    if len(targets) != len(wanted):
        return None
    new_nodes: dict[cst.CSTNode, cst.CSTNode] = {}
    for span, node in targets.items():
        new = _expression(wanted[span], node)
        if new is None:
            return None
        new_nodes[node] = new

    class Replace(cst.CSTTransformer):
        def on_leave(self, original: Any, updated: Any) -> Any:
            return new_nodes.get(original, updated)

    return module.visit(Replace())


def _contains(outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
    return any(child is inner or _contains(child, inner) for child in outer.children)


def _expression(text: str, old: cst.CSTNode) -> cst.BaseExpression | None:
    """``text`` as an expression node in the place of ``old`` (keeping ``old``'s parentheses)."""
    import libcst as cst

    try:
        new = cst.parse_expression(text)
    except cst.ParserSyntaxError:
        return None
    if isinstance(old, cst.BaseExpression) and (old.lpar or old.rpar):
        new = new.with_changes(lpar=[*old.lpar, *new.lpar], rpar=[*new.rpar, *old.rpar])
    return new


def _dotted(node: cst.BaseExpression | None) -> str:
    import libcst as cst

    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _module_expr(dotted: str) -> cst.Attribute | cst.Name:
    import libcst as cst

    parts = dotted.split(".")
    expr: cst.Attribute | cst.Name = cst.Name(parts[0])
    for part in parts[1:]:
        expr = cst.Attribute(value=expr, attr=cst.Name(part))
    return expr


def add_import(module: cst.Module, need: RequiredImport) -> cst.Module:
    """``module`` with ``from need.module import need.name`` available at the top level.

    Already imported (by that name, or ``*``): unchanged. An existing top-level
    ``from need.module import ...`` gains the name. Otherwise a new import goes after the
    docstring, ``from __future__`` imports and the file's leading imports.
    """
    import libcst as cst

    body = list(module.body)
    for index, stmt in enumerate(body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small_index, small in enumerate(stmt.body):
            if not isinstance(small, cst.ImportFrom) or small.relative:
                continue
            if _dotted(small.module) != need.module:
                continue
            if isinstance(small.names, cst.ImportStar):
                return module
            names = list(small.names)
            if any(_dotted(a.name) == need.name and a.asname is None for a in names):
                return module
            last = names[-1]
            if isinstance(last.comma, cst.MaybeSentinel):
                names[-1] = last.with_changes(
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                )
            names.append(cst.ImportAlias(name=cst.Name(need.name)))
            new_small = small.with_changes(names=names)
            smalls = list(stmt.body)
            smalls[small_index] = new_small
            body[index] = stmt.with_changes(body=smalls)
            return module.with_changes(body=body)
    line = cst.SimpleStatementLine(
        body=[
            cst.ImportFrom(
                module=_module_expr(need.module), names=[cst.ImportAlias(name=cst.Name(need.name))]
            )
        ]
    )
    at = _import_position(body)
    if at == 0 and body:
        # keep the file's leading comments (license, shebang) above the new import
        first = body[0]
        body[0] = first.with_changes(leading_lines=[])
        line = line.with_changes(leading_lines=first.leading_lines)
    was_empty = not body
    body.insert(at, line)
    if was_empty:
        return module.with_changes(body=body, has_trailing_newline=True)
    return module.with_changes(body=body)


def _import_position(body: list[Any]) -> int:
    """Where a new import goes: after the docstring and the leading imports."""
    import libcst as cst

    at = 0
    for index, stmt in enumerate(body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            break
        smalls = stmt.body
        if index == 0 and len(smalls) == 1 and isinstance(smalls[0], cst.Expr):
            if isinstance(smalls[0].value, (cst.SimpleString, cst.ConcatenatedString)):
                at = 1  # the docstring
                continue
        if smalls and all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in smalls):
            at = index + 1
            continue
        break
    return at
