"""Triage: decide, before the analysis, whether a file can hold any finding at all.

Most files in a large repository cannot hold a finding, so each file goes through two cheap
stages first:

1. **text**: the file mentions a framework (``torch``, ``tensorflow``, ``keras``, ``tf_keras``,
   ``transformers``)
   and one of the rules' trigger identifiers occurs as a whole word;
2. **ast**: ``ast.parse`` confirms that the file really imports a framework (any form:
   ``import torch.nn as nn``, ``from tensorflow import keras``, a star import, inside a
   function too) and that a trigger occurs as code (a name, an attribute, a keyword argument,
   an imported name, a definition or parameter name), not only in a comment or a string.

Only files that pass both are analysed; the engine parses each file once and the ast stage
runs on that tree (:func:`plan` is the text stage, :meth:`Triage.tree_stage` the ast stage).
The triggers come from the rules' own declarations (:attr:`pooling_lint.rules.base.Rule.triggers`),
so a new rule cannot be forgotten; a rule that declares no triggers turns triage off (every
file is parsed).

A file that passes the text stage and fails ``ast.parse`` gets its syntax error (PLG000). A
file that fails the text stage is not parsed at all, so a syntax error in a file that cannot
hold a finding is not reported.
"""

from __future__ import annotations

import ast
import os
import re
import warnings
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any, Protocol

from pooling_lint.analysis.names import IMPLICIT_ALIASES, implicit_aliases

#: Set to any non-empty value to turn triage off (every file is parsed): the triage tests
#: compare findings with and without it. It is read per file so worker processes see it too.
DISABLE_ENV = "POOLING_LINT_NO_TRIAGE"

#: Top-level modules whose import makes a file framework code. Every rule is about these
#: (``transformers`` models are torch or TF models: a file may import only them).
FRAMEWORK_MODULES = frozenset({"torch", "tensorflow", "keras", "tf_keras", "transformers"})


class HasTriggers(Protocol):
    """What triage needs of a rule: the identifiers one of which must occur for a finding."""

    @property
    def triggers(self) -> frozenset[str]: ...


class Stage(Enum):
    """Where a file left triage."""

    TEXT = "text"  # rejected by the text test
    AST = "ast"  # rejected by the ast test
    PARSE = "parse"  # passed on to the analysis (including files that ast could not parse)


@dataclass(frozen=True)
class Triage:
    """The triage of one rule set. ``triggers`` empty means: every file passes."""

    triggers: frozenset[str]
    frameworks: frozenset[str] = FRAMEWORK_MODULES
    enabled: bool = True

    def stage(self, text: str) -> Stage:
        """Run both stages on ``text``; the stage that rejected it, or :attr:`Stage.PARSE`."""
        if not self.enabled:
            return Stage.PARSE
        if not self.text_stage(text):
            return Stage.TEXT
        if not self.ast_stage(text):
            return Stage.AST
        return Stage.PARSE

    def can_hold_findings(self, text: str) -> bool:
        return self.stage(text) is Stage.PARSE

    def text_stage(self, text: str) -> bool:
        """A framework is mentioned and a trigger occurs as a whole word (anywhere)."""
        if not self.enabled:
            return True
        if not self.triggers:
            return False
        if not any(word in text for word in self.frameworks) and not _implicit_use(text):
            return False
        return _words_pattern(self.triggers).search(text) is not None

    def ast_stage(self, text: str) -> bool:
        """Python's parser confirms a framework import and a trigger used as code.

        Returns True (pass the file on) when ``ast`` cannot parse it: the engine then reports
        the syntax error.
        """
        if not self.enabled:
            return True
        try:
            tree = quiet_parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            return True
        return self.tree_stage(text, tree)

    def tree_stage(self, text: str, tree: ast.Module) -> bool:
        """The ast test on a tree already parsed (the engine parses each file once)."""
        if not self.enabled:
            return True
        # Most files import their framework at the top; then only the statements on lines
        # where a trigger occurs as a word can hold one, and the walk skips every other
        # subtree. Otherwise the lines that say ``import`` are searched too.
        framework = any(_imports_framework(stmt, self.frameworks) for stmt in tree.body)
        if not framework and _implicit_use(text):
            roots = {IMPLICIT_ALIASES[a].partition(".")[0] for a in implicit_aliases(text, tree)}
            framework = not roots.isdisjoint(self.frameworks)
        lines = None
        if text.count("\r") == text.count("\r\n"):  # ast counts a lone "\r" as a line break
            words = self.triggers if framework else self.triggers | _IMPORT_WORDS
            lines = _lines_of(_words_pattern(words), text)
        return _uses_framework_and_trigger(tree, self.frameworks, self.triggers, lines, framework)


_IMPORT_WORDS = frozenset({"import"})


def _implicit_use(text: str) -> bool:
    """The text uses a conventional framework alias (``nn.``, ``tf.``, ``F.``) as code might.

    A fragment that never imports its framework (see :data:`IMPLICIT_ALIASES`) passes the text
    stage on this; the ast stage then checks that nothing in the file binds the name.
    """
    return _IMPLICIT_FRAMEWORK_USE.search(text) is not None


_IMPLICIT_FRAMEWORK_USE = re.compile(r"(?<![\w.])(?:nn|F|tf)\.[A-Za-z_]")


def _imports_framework(stmt: ast.stmt, frameworks: frozenset[str]) -> bool:
    if isinstance(stmt, ast.Import):
        return any(_root(alias.name) in frameworks for alias in stmt.names)
    if isinstance(stmt, ast.ImportFrom):
        return not stmt.level and _root(stmt.module) in frameworks
    return False


@lru_cache(maxsize=64)
def _words_pattern(words: frozenset[str]) -> re.Pattern[str]:
    """``\\b(?:w1|w2|...)\\b`` as a trie: one pass, no backtracking over every alternative."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return re.compile(r"\b" + _trie_regex(trie) + r"\b")


def _trie_regex(node: dict[str, Any]) -> str:
    alternatives = [re.escape(ch) + _trie_regex(sub) for ch, sub in sorted(node.items()) if ch]
    if not alternatives:
        return ""
    body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
    return f"(?:{body})?" if "" in node else body


def _lines_of(pattern: re.Pattern[str], text: str) -> list[int]:
    """The sorted 1-based numbers of the lines where ``pattern`` matches."""
    lines: list[int] = []
    line, last = 1, 0
    for match in pattern.finditer(text):
        pos = match.start()
        line += text.count("\n", last, pos)
        last = pos
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def _root(module: str | None) -> str:
    return (module or "").partition(".")[0]


def _first_line(node: ast.AST) -> int | None:
    start: int | None = getattr(node, "lineno", None)
    decorators = getattr(node, "decorator_list", None)
    if start is not None and decorators:
        start = min(start, *(d.lineno for d in decorators))
    return start


def _uses_framework_and_trigger(
    tree: ast.AST,
    frameworks: frozenset[str],
    triggers: frozenset[str],
    lines: list[int] | None,
    framework: bool = False,
) -> bool:
    """Walk ``tree`` (only subtrees spanning one of ``lines``, if given) for both facts."""
    trigger = False
    stack: list[tuple[ast.AST, bool]] = [(tree, lines is not None)]
    while stack:
        node, prune = stack.pop()
        kind = type(node)
        if kind is ast.Attribute:
            trigger = trigger or node.attr in triggers  # type: ignore[attr-defined]
        elif kind is ast.Name:
            trigger = trigger or node.id in triggers  # type: ignore[attr-defined]
        elif kind is ast.keyword:
            trigger = trigger or node.arg in triggers  # type: ignore[attr-defined]
        elif kind is ast.Import:
            for alias in node.names:  # type: ignore[attr-defined]
                framework = framework or _root(alias.name) in frameworks
                trigger = trigger or not triggers.isdisjoint(alias.name.split("."))
        elif kind is ast.ImportFrom:
            if not node.level:  # type: ignore[attr-defined]
                module = node.module or ""  # type: ignore[attr-defined]
                framework = framework or _root(module) in frameworks
                trigger = trigger or not triggers.isdisjoint(module.split("."))
            # ``from torch.nn.functional import avg_pool1d as pool``: the rule sees ``pool()``.
            trigger = trigger or any(a.name in triggers for a in node.names)  # type: ignore[attr-defined]
        elif kind in _DEFINITIONS:
            trigger = trigger or node.name in triggers  # type: ignore[attr-defined]
        elif kind is ast.arg:
            trigger = trigger or node.arg in triggers  # type: ignore[attr-defined]
        elif kind is ast.JoinedStr:
            prune = False  # positions inside f-strings are not to be trusted before 3.12
        if framework and trigger:
            return True
        for child in ast.iter_child_nodes(node):
            if prune and lines is not None:
                start = _first_line(child)
                if start is not None:
                    end = getattr(child, "end_lineno", None) or start
                    i = bisect_left(lines, start)
                    if i == len(lines) or lines[i] > end:
                        continue  # no candidate word on any line of this subtree
            stack.append((child, prune))
    return False


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@lru_cache(maxsize=64)
def _triage_for(declared: tuple[frozenset[str] | None, ...]) -> Triage:
    if not declared:
        return Triage(frozenset(), enabled=True)  # no rules: nothing can be found
    if any(not d for d in declared):
        return Triage(frozenset(), enabled=False)
    triggers: frozenset[str] = frozenset().union(*declared)  # type: ignore[arg-type]
    return Triage(triggers)


def triage_for(rules: Sequence[HasTriggers]) -> Triage:
    """The (memoised) triage of a rule set, derived from each rule's ``triggers``."""
    return _triage_for(tuple(getattr(r, "triggers", None) or None for r in rules))


def quiet_parse(text: str) -> ast.Module:
    """``ast.parse`` without printing the parser's warnings (invalid escapes and the like)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


@dataclass(frozen=True)
class Plan:
    """What triage's text stage decided for a file that must be parsed.

    ``narrowed`` is the triage whose ast test the parsed tree must pass for the rules to run;
    None means only a syntax error can be reported (the file looks like model code, but no
    rule's second group of words occurs in it).
    """

    narrowed: Triage | None


_NO_TRIAGE = Plan(Triage(frozenset(), enabled=False))


#: The shape of hand-written padding (analysis/pad_loops.py): ``[c] * (n - len(x))``,
#: ``arr[i, :len(s)] = s`` / ``arr[i, -len(s):] = s``. It is padding evidence as much as a
#: padding word: a file that shows it meets every rule's second group of words, and its
#: ``len`` (used as code: the ast stage checks) counts as a trigger.
HAND_PADDING = re.compile(r"\]\s*\*\s*\(|\[\s*\w+\s*,\s*-?\s*:?\s*-?len\(")
_HAND_TRIGGERS = frozenset({"len"})


def _hand_padded(text: str) -> bool:
    return "len(" in text and HAND_PADDING.search(text) is not None


def _narrowed(text: str, rules: Sequence[HasTriggers]) -> Triage | None:
    """The triage of the rules whose second group of words ``text`` meets (None: no rule)."""
    met: dict[frozenset[str] | None, bool] = {}  # most rules share one of two groups
    hand = _hand_padded(text)
    candidates = []
    for r in rules:
        requires = getattr(r, "requires", None)
        if requires not in met:
            met[requires] = hand or _requirement_met(text, requires)
        if met[requires]:
            candidates.append(r)
    if not candidates:
        return None
    narrowed = triage_for(candidates)
    if hand and narrowed.enabled:
        narrowed = Triage(narrowed.triggers | _HAND_TRIGGERS, narrowed.frameworks)
    return narrowed


def plan(text: str, rules: Sequence[HasTriggers]) -> Plan | None:
    """The text stage for the engine: None if ``text`` cannot hold a finding (not parsed)."""
    if os.environ.get(DISABLE_ENV):
        return _NO_TRIAGE
    narrowed = _narrowed(text, rules)
    if narrowed is not None and narrowed.text_stage(text):
        return Plan(narrowed)
    if triage_for(rules).text_stage(text):
        return Plan(None)
    return None


def can_hold_findings(text: str, rules: Sequence[HasTriggers]) -> bool:
    """True if any of ``rules`` could report something in ``text`` (the engine's triage).

    A rule that declares ``requires`` (a second group of words, e.g. evidence of padding) only
    counts if one of those words occurs in the text as a whole word.
    """
    if os.environ.get(DISABLE_ENV):
        return True
    narrowed = _narrowed(text, rules)
    if narrowed is not None and narrowed.text_stage(text):
        return narrowed.ast_stage(text)  # passes files that ast cannot parse on (PLG000)
    # No rule can report here; but a file that looks like model code and does not parse still
    # gets its PLG000, exactly as without the `requires` groups.
    return triage_for(rules).text_stage(text) and not _parses(text)


def _parses(text: str) -> bool:
    try:
        quiet_parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return True


def _requirement_met(text: str, requires: frozenset[str] | None) -> bool:
    if not requires:
        return True
    # a substring test first (most files have none of the words), then one whole-word search
    # with the group's own pattern (compiled once per group, not once per file)
    return any(w in text for w in requires) and _words_pattern(requires).search(text) is not None
