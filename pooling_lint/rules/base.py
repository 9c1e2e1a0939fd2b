"""What a rule is: metadata, docs, its own examples, and a check over a file's facts."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from pooling_lint.diagnostics import Edit, RequiredImport

if TYPE_CHECKING:
    from pooling_lint.analysis.facts import FileFacts
    from pooling_lint.analysis.values import Evidence


#: A fix described by position: new source text over a span. Made with
#: :meth:`FileFacts.replace` (the span of an ``ast`` node) or
#: :meth:`FileFacts.replace_keyword_name`; the writer applies it with libcst.
Replacement = Edit


@dataclass(frozen=True)
class Finding:
    """What a rule reports: the node, the message, and optionally a fix.

    The engine turns findings into :class:`~pooling_lint.diagnostics.Diagnostic` values; node
    positions are only computed for files that have findings. ``imports`` are what the fix's
    new text needs (``from pooling_lint.runtime.torch import masked_mean``).
    """

    node: ast.AST
    message: str
    fix: tuple[Replacement, ...] = ()
    fix_safe: bool = True
    fix_title: str = ""
    imports: tuple[RequiredImport, ...] = ()
    #: evidence to attach besides what the message names through ``FileFacts.where``
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Example:
    """A snippet in a rule's docs; ``expect`` lists the 1-based lines it must be reported on."""

    code: str
    expect: tuple[int, ...] = ()
    fixed: str | None = None  # expected source after ``--fix`` (safe fixes only)


class Rule:
    """Base class of every rule. Subclasses set the class attributes and implement ``check``."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]  # one line for `pooling-lint rules`
    fixable: ClassVar[str] = "never"  # "never" | "sometimes" | "always"
    docs: ClassVar[str]  # What it does / Why is this bad? / Example / Use instead / Fix safety
    #: Identifiers (call, attribute or keyword names) one of which must occur in a file for the
    #: rule to find anything there; the engine's triage is derived from these.
    triggers: ClassVar[frozenset[str]]
    #: A second group: one of these words must also occur somewhere in the file (e.g. some
    #: evidence of padding for the rules about padding). Empty: no second condition.
    requires: ClassVar[frozenset[str]] = frozenset()
    bad_examples: ClassVar[tuple[Example, ...]] = ()
    good_examples: ClassVar[tuple[Example, ...]] = ()

    def check(self, facts: FileFacts) -> Iterator[Finding]:
        raise NotImplementedError

    @classmethod
    def doc_path(cls) -> str:
        """Where the rule's generated docs live in the repository (``docs/rules/``)."""
        return f"docs/rules/{cls.code}.md"

    @classmethod
    def full_docs(cls) -> str:
        return f"# {cls.name} ({cls.code})\n\n{_dedent(cls.docs).strip()}\n"


def _dedent(text: str) -> str:
    lines = text.splitlines()
    indents = [len(line) - len(line.lstrip()) for line in lines[1:] if line.strip()]
    cut = min(indents, default=0)
    return "\n".join([lines[0].strip()] + [line[cut:] for line in lines[1:]]) if lines else ""
