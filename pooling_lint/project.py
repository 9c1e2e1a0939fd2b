"""Project mode: follow the imports between the checked files.

A model defined in ``model.py``, data padded in ``data.py`` and a ``train.py`` that joins them
hold one bug between them: the padding is made in one module and pooled in another. Before
the files are checked, this pass

1. finds, for each checked file, the imports that name another checked file (``import data``,
   ``from data import make_loader``, ``from .data import *``, ``from pkg.data import x``),
   resolved from the importing file's folder and its parents, never by running anything;
2. analyses the files that take part (importing or imported) in rounds, each with the
   summaries of the previous round, until the summaries settle (at most ``MAX_ROUNDS``):
   a module's summary (analysis/project.py) says which names are functions and classes, what
   each function, method and module-level name holds (padded or not, and how), and which
   arguments the module passes to the other modules' functions, classes and models;
3. gives each file its *context*: the summaries of the modules it imports and the arguments
   the others pass to it. The engine analyses the file with it, and the result cache keys
   the file's result by its content and the hash of its context, so a change in a module
   it depends on (that changes what it receives) invalidates it.

Summaries are memoised by (content hash, context hash): a module whose inputs did not change
is not analysed again, so a round costs at most one analysis per participating module.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pooling_lint.analysis.facts import FileFacts
from pooling_lint.analysis.names import collect_imports
from pooling_lint.analysis.positions import SourceLines
from pooling_lint.analysis.project import ProjectContext, relevant, summarise
from pooling_lint.source import SourceError, read_source
from pooling_lint.triage import HAND_PADDING

MAX_ROUNDS = 12
#: methods the frameworks call on a model without the code naming them (`model(x)`)
_CALLED_BY_FRAMEWORK = frozenset({"forward", "call"})
#: how many re-exporting modules (`__init__.py` importing from a submodule) are followed
_REEXPORT_DEPTH = 4

Context = dict[str, Any]
# local name -> (module path, exported name or "" for the module itself, "module"/"name"/"*")
Imports = dict[str, tuple[str, str, str]]


def context_hash(context: Context | None) -> str:
    """The hash a file's context adds to its cache key ("" for no context)."""
    if not context:
        return ""
    text = json.dumps(context, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@dataclass
class _Module:
    path: Path
    key: str  # the real path: how imports find it
    display: str
    text: str
    digest: str
    tree: ast.Module | None = None
    imports: Imports = field(default_factory=dict)
    stars: list[str] = field(default_factory=list)
    #: `import_module("pkg." + name)`: constant prefix -> the tree's modules in that package
    dynamic: dict[str, list[str]] = field(default_factory=dict)
    source: bool | None = None  # does its text show a padding source (once known)
    #: the words of its text (once known): which members of imported classes it can name
    words: frozenset[str] | None = None
    #: what the analysis computes from the tree alone, kept between rounds
    warm: dict[str, Any] | None = None
    #: its top-level classes and functions, read from its text (once known)
    kinds: dict[str, str] | None = None
    #: the modules whose summaries its context reads (once known; the import graph decides)
    deps: frozenset[str] | None = None


def _parse(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


class Project:
    """The checked files and the imports between them."""

    def __init__(self, files: Sequence[Path], memo: dict[str, Any] | None = None) -> None:
        #: summaries by "content hash:context hash", possibly from the result cache
        self.memo: dict[str, Any] = memo if memo is not None else {}
        #: the memo keys this run used (what is worth keeping for the next one)
        self.used: set[str] = set()
        self.by_path: dict[str, _Module] = {}
        #: the pass's memos of what the import graph alone decides
        self._found: dict[tuple[str, str], str | None] = {}
        self._reexports: dict[str, dict[str, tuple[str, str, str]]] = {}
        for path in files:
            if path.suffix != ".py":
                continue
            try:
                source = read_source(path)
            except SourceError:
                continue
            key = os.path.realpath(path)
            digest = hashlib.blake2b(source.raw, digest_size=16).hexdigest()
            self.by_path[key] = _Module(path, key, path.as_posix(), source.text, digest)
        #: every folder that holds a checked file, and its parents up to the top one
        self._dirs: set[str] = set()
        for key in self.by_path:
            folder = os.path.dirname(key)
            while folder not in self._dirs:
                self._dirs.add(folder)
                parent = os.path.dirname(folder)
                if parent == folder:
                    break
                folder = parent
        self._tops = {os.path.dirname(k) for k in self.by_path}
        for module in list(self.by_path.values()):
            if "import" in module.text:
                self._find_imports(module)
            if "import_module" in module.text or "__import__" in module.text:
                self._find_dynamic(module)
        # `from models import Model` where `models/__init__.py` says `from .lstm import Model`:
        # the name is the one defined in `models/lstm.py` (the import graph alone says so)
        for module in self.by_path.values():
            for local, ref in list(module.imports.items()):
                if ref[2] == "name":
                    module.imports[local] = self._reexported(ref[0], ref[1], ref)

    # ----------------------------------------------------------------- imports
    def _lookup(self, folder: str, dotted: str) -> str | None:
        memo = (folder, dotted)
        if memo in self._found:
            return self._found[memo]
        parts = [p for p in dotted.split(".") if p]
        base = os.path.join(folder, *parts)
        found = None
        for candidate in (base + ".py", os.path.join(base, "__init__.py")):
            if candidate in self.by_path:
                found = candidate
                break
        self._found[memo] = found
        return found

    def _kinds(self, key: str) -> dict[str, str]:
        """:func:`_top_level_kinds` of a checked module, read once (do not change it)."""
        module = self.by_path[key]
        if module.kinds is None:
            module.kinds = _top_level_kinds(module.text)
        return module.kinds

    def _resolve(self, module: _Module, dotted: str, level: int) -> str | None:
        here = os.path.dirname(module.key)
        if level > 0:
            base = here
            for _ in range(level - 1):
                base = os.path.dirname(base)
            return self._lookup(base, dotted)
        folder = here
        while folder in self._dirs:
            found = self._lookup(folder, dotted)
            if found is not None:
                return found
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        return None

    def _find_imports(self, module: _Module) -> None:
        for dotted, level, names in scan_imports(module.text):
            if names is None:  # `import a.b as c` / `import a`
                for name, asname in _names(dotted):
                    if asname is None and "." in name:
                        continue  # `import a.b` binds `a`: not followed
                    target = self._resolve(module, name, 0)
                    if target is not None and target != module.key:
                        module.imports[asname or name] = (target, "", "module")
                continue
            base = self._resolve(module, dotted, level)
            for name, asname in _names(names):
                if name == "*":
                    if base is not None and base != module.key:
                        module.stars.append(base)
                    continue
                local = asname or name
                sub = self._resolve(module, f"{dotted}.{name}".lstrip("."), level)
                if sub is not None and sub != module.key:
                    module.imports[local] = (sub, "", "module")
                elif base is not None and base != module.key:
                    module.imports[local] = (base, name, "name")

    def _reexported(
        self, target: str, name: str, default: tuple[str, str, str], depth: int = 0
    ) -> tuple[str, str, str]:
        """Where ``name`` of module ``target`` really comes from, when ``target`` only imports
        it from another checked module (``from .lstm import Model`` or ``from .lstm import *``
        in a package's ``__init__.py``), followed through at most ``_REEXPORT_DEPTH`` modules;
        a name ``target`` defines itself, or one it does not import from the tree, is its own."""
        module = self.by_path.get(target)
        if module is None or depth >= _REEXPORT_DEPTH:
            return default
        ref = module.imports.get(name)
        if ref is not None:
            if ref[2] == "name":
                return self._reexported(ref[0], ref[1], ref, depth + 1)
            return ref
        if (
            module.stars
            and re.search(
                rf"^(?:class|def|async def)\s+{re.escape(name)}\b|^{re.escape(name)}\s*[:=]",
                module.text,
                re.MULTILINE,
            )
            is None
        ):
            for star in module.stars:
                if star != target and name in self._kinds(star):
                    return (star, name, "name")
        return default

    def reexports(self, target: str) -> dict[str, tuple[str, str, str]]:
        """The names module ``target`` imports from other checked modules (what
        ``import models`` then ``models.Model`` reaches), resolved like ``_reexported``.
        The import graph alone decides it: it is worked out once per module (do not change
        the dict it returns)."""
        known = self._reexports.get(target)
        if known is not None:
            return known
        module = self.by_path.get(target)
        if module is None:
            return {}
        out: dict[str, tuple[str, str, str]] = {}
        own = self._kinds(target)
        for star in module.stars:  # `from .pool import *`: its public top-level names
            if star != target and star in self.by_path:
                for name in self._kinds(star):
                    if not name.startswith("_") and name not in own:
                        out[name] = (star, name, "name")
        for local, ref in module.imports.items():
            if not local.startswith("_"):
                out[local] = self._reexported(target, local, ref) if ref[2] == "name" else ref
        self._reexports[target] = out
        return out

    def _find_dynamic(self, module: _Module) -> None:
        """``import_module("models." + name)``: the module is picked at run time, but it is
        one of the package's modules; only the checked files of that package (found from the
        file's folder and its parents, like a plain import) are candidates."""
        for m in _DYNAMIC.finditer(module.text):
            prefix = m.group(2) or m.group(4)
            parts = [p for p in prefix.split(".") if p]
            folder = os.path.dirname(module.key)
            while folder in self._dirs:
                base = os.path.join(folder, *parts)
                found = sorted(
                    key for key in self.by_path if key != module.key and _in_package(key, base)
                )
                if found:
                    module.dynamic[prefix] = found
                    break
                parent = os.path.dirname(folder)
                if parent == folder:
                    break
                folder = parent

    # ------------------------------------------------------------------ rounds
    def taking_part(self) -> set[str]:
        """The modules (by key) that import, or are imported by, another checked module."""
        edges: set[str] = set()
        for module in self.by_path.values():
            targets = {t for t, _, _ in module.imports.values()} | set(module.stars)
            targets |= {t for found in module.dynamic.values() for t in found}
            if targets:
                edges.add(module.key)
                edges |= targets
        return edges

    def likelihood(self, path: Path, edges: set[str]) -> int:
        """How likely the file is to get a context (for the order of the checks run while the
        pass runs): 0 takes no part, 1 takes part but makes no padding, 2 may make some."""
        module = self.by_path.get(os.path.realpath(path))
        if module is None or module.key not in edges:
            return 0
        if module.source is None:
            module.source = _SOURCE.search(module.text) is not None
        return 2 if module.source else 1

    def contexts(self) -> dict[Path, Context]:
        """Each taking-part file's context (by its path as given), after the rounds, and
        how the other modules call the functions of a module that tokenizes with padding."""
        out = self._import_contexts()
        self._text_sites(out)
        return out

    def _import_contexts(self) -> dict[Path, Context]:
        """Each taking-part file's context (by its path as given), after the rounds.

        The rounds are incremental: each round gives every module the summaries of the
        previous one, as before, but a module's context is made again only when a summary
        it reads (of a module it imports, or the calls another module makes into it) changed
        in the last round, compared by value; else it keeps its context and memo key, and
        so its summary (the memo hit it would get anyway)."""
        edges = self.taking_part()
        parts = [m for key, m in self.by_path.items() if key in edges]
        if not parts:
            return {}
        summaries: dict[str, Any] = {}
        memo = self.memo
        #: module -> (its context, its memo key, the inbound entries that context was made of)
        known: dict[str, tuple[Context, str, list[Any]]] = {}
        changed: set[str] | None = None  # the summaries the last round changed (None: all)
        for _ in range(MAX_ROUNDS):
            new: dict[str, Any] = {}
            inbound_of = _inbound_index(summaries)
            for module in parts:
                key = module.key
                ctx, memo_key = self._context_of(module, summaries, inbound_of, known, changed)
                self.used.add(memo_key)
                if memo_key not in memo:
                    memo[memo_key] = self._summarise(module, ctx)
                new[key] = memo[memo_key]
            changed = _changed(summaries, new)
            summaries = new
            if not changed:
                break
        out: dict[Path, Context] = {}
        inbound_of = _inbound_index(summaries)
        for module in parts:
            ctx, _ = self._context_of(module, summaries, inbound_of, known, changed)
            if _carries_facts(ctx):
                out[module.path] = ctx
        return out

    def _context_of(
        self,
        module: _Module,
        summaries: dict[str, Any],
        inbound_of: dict[str, list[Any]],
        known: dict[str, tuple[Context, str, list[Any]]],
        changed: set[str] | None,
    ) -> tuple[Context, str]:
        """``module``'s context and memo key with ``summaries``: those of the last round when
        none of the summaries it reads changed (the same context, by value), else made anew."""
        raw = inbound_of.get(module.display, [])
        last = known.get(module.key)
        if (
            last is not None
            and changed is not None
            and last[2] == raw
            and changed.isdisjoint(self._deps(module))
        ):
            return last[0], last[1]
        ctx = self._context(module, summaries, inbound_of)
        memo_key = f"{module.digest}:{context_hash(ctx)}"
        known[module.key] = (ctx, memo_key, raw)
        return ctx, memo_key

    def _deps(self, module: _Module) -> frozenset[str]:
        """The modules whose summaries :meth:`_context` reads for ``module`` (besides the
        inbound calls): what it imports, stars, re-exports through and may pick at run time."""
        if module.deps is None:
            deps: set[str] = set(module.stars)
            for target in module.stars:
                deps |= {t2 for t2, _, _ in self.reexports(target).values()}
            for target, _, kind in module.imports.values():
                deps.add(target)
                if kind == "module":
                    deps |= {t2 for t2, _, _ in self.reexports(target).values()}
            for found in module.dynamic.values():
                deps.update(found)
            module.deps = frozenset(deps)
        return module.deps

    def _context(
        self,
        module: _Module,
        summaries: dict[str, Any],
        inbound_of: dict[str, list[Any]] | None = None,
    ) -> Context:
        imports: dict[str, list[str]] = {}
        modules: dict[str, Any] = {}

        def share(target: str, name: str) -> None:
            """What ``module`` sees of ``target``: everything for a module import or a star,
            else only ``name`` (its kind, its return, its attributes and methods)."""
            summary = summaries.get(target)
            if summary is None:
                return
            shown = modules.setdefault(self._display(target), {"kinds": {}, "exports": {}})
            if name in ("", "*"):
                shown["kinds"].update(summary["kinds"])
                shown["exports"].update(summary["exports"])
                return
            if name in summary["kinds"]:
                shown["kinds"][name] = summary["kinds"][name]
            for key, value in summary["exports"].items():
                if key == name or key.startswith(f"{name}("):
                    shown["exports"][key] = value
                elif key.startswith(f"{name}.") and self._reaches(module, key):
                    shown["exports"][key] = value

        for target in module.stars:
            summary = summaries.get(target)
            if summary is None:
                continue
            share(target, "*")
            names = set(summary["kinds"]) | {
                n for n in summary["exports"] if "." not in n and "(" not in n
            }
            for name in sorted(names):
                if not name.startswith("_"):
                    imports[name] = [self._display(target), name, "name"]
            for name, (t2, n2, k2) in sorted(self.reexports(target).items()):
                if name not in imports and t2 != module.key:
                    share(t2, n2)
                    imports[name] = [self._display(t2), n2, k2]
        reexports: dict[str, dict[str, list[str]]] = {}
        for local, (target, name, kind) in module.imports.items():
            share(target, name)
            imports[local] = [self._display(target), name, kind]
            if kind == "module":
                for attr, (t2, n2, k2) in sorted(self.reexports(target).items()):
                    if t2 != module.key:
                        share(t2, n2)
                        shown = reexports.setdefault(self._display(target), {})
                        shown[attr] = [self._display(t2), n2, k2]
        dynamic: dict[str, list[str]] = {}
        for prefix, found in module.dynamic.items():
            for target in found:
                share(target, "")
            dynamic[prefix] = [self._display(t) for t in found]
        me = module.display
        if inbound_of is None:
            inbound_of = _inbound_index(summaries)
        inbound = sorted(
            (entry for source, entry in inbound_of.get(me, []) if source != module.key),
            key=repr,
        )
        ctx: Context = {"path": me}
        if imports or dynamic:
            ctx["imports"] = imports
            ctx["modules"] = modules
        if dynamic:
            ctx["dynamic"] = dynamic
        if reexports:
            ctx["reexports"] = reexports
        if inbound:
            ctx["inbound"] = inbound
        return ctx

    def _text_sites(self, out: dict[Path, Context]) -> None:
        """analysis/texts.py: for each module that pads in a tokenizer call, how the others
        call its top-level functions (what each passes: one text or not), as ``texts`` in its
        context. A module that names such a function without an import the pass follows
        (its own function of that name, ``import a.b``, a star import) leaves it unknown."""
        from pooling_lint.analysis.texts import calls_in

        wanted = [
            m for m in self.by_path.values() if "padding" in m.text and _TOKENIZES.search(m.text)
        ]  # (no leading \b: a literal prefix makes the search fast)
        if not wanted:
            return
        mentioned: dict[str, list[_Module]] = {}

        def mentions(name: str) -> list[_Module]:
            """The modules whose text has the word ``name``."""
            found = mentioned.get(name)
            if found is None:
                word = re.compile(rf"\b{re.escape(name)}\b")
                found = [
                    m for m in self.by_path.values() if name in m.text and word.search(m.text)
                ]
                mentioned[name] = found
            return found

        def named_elsewhere(module: _Module) -> Any:
            def foreign(name: str) -> str | None:
                return "escaped" if any(m is not module for m in mentions(name)) else None

            return foreign

        for target in wanted:
            functions = {n for n, k in _top_level_kinds(target.text).items() if k == "function"}
            if not functions:
                continue
            names: dict[str, Any] = {}
            users: dict[str, _Module] = {}
            for name in functions:
                for m in mentions(name):
                    users.setdefault(m.key, m)
            for other in users.values():
                used = functions & self._words(other) if other.key != target.key else set()
                if not used:
                    continue
                refs = [(loc, ref) for loc, ref in other.imports.items() if ref[0] == target.key]
                by_name = {ref[1] for _, ref in refs if ref[2] == "name"}
                by_module = any(ref[2] == "module" for _, ref in refs)
                seen_whole = target.key in other.stars or any(
                    target.key in found for found in other.dynamic.values()
                )
                for name in used if seen_whole else used - by_name if not by_module else ():
                    names[name] = "escaped"
                if seen_whole or not refs:
                    continue
                if other.tree is None:
                    other.tree = _parse(other.text)
                if other.tree is None:
                    names.update({n: "escaped" for n in used})
                    continue
                foreign = named_elsewhere(other)
                for local, (_, name, kind) in sorted(refs):
                    if kind == "module" or name in used:
                        calls_in(other.tree, local, name, kind == "module", names, foreign)
            info: dict[str, Any] = {}
            if names.pop("*", None) is not None:
                info["*"] = True
            if names:
                info["names"] = names
            if not info:
                continue
            ctx = out.get(target.path)
            if ctx is None:
                ctx = out[target.path] = {"path": target.display}
            ctx["texts"] = info

    def _words(self, module: _Module) -> frozenset[str]:
        if module.words is None:
            module.words = frozenset(re.findall(r"\w+", module.text))
        return module.words

    def _reaches(self, module: _Module, key: str) -> bool:
        """Can ``module`` reach the member ``Class.member`` (``Class.member()``) of an imported
        class? Only by naming it, unless the language or the framework calls it
        (``__iter__``, ``forward`` of ``model(x)``): a member its text never names is left out
        of its context (it cannot change the file's analysis; it would only make the file
        look like it receives padding)."""
        member = key.split(".", 1)[1].removesuffix("()")
        if member.startswith("__") or member in _CALLED_BY_FRAMEWORK or "." in member:
            return True
        if module.words is None:
            module.words = frozenset(re.findall(r"\w+", module.text))
        return member in module.words

    def _display(self, resolved: str) -> str:
        module = self.by_path.get(resolved)
        return module.display if module is not None else resolved

    def _summarise(self, module: _Module, ctx: Context) -> Any:
        from pooling_lint.analysis.interpreter import Interpreter

        if module.source is None:
            module.source = _SOURCE.search(module.text) is not None
        if not module.source and not _carries_facts(ctx):
            # it makes no padding and receives none: only its names matter (no parse)
            return {"kinds": dict(self._kinds(module.key)), "exports": {}, "outbound": []}
        tree = module.tree if module.tree is not None else _parse(module.text)
        module.tree = tree
        empty: dict[str, Any] = {"kinds": {}, "exports": {}, "outbound": []}
        if tree is None:
            return empty

        if module.warm is None:
            src = SourceLines(module.text)
            module.warm = {"src": src, "imports": collect_imports(src, tree)}
        warm = module.warm
        facts = FileFacts(
            tree=tree,
            source=warm["src"],
            imports=warm["imports"],
            project=ProjectContext.from_json(ctx),
        )
        it = Interpreter(facts)
        # what only the tree decides (roles by usage, connections) is kept between rounds
        for name in ("_roles", "_links", "_role_lines"):
            if name in warm:
                setattr(it, name, warm[name])
        try:
            it.run()
            for name in ("_roles", "_links", "_role_lines"):
                warm[name] = getattr(it, name)
            return summarise(it, module.display)
        except (RecursionError, Exception):  # noqa: BLE001 - a broken module gives nothing
            return empty


def _source_pattern() -> re.Pattern[str]:
    """What a module that makes padding says: a padding source of the API table, a padding
    word, a data library with padding, or the shape of a hand-written pad loop."""
    from pooling_lint.analysis import library as lib
    from pooling_lint.analysis.library import Family
    from pooling_lint.analysis.library.conventions import PADDING_WORDS
    from pooling_lint.analysis.library.tf1 import RNN_FUNCTIONS

    words = lib.in_families(Family.PADDING_SOURCE, Family.PACKING) | PADDING_WORDS
    words = (words - {"masked_fill", "masked_fill_"}) | {"tflearn", "torchtext", "collate_fn"}
    # a TF1 RNN given `sequence_length=` zeroes its outputs past each length (tf1_calls.py)
    words |= {name for name in RNN_FUNCTIONS if "_" in name}
    alternatives = "|".join(sorted(re.escape(w) for w in words))
    hand_made = HAND_PADDING.pattern  # [c] * (..), a[i, :len(
    # a subclass of an HF model: other modules make it with `Cls.from_pretrained(...)`, which
    # only its summary tells them (analysis/choices.py `pretrained_exports`)
    hf_model = r"\w*PreTrainedModel\b"
    return re.compile(rf"\b(?:{alternatives})\b|{hand_made}|{hf_model}")


#: a module is analysed only if it may make padded data (or receives some)
_SOURCE = _source_pattern()

#: a module that pads in a tokenizer call with a literal ``padding=True`` / ``"longest"``, the
#: only ones analysis/hf.py asks analysis/texts.py about (one text or many)
_TOKENIZES = re.compile(r"""padding\s*=\s*(?:True\b|(['"])longest\1)""")

_TOP_LEVEL = re.compile(r"^(class|def|async def)\s+(\w+)", re.MULTILINE)


def _top_level_kinds(text: str) -> dict[str, str]:
    return {
        m.group(2): "class" if m.group(1) == "class" else "function"
        for m in _TOP_LEVEL.finditer(text)
    }


#: `from .a.b import (x, y as z)` / `from a import *` / `import a.b as c, d`
_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*(?:\\\n[^\n#;]*)*)"
    r"|import[ \t]+([^\n#;]+))",
    re.MULTILINE,
)


def _in_package(key: str, base: str) -> bool:
    """Is ``key`` a module ``base/name.py`` or a package ``base/name/__init__.py``?"""
    folder, name = os.path.split(key)
    if name == "__init__.py":
        return os.path.dirname(folder) == base
    return folder == base


#: `import_module("pkg." + name)` / `import_module(f"pkg.{name}")` / `__import__(...)`
_DYNAMIC = re.compile(
    r"""(?:import_module|__import__)\(\s*"""
    r"""(?:(['"])([A-Za-z_][\w.]*\.)\1\s*\+|f(['"])([A-Za-z_][\w.]*\.)\{)"""
)


def scan_imports(text: str) -> list[tuple[str, int, str | None]]:
    """The import statements of a file, read from its text without parsing it:
    ``(module, level, names)`` for ``from`` imports, ``(names, 0, None)`` for ``import``.
    A line inside a string may be read as an import too: it only adds an edge to follow."""
    out: list[tuple[str, int, str | None]] = []
    for m in _IMPORT.finditer(text):
        if m.group(4) is not None:
            out.append((m.group(4), 0, None))
        else:
            out.append((m.group(2), len(m.group(1)), m.group(3)))
    return out


def _names(text: str) -> list[tuple[str, str | None]]:
    """``"(a, b as c)"`` -> ``[("a", None), ("b", "c")]``."""
    cleaned = re.sub(r"#[^\n]*", "", text).replace("\\\n", " ").strip().strip("()")
    out: list[tuple[str, str | None]] = []
    for part in cleaned.split(","):
        words = part.split()
        if len(words) == 1 and re.fullmatch(r"[\w.*]+", words[0]):
            out.append((words[0], None))
        elif len(words) == 3 and words[1] == "as":
            out.append((words[0], words[2]))
    return out


def _changed(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    """The modules whose summary differs (by value) between two rounds (or is new)."""
    out = {key for key, summary in new.items() if old.get(key) is not summary}
    return {key for key in out if old.get(key) != new[key]} | (set(old) - set(new))


def _inbound_index(summaries: dict[str, Any]) -> dict[str, list[Any]]:
    """Target module -> [(calling module, [target, args, kwargs]), ...]."""
    index: dict[str, list[Any]] = {}
    for source, summary in summaries.items():
        for target_module, target, args, kwargs in summary["outbound"]:
            index.setdefault(target_module, []).append((source, [target, args, kwargs]))
    return index


def _carries_facts(ctx: Context) -> bool:
    """Does the context give the file any padding fact (else it is checked on its own)?"""
    for _, args, kwargs in ctx.get("inbound", ()):
        if any(relevant(a, False) for a in args) or any(relevant(v, False) for _, v in kwargs):
            return True
    for summary in ctx.get("modules", {}).values():
        if any(relevant(v, False) for v in summary.get("exports", {}).values()):
            return True
    return False


class ProjectStore(Protocol):
    """Where a run keeps the project pass's work for the next one (the result cache)."""

    def project_snapshot(self, key: str) -> dict[str, Context] | None: ...

    def project_memo(self) -> dict[str, Any]: ...

    def store_project(
        self, key: str | None, contexts: dict[str, Context], memo: dict[str, Any]
    ) -> None: ...


def snapshot_key(files: Sequence[Path]) -> str | None:
    """What the project pass's outcome depends on besides the linter: the checked modules,
    where they really are and their (size, mtime, ctime) stamps. None when a file changed too
    recently for its stamp to be trusted (or cannot be stat'ed): then nothing is served by it."""
    from pooling_lint.cache import stamp_of

    digest = hashlib.blake2b(digest_size=16)
    now = time.time()
    for path in files:
        if path.suffix != ".py":
            continue
        try:
            stamp = stamp_of(os.stat(path), now)
        except OSError:
            return None
        if stamp is None:
            return None
        digest.update(f"{path.as_posix()}\0{os.path.realpath(path)}\0{stamp}\n".encode())
    return digest.hexdigest()


def project_contexts(
    files: Sequence[Path], store: ProjectStore | None = None
) -> dict[Path, Context]:
    """The project-mode context of each checked file that imports or is imported by another.

    With a ``store`` (the result cache), an unchanged tree (same files, same stamps) gets the
    contexts of the last run without reading a file, and otherwise every module whose content
    and context are unchanged gets its summary from the last run without being analysed."""
    served, key = served_contexts(files, store)
    return served if served is not None else compute_contexts(files, store, key)


def served_contexts(
    files: Sequence[Path], store: ProjectStore | None
) -> tuple[dict[Path, Context] | None, str | None]:
    """The last run's contexts if the tree is unchanged (else None), and the snapshot key."""
    if store is None:
        return None, None
    key = snapshot_key(files)
    if key is None:
        return None, None
    served = store.project_snapshot(key)
    if served is None:
        return None, key
    return {p: served[p.as_posix()] for p in files if p.as_posix() in served}, key


def compute_contexts(
    files: Sequence[Path],
    store: ProjectStore | None = None,
    key: str | None = None,
    trees: dict[str, ast.Module] | None = None,
    meanwhile: Callable[[Project], object] | None = None,
) -> dict[Path, Context]:
    """Run the project pass (with the store's summaries) and keep its outcome in the store.

    With ``trees``, the trees the pass parsed are put there by their text (for the check of
    the same files in this process: engine.PARSED). ``meanwhile`` is called with the project
    once its imports are known, before the rounds (runner.py starts checks with it)."""
    project = Project(files, dict(store.project_memo()) if store is not None else None)
    if meanwhile is not None:
        meanwhile(project)
    out = project.contexts()
    if trees is not None:
        for module in project.by_path.values():
            if module.tree is not None:
                trees[module.text] = module.tree
    if store is not None:
        kept = {k: project.memo[k] for k in project.used if k in project.memo}
        store.store_project(key, {p.as_posix(): c for p, c in out.items()}, kept)
    return out
