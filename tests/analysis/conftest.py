"""Helpers for the facts-engine tests: build facts for a small program and find its events.

Programs are written with ``textwrap.dedent`` so they read like user code. The interpreter does
not expose its environments, so a value is observed through the events it leaves behind:

* ``probe(x)`` calls a name that is defined nowhere; the recorded :class:`CallFact` carries the
  abstract value of ``x`` at that point (``probe_at`` returns it);
* ``x.mean(1)`` leaves a :class:`Reduction` whose ``operand`` is ``x``'s value;
* ``x[:, 0]`` leaves a :class:`SubscriptFact` whose ``base`` is ``x``'s value;
* ``layer(x)`` leaves a :class:`LayerCall` with the input and output values.
"""

from __future__ import annotations

import ast
import textwrap
from typing import Any

from pooling_lint.analysis.facts import FileFacts, build_facts_from_text
from pooling_lint.analysis.values import Value


def facts_of(src: str) -> FileFacts:
    """The facts of a program (dedented; line 1 is its first line)."""
    return build_facts_from_text(textwrap.dedent(src).lstrip("\n"))


def line_of(src: str, marker: str) -> int:
    """The 1-based line of the (only) line of the dedented program that contains ``marker``."""
    lines = textwrap.dedent(src).lstrip("\n").splitlines()
    hits = [n for n, text in enumerate(lines, 1) if marker in text]
    assert len(hits) == 1, f"{marker!r} occurs on lines {hits}"
    return hits[0]


def events_on(facts: FileFacts, events: list[Any], line: int) -> list[Any]:
    return [e for e in events if facts.line(e.node) == line]


def one_on(facts: FileFacts, events: list[Any], line: int) -> Any:
    """The one event of ``events`` recorded on ``line`` (duplicates from re-runs collapse)."""
    found = events_on(facts, events, line)
    assert found, (
        f"no event on line {line}; events on lines {sorted(facts.line(e.node) for e in events)}"
    )
    nodes = {id(e.node) for e in found}
    assert len(nodes) == 1, f"{len(nodes)} different nodes on line {line}: {found}"
    return found[-1]


def reduction_on(facts: FileFacts, line: int) -> Any:
    return one_on(facts, facts.reductions, line)


def subscript_on(facts: FileFacts, line: int) -> Any:
    return one_on(facts, facts.subscripts, line)


def layer_call_on(facts: FileFacts, line: int) -> Any:
    return one_on(facts, facts.layer_calls, line)


def drops_on(facts: FileFacts, line: int) -> list[Any]:
    return events_on(facts, facts.mask_drops, line)


def probe_at(facts: FileFacts, line: int, name: str = "probe") -> Value:
    """The value passed to ``probe(...)`` on ``line``."""
    calls = [
        c
        for c in facts.calls
        if isinstance(c.node.func, ast.Name)
        and c.node.func.id == name
        and facts.line(c.node) == line
    ]
    assert calls, f"no {name}(...) call on line {line}"
    return calls[-1].args[0] if calls[-1].args else None


def probe(src: str, marker: str = "probe(") -> Value:
    """The value of the argument of the one ``probe(...)`` call in ``src``."""
    facts = facts_of(src)
    return probe_at(facts, line_of(src, marker))


def ev_line(facts: FileFacts, evidence: Any) -> int:
    """The line of an :class:`Evidence` (or a node)."""
    node = getattr(evidence, "node", evidence)
    return facts.line(node)
