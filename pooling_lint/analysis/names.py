"""Canonical qualified names: resolve every name and attribute chain through the file's imports.

One walk over the module collects the import table (imports anywhere in the file count: models
often import inside functions). ``tensorflow.keras.X``, ``tf_keras.X`` and ``keras.X`` map to
one canonical ``keras.X``; a few well-known aliases (``tf.math.reduce_mean``) map to one name.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import lru_cache

from pooling_lint.analysis.positions import SourceLines
from pooling_lint.analysis.walk import statements

#: Prefix rewrites applied (longest first) to every resolved dotted name.
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("tensorflow.python.keras.", "keras."),
    ("tensorflow.keras.", "keras."),
    ("tensorflow.compat.v2.", "tensorflow."),
    ("tf_keras.", "keras."),
    ("keras.src.", "keras."),
    ("keras.api.", "keras."),
    ("keras._tf_keras.keras.", "keras."),
    ("keras.preprocessing.sequence.", "keras.utils."),
    ("keras.layers.core.", "keras.layers."),
    ("keras.layers.recurrent.", "keras.layers."),
    ("keras.layers.pooling.", "keras.layers."),
    # Keras 1/2 module paths of the layers and the engine
    ("keras.layers.embeddings.", "keras.layers."),
    ("keras.layers.convolutional.", "keras.layers."),
    ("keras.layers.convolutional_recurrent.", "keras.layers."),
    ("keras.layers.merge.", "keras.layers."),
    ("keras.layers.merging.", "keras.layers."),
    ("keras.layers.wrappers.", "keras.layers."),
    ("keras.layers.normalization.", "keras.layers."),
    ("keras.layers.advanced_activations.", "keras.layers."),
    ("keras.layers.noise.", "keras.layers."),
    ("keras.layers.local.", "keras.layers."),
    # TF 2.1-2.5: the preprocessing layers (TextVectorization, ...) before they left experimental
    ("keras.layers.experimental.preprocessing.", "keras.layers."),
    ("keras.engine.topology.", "keras.layers."),
    ("keras.engine.base_layer.", "keras.layers."),
    ("keras.engine.input_layer.", "keras.layers."),
    ("keras.engine.training.", "keras."),
    ("keras.models.", "keras."),
    ("keras.engine.", "keras."),
    ("tensorflow.math.", "tensorflow."),
    ("tensorflow.nn.rnn_cell.", "tensorflow.compat.v1.nn.rnn_cell."),
    ("torch.nn.modules.rnn.", "torch.nn."),
    ("torch.nn.modules.linear.", "torch.nn."),
    ("torch.nn.modules.pooling.", "torch.nn."),
    ("torch.nn.modules.sparse.", "torch.nn."),
    ("torch.nn.modules.container.", "torch.nn."),
    ("torch.nn.modules.module.", "torch.nn."),
    ("torch.nn.modules.", "torch.nn."),
    ("torch.nn.utils.rnn.", "torch.nn.utils.rnn."),
)

_EXACT: dict[str, str] = {
    "tensorflow.keras": "keras",
    "tf_keras": "keras",
    "keras.backend.mean": "keras.backend.mean",
    "keras.Model": "keras.Model",
    "keras.Sequential": "keras.Sequential",
    "keras.Input": "keras.Input",
    "keras.layers.Input": "keras.Input",
    # Keras 2's `keras.engine.Layer` (re-exported from keras.engine.topology) and Keras 3's
    # `keras.Layer` are the base layer class
    "keras.Layer": "keras.layers.Layer",
    "keras.Functional": "keras.Model",
    "keras.preprocessing.sequence": "keras.utils",
}

FRAMEWORK_ROOTS = frozenset({"torch", "tensorflow", "keras", "tf_keras", "numpy", "jax"})


@lru_cache(maxsize=8192)
def canonical(name: str) -> str:
    """Map a resolved dotted name to its canonical spelling."""
    if name in _EXACT:
        return _EXACT[name]
    for old, new in _PREFIXES:
        if name.startswith(old):
            name = new + name[len(old) :]
    return _EXACT.get(name, name)


#: The conventional module aliases a code fragment uses without importing them: a snippet
#: saved as its own file (a prompt seed, a code dump, a docs excerpt) often starts at
#: ``class Net(nn.Module):``. A name that nothing in the file binds has no other meaning Python
#: could give it, so these are taken as the modules their convention names.
IMPLICIT_ALIASES: dict[str, str] = {
    "torch": "torch",
    "nn": "torch.nn",
    "F": "torch.nn.functional",
    "tf": "tensorflow",
    "keras": "keras",
    "np": "numpy",
}

#: ``nn.X``-style uses of an implicit alias in the text: the cheap test before the ast walk.
IMPLICIT_USE = re.compile(r"(?<![\w.])(" + "|".join(IMPLICIT_ALIASES) + r")\.([A-Za-z_][\w.]*)")


@dataclass
class ImportTable:
    """Local alias -> fully qualified dotted name, as bound by the file's imports."""

    aliases: dict[str, str | None] = field(default_factory=dict)  # None: ambiguous binding
    star_modules: list[str] = field(default_factory=list)
    nodes: dict[str, ast.stmt] = field(default_factory=dict)
    #: Aliases taken from :data:`IMPLICIT_ALIASES` (used, never bound in the file).
    implicit: frozenset[str] = frozenset()

    def bind(self, alias: str, target: str, node: ast.stmt) -> None:
        old = self.aliases.get(alias, target)
        self.aliases[alias] = target if old == target else None
        self.nodes.setdefault(alias, node)

    @property
    def framework_roots(self) -> frozenset[str]:
        roots = {t.split(".")[0] for t in self.aliases.values() if t}
        roots |= {m.split(".")[0] for m in self.star_modules}
        return frozenset(roots & FRAMEWORK_ROOTS)


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while type(node) is ast.Attribute:
        parts.append(node.attr)
        node = node.value
    if type(node) is ast.Name:
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _bind_import(table: ImportTable, node: ast.Import) -> None:
    for alias in node.names:
        full = alias.name
        if alias.asname is not None:
            table.bind(alias.asname, full, node)
        else:
            root = full.split(".")[0]
            table.bind(root, root, node)


def _bind_import_from(table: ImportTable, node: ast.ImportFrom) -> None:
    if node.level:
        return  # a project-local module: nothing we know
    module = node.module or ""
    if len(node.names) == 1 and node.names[0].name == "*":
        table.star_modules.append(module)
        return
    for alias in node.names:
        local = alias.asname if alias.asname is not None else alias.name
        table.bind(local, f"{module}.{alias.name}", node)


def collect_imports(src: SourceLines, tree: ast.Module) -> ImportTable:
    """Imports anywhere in the file (a statement-level walk; expressions are not entered)."""
    table = ImportTable()
    for stmt in statements(src, tree.body):
        kind = type(stmt)
        if kind is ast.Import:
            _bind_import(table, stmt)  # type: ignore[arg-type]
        elif kind is ast.ImportFrom:
            _bind_import_from(table, stmt)  # type: ignore[arg-type]
    _bind_assigned_aliases(table, tree)
    implicit = implicit_aliases(src.text, tree, table)
    if implicit:
        for alias in implicit:
            table.aliases[alias] = IMPLICIT_ALIASES[alias]
        table.implicit = implicit
    return table


def _bind_assigned_aliases(table: ImportTable, tree: ast.Module) -> None:
    """``tf1 = tf.compat.v1``, ``tfkl = tf.keras.layers``, ``K = keras.backend`` at module
    level: a name assigned once, from a dotted name of an imported framework, and bound
    nowhere else in the file (no other assignment, parameter, import, ``def``, loop target,
    ``global``...) can only ever hold that object, so ``tf1.nn.dynamic_rnn`` is
    ``tf.compat.v1.nn.dynamic_rnn``. Taken in statement order, so one alias may build on an
    earlier one (``tfk = tf.keras`` then ``tfkl = tfk.layers``)."""
    found: dict[str, tuple[ast.Assign, str]] = {}
    for stmt in tree.body:
        if (
            type(stmt) is ast.Assign
            and len(stmt.targets) == 1
            and type(stmt.targets[0]) is ast.Name
            and type(stmt.value) in (ast.Attribute, ast.Name)
        ):
            text = dotted(stmt.value)
            if text is not None and "." in text:
                found.setdefault(stmt.targets[0].id, (stmt, text))
    if not found:
        return
    bindings, _, _ = _bindings(tree, set(found))
    for alias, (stmt, text) in sorted(found.items(), key=lambda kv: kv[1][0].lineno):
        if bindings.get(alias) != 1 or alias in table.aliases:
            continue
        head, _, rest = text.partition(".")
        target = table.aliases.get(head)
        if target is None or target.split(".")[0] not in FRAMEWORK_ROOTS:
            continue
        table.bind(alias, f"{target}.{rest}", stmt)


def implicit_aliases(
    text: str, tree: ast.Module, table: ImportTable | None = None
) -> frozenset[str]:
    """The conventional aliases (:data:`IMPLICIT_ALIASES`) the file uses but never binds.

    Nothing is implied when the file has a star import (it may bind the name), or for a name
    that anything binds anywhere: an import, an assignment or loop target, a ``def``/``class``,
    a parameter, ``global``/``nonlocal``, an ``except ... as``, a ``with ... as``, a walrus.
    """
    if table is not None and table.star_modules:
        return frozenset()
    chains: dict[str, set[str]] = {}
    for match in IMPLICIT_USE.finditer(text):
        chains.setdefault(match.group(1), set()).add(match.group(2).rstrip("."))
    # the alias must be used as its module: one ``alias.X`` names an API the table models
    # (``nn.LSTM``, ``tf.reduce_mean``), so a fragment's ``nn.cursor()`` (a connection) is not
    wanted = {alias for alias, uses in chains.items() if _names_an_api(alias, uses)}
    if table is not None:
        wanted -= table.aliases.keys()
    if not wanted:
        return frozenset()
    bindings, used, star = _bindings(tree, wanted)
    if star:
        return frozenset()
    return frozenset(name for name in used if name not in bindings)


def _bindings(tree: ast.Module, names: set[str]) -> tuple[dict[str, int], set[str], bool]:
    """For ``names``: how many times the file binds each (an assignment or loop target, a
    parameter, a ``def``/``class``, an import, ``global``/``nonlocal``, ``except``/``with ...
    as``, a walrus, a ``match`` capture), which of them it reads, and whether it has a star
    import (which may bind any name)."""
    counts: dict[str, int] = {}
    loads: set[str] = set()
    star = False
    for node in ast.walk(tree):
        kind = type(node)
        bound: tuple[str, ...] = ()
        if kind is ast.Name:
            if type(node.ctx) is ast.Load:  # type: ignore[attr-defined]
                if node.id in names:  # type: ignore[attr-defined]
                    loads.add(node.id)  # type: ignore[attr-defined]
                continue
            bound = (node.id,)  # type: ignore[attr-defined]
        elif kind is ast.arg:
            bound = (node.arg,)  # type: ignore[attr-defined]
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            bound = (node.name,)  # type: ignore[attr-defined]
        elif kind in (ast.Import, ast.ImportFrom):
            aliases = node.names  # type: ignore[attr-defined]
            star = star or any(a.name == "*" for a in aliases)
            bound = tuple(a.asname or a.name.partition(".")[0] for a in aliases)
        elif kind in (ast.Global, ast.Nonlocal):
            bound = tuple(node.names)  # type: ignore[attr-defined]
        elif kind is ast.ExceptHandler and node.name:  # type: ignore[attr-defined]
            bound = (node.name,)  # type: ignore[attr-defined]
        elif kind in _MATCH_CAPTURES and getattr(node, "name", None):
            bound = (node.name,)  # type: ignore[attr-defined]
        for name in bound:
            if name in names:
                counts[name] = counts.get(name, 0) + 1
    return counts, loads, star


def _names_an_api(alias: str, uses: set[str]) -> bool:
    from pooling_lint.analysis.library import lookup

    module = IMPLICIT_ALIASES[alias]
    for use in uses:
        parts = use.split(".")
        for end in range(len(parts), 0, -1):
            if lookup(canonical(f"{module}.{'.'.join(parts[:end])}")) is not None:
                return True
    return False


_MATCH_CAPTURES = tuple(
    t for t in (getattr(ast, "MatchAs", None), getattr(ast, "MatchStar", None)) if t is not None
)


def resolve(table: ImportTable, node: ast.expr) -> str | None:
    """The canonical qualified name of a Name/Attribute expression, or None if not imported."""
    text = dotted(node)
    if text is None:
        return None
    head, _, rest = text.partition(".")
    target = table.aliases.get(head)
    if target is None:
        return None
    return canonical(f"{target}.{rest}" if rest else target)
