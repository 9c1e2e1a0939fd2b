"""Modules picked at run time: ``x = import_module("models." + name)`` (also
``importlib.import_module(f"models.{name}")`` and the builtin ``__import__("models." + name,
fromlist=[...])``), then ``x.Model(config)``.

The module that runs is named on the command line, but it is one of the modules of that
package in the checked tree (``pooling_lint/project.py`` lists them, ``Project._find_dynamic``),
and whichever it is receives the same call-site facts: the value stands for all of them
(``Foreign`` with ``alts``), and analysis/project.py calls each candidate (``_picked_*``). A
prefix with no package in the tree, or a name with no constant prefix, stays unknown.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pooling_lint.analysis.values import Foreign, Value

if TYPE_CHECKING:
    from pooling_lint.analysis.facts import CallFact
    from pooling_lint.analysis.interpreter import Interpreter


def dynamic_prefix(node: ast.expr) -> str | None:
    """The constant package prefix of a module name built at run time:
    ``"models." + name`` or ``f"models.{name}"`` -> ``"models."`` (None otherwise)."""
    if (
        type(node) is ast.BinOp
        and type(node.op) is ast.Add
        and type(node.left) is ast.Constant
        and isinstance(node.left.value, str)
        and type(node.right) is not ast.Constant
    ):
        prefix = node.left.value
    elif (
        type(node) is ast.JoinedStr
        and len(node.values) >= 2
        and type(node.values[0]) is ast.Constant
        and isinstance(node.values[0].value, str)
        and type(node.values[1]) is ast.FormattedValue
    ):
        prefix = node.values[0].value
    else:
        return None
    return prefix if prefix.endswith(".") and prefix.strip(".") else None


def dynamic_module(it: Interpreter, fact: CallFact) -> Value:
    """``importlib.import_module("models." + name)``: whichever module is picked, it is one of
    the modules of the checked tree in that package (the project pass lists them); the value
    stands for all of them. Nothing outside the tree is guessed; a name with no constant
    package prefix, or a keyword ``package=`` (a relative name), stays unknown. The builtin
    ``__import__("models." + name, fromlist=["Model"])`` is the same pick (with a non-empty
    ``fromlist`` it returns the named module, not the top package)."""
    ctx = it.facts.project
    if ctx is None or not fact.node.args:
        return None
    if fact.qualname == "importlib.import_module":
        if fact.node.keywords:
            return None
    elif not imports_the_module(fact.node):
        return None
    prefix = dynamic_prefix(fact.node.args[0])
    modules = ctx.dynamic.get(prefix or "", ())
    if not modules:
        return None
    return Foreign(modules[0], "", "module", modules)


def is_builtin_import(it: Interpreter, fact: CallFact) -> bool:
    """A call of the builtin ``__import__`` (not a name the file binds itself)."""
    func = fact.node.func
    if type(func) is not ast.Name or func.id != "__import__":
        return False
    frame = it.frame
    bound = frame is not None and func.id in frame.env
    return not (bound or func.id in it.module_env or func.id in it.functions)


def imports_the_module(node: ast.Call) -> bool:
    """``__import__("models." + name, fromlist=[...])``: with a non-empty ``fromlist`` the
    builtin returns the named module itself (without one, the top package ``models``); a
    ``level`` other than 0 is a relative import (unsure)."""
    fromlist: ast.expr | None = node.args[3] if len(node.args) > 3 else None
    level: ast.expr | None = node.args[4] if len(node.args) > 4 else None
    for kw in node.keywords:
        if kw.arg == "fromlist":
            fromlist = kw.value
        elif kw.arg == "level":
            level = kw.value
        elif kw.arg not in ("globals", "locals"):
            return False
    if level is not None and not (type(level) is ast.Constant and level.value == 0):
        return False
    if isinstance(fromlist, (ast.List, ast.Tuple)):
        return bool(fromlist.elts)
    return (
        isinstance(fromlist, ast.Constant)
        and isinstance(fromlist.value, str)
        and bool(fromlist.value)
    )
