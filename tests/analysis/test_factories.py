"""Classmethods that return an instance of the class they are called on
(analysis/factories.py): ``Model.from_pretrained(path)`` of a vendored model copy gives a
``Model``, whose forward then runs on the data the caller passes."""

from __future__ import annotations

import ast
import textwrap

from pooling_lint.analysis.factories import factory_methods
from pooling_lint.analysis.facts import build_facts_from_text
from pooling_lint.analysis.values import Instance, Tensor

from .conftest import facts_of, line_of, probe_at

VENDORED = """
import torch
from torch import nn
from torch.nn.utils.rnn import pad_sequence

def finish(model, path):
    return model

class Base(nn.Module):
    @classmethod
    def load(cls, path, *args):
        if not path:
            return None
        model = cls(*args)
        model.load_state_dict(torch.load(path))
        return finish(model, path)

class Encoder(Base):
    def __init__(self, dim):
        super().__init__()
        self.embed = nn.Embedding(100, dim)

    def forward(self, ids):
        return self.embed(ids)

enc = Encoder.load("weights.bin", 8)
probe(enc)
ids = pad_sequence([torch.tensor([1, 2]), torch.tensor([3])], batch_first=True)
out = enc(ids)
probe(out)
"""


def _at(src: str, marker: str) -> object:
    return probe_at(facts_of(src), line_of(src, marker))


def test_an_inherited_classmethod_that_returns_cls_gives_the_subclass() -> None:
    assert _at(VENDORED, "probe(enc)") == Instance("Encoder")
    out = _at(VENDORED, "probe(out)")
    assert isinstance(out, Tensor) and out.padding is not None and str(out.layout) == "BTF"


def _factories(src: str) -> dict[str, frozenset[str]]:
    text = textwrap.dedent(src).lstrip("\n")
    tree = ast.parse(text)
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    return factory_methods(build_facts_from_text(text), classes, functions)


def test_factories_are_found_by_what_they_return() -> None:
    assert _factories(VENDORED) == {"Base": frozenset({"load"}), "Encoder": frozenset({"load"})}


def test_methods_that_may_return_something_else_are_not_factories() -> None:
    other = """
    class A:
        @classmethod
        def config(cls, path):
            return cls.defaults
        @classmethod
        def maybe(cls, flag):
            made = cls()
            if flag:
                made = made.child
            return made
        @staticmethod
        def build(x):
            return A()
        def plain(self):
            return type(self)()
    """
    assert _factories(other) == {}


def test_a_subclass_that_redefines_the_method_does_not_inherit_it() -> None:
    src = VENDORED.replace(
        "    def forward(self, ids):",
        "    @classmethod\n    def load(cls, path, *args):\n        return torch.load(path)\n\n"
        "    def forward(self, ids):",
    )
    assert _factories(src) == {"Base": frozenset({"load"})}
    assert _at(src, "probe(enc)") != Instance("Encoder")
