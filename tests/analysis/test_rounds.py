"""Rounds: a unit is re-run only when something it read has changed; `same` is strict."""

from __future__ import annotations

import ast
import textwrap

import pytest

from pooling_lint.analysis import interpreter as interp
from pooling_lint.analysis.facts import build_facts
from pooling_lint.analysis.positions import SourceLines
from pooling_lint.analysis.values import Const, Evidence, Layer, Tensor, same

from .conftest import facts_of, line_of, reduction_on

SRC = textwrap.dedent(
    """
    import torch
    from torch import nn
    def helper(n):
        return n + 1
    class Enc(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(8, 16, batch_first=True)
        def forward(self, x):
            out, _ = self.lstm(x)
            return out.mean(dim=1)
    def unrelated(a):
        return a
    model = Enc()
    y = model(torch.randn(4, 10, 8))
    """
).lstrip("\n")


def test_units_whose_reads_did_not_change_are_not_rerun(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[str] = []
    real = interp.Interpreter._exec_block

    def counting(self: interp.Interpreter, body: object) -> None:
        if self.frame is not None and body is self._body(self.frame.unit.node):  # type: ignore[arg-type]
            runs.append(self.frame.unit.key)
        real(self, body)  # type: ignore[arg-type]

    monkeypatch.setattr(interp.Interpreter, "_exec_block", counting)
    facts = build_facts(ast.parse(SRC), SourceLines(SRC))
    # the module body read forward's return value before forward had run: it runs again;
    # forward already saw its binding (made by the module before it), and `unrelated` and
    # `helper` read nothing that changed after their first run.
    assert runs.count("<module>") == 2
    assert runs.count("Enc.forward") == 1
    assert runs.count("unrelated") == 1 and runs.count("helper") == 1
    r = reduction_on(facts, line_of(SRC, "out.mean"))
    assert r.operand.dims == (4, 10, 16)  # the re-run saw the bound input


def test_results_are_the_same_as_with_every_unit_rerun(monkeypatch: pytest.MonkeyPatch) -> None:
    def summary(facts: object) -> list[object]:
        out: list[object] = []
        for r in facts.reductions:  # type: ignore[attr-defined]
            t = r.operand
            lines = [e.node.lineno for e in (t.origin, t.rnn) if e is not None]
            out.append((r.op, r.axis, r.node.lineno, t.rank, t.dims, t.layout, t.role, lines))
        for c in facts.calls:  # type: ignore[attr-defined]
            out.append((c.qualname, c.node.lineno, c.node.col_offset))
        return out

    skipping = facts_of(SRC)
    monkeypatch.setattr(interp, "same", lambda a, b: False)  # never skip a unit
    full = facts_of(SRC)
    assert summary(skipping) == summary(full)
    assert len(summary(full)) > 5


def test_same_is_strict_where_equality_is_not() -> None:
    node = ast.parse("f()").body[0]
    a = Layer("torch.nn.LSTM", {"batch_first": Const(True)}, node)
    b = Layer("torch.nn.LSTM", {"batch_first": Const(False)}, node)
    assert a == b and not same(a, b)  # Layer equality ignores its arguments; `same` does not
    other = ast.parse("f()").body[0]
    assert not same(Layer("torch.nn.LSTM", {}, node), Layer("torch.nn.LSTM", {}, other))
    ev = Evidence(node)
    assert same(Tensor(rank=3, origin=ev), Tensor(rank=3, origin=ev))
    assert not same(Tensor(rank=3), Tensor(rank=2))
    assert same({"x": (1, Tensor())}, {"x": (1, Tensor())})


def test_every_fixture_reports_the_same_with_every_unit_rerun(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pathlib import Path

    from pooling_lint.config import Config
    from pooling_lint.engine import Options, check_text

    root = Path(__file__).resolve().parents[2]
    fixtures = (root / "tests" / "fixtures").rglob("*.py")
    files = sorted([*fixtures, *(root / "examples").glob("*.py")])
    options = Options.for_config(Config(root=root))

    def report() -> list[object]:
        out: list[object] = []
        for path in files:
            diags = check_text(path.read_text(encoding="utf-8"), path.name, path, options)
            out.extend((path.name, d.code, d.start, d.end, d.message, d.related) for d in diags)
        return out

    skipping = report()
    monkeypatch.setattr(interp, "same", lambda a, b: False)
    assert report() == skipping
    assert len(skipping) > 50
