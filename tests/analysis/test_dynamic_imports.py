"""Facts behind the research-repository idiom ``x = import_module("models." + name)``,
``model = x.Model(config)``, ``train(config, model, build_iterator(rows, config), ...)``:

* the builtin ``__import__("models." + name, fromlist=[...])`` picks a module like
  ``import_module`` (with a non-empty ``fromlist`` it returns the named module itself);
* a list passed by several call sites (``build_iterator(train_rows)``,
  ``build_iterator(dev_rows)``) keeps what its elements hold: padding from either caller is
  kept, like a padded tensor passed by one of them.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from pooling_lint.analysis.dynamic_imports import imports_the_module
from pooling_lint.analysis.values import (
    Evidence,
    ListOf,
    Padding,
    Side,
    Tensor,
    TupleValue,
    join,
    join_call_sites,
)
from pooling_lint.config import Config
from pooling_lint.engine import Options
from pooling_lint.runner import check_paths


def _call(code: str) -> ast.Call:
    node = ast.parse(code, mode="eval").body
    assert isinstance(node, ast.Call)
    return node


def test_builtin_import_returns_the_named_module_only_with_a_fromlist() -> None:
    assert imports_the_module(_call('__import__("models." + name, fromlist=["Model"])'))
    assert imports_the_module(_call('__import__("models." + name, None, None, ["Model"])'))
    assert imports_the_module(_call('__import__("models." + name, globals(), fromlist=("x",))'))
    # without a fromlist (or an empty one) `__import__("models.cnn")` returns `models`
    assert not imports_the_module(_call('__import__("models." + name)'))
    assert not imports_the_module(_call('__import__("models." + name, fromlist=[])'))
    # a fromlist the code does not show, or a relative import: unsure
    assert not imports_the_module(_call('__import__("models." + name, fromlist=names)'))
    assert not imports_the_module(_call('__import__("models." + name, fromlist=["M"], level=1)'))
    assert imports_the_module(_call('__import__("models." + name, fromlist=["M"], level=0)'))


def _rows(line: int, length: object = None) -> ListOf:
    node = ast.parse("x", mode="eval").body
    node.lineno = line  # type: ignore[attr-defined]
    ev = Evidence(node, "")
    ids = Tensor(rank=1, padding=Padding(ev, Side.POST), origin=ev)
    return ListOf(TupleValue((ids, None, length)))


def test_a_list_from_two_call_sites_keeps_its_padded_elements() -> None:
    train, dev = _rows(10), _rows(11)
    assert train != dev  # two reads: two origins
    joined = join_call_sites(train, dev)
    assert isinstance(joined, ListOf) and isinstance(joined.item, TupleValue)
    ids = joined.item.items[0]
    assert isinstance(ids, Tensor) and ids.padding is not None
    # and a third caller changes nothing
    assert join_call_sites(joined, _rows(12)) == join_call_sites(join_call_sites(train, dev), dev)


def test_a_list_on_both_branches_holds_what_both_elements_hold() -> None:
    joined = join(_rows(10), _rows(11))
    assert isinstance(joined, ListOf) and isinstance(joined.item, TupleValue)
    ids = joined.item.items[0]
    assert isinstance(ids, Tensor) and ids.padding is not None  # padded on both paths
    assert join(_rows(10), ListOf(None)) is None  # elements unknown on one path: unknown


DATA = """
import torch

def read(rows, n=16):
    out = []
    for ids in rows:
        if len(ids) < n:
            ids.extend([0] * (n - len(ids)))
        else:
            ids = ids[:n]
        out.append((ids, len(ids)))
    return out

class Batches:
    def __init__(self, rows):
        self.rows = rows

    def __iter__(self):
        return self

    def __next__(self):
        return torch.LongTensor([r[0] for r in self.rows])

def build_iterator(rows):
    return Batches(rows)
"""

MODEL = """
from torch import nn

class Model(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embed = nn.Embedding(10, 4)

    def forward(self, ids):
        return self.embed(ids).mean(dim=1)
"""

RUN = """
from importlib import import_module

from data import read, build_iterator

def main(name, train_rows, dev_rows):
    picked = {pick}
    model = picked.Model(None)
    train_iter = build_iterator(read(train_rows))
    dev_iter = build_iterator(read(dev_rows))
    for ids in train_iter:
        model(ids)
    for ids in dev_iter:
        model(ids)
"""


def _flagged(root: Path, pick: str) -> set[str]:
    files = {
        "data.py": DATA,
        "run.py": RUN.format(pick=pick),
        "models/bag.py": MODEL,
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    results = check_paths(sorted(root.rglob("*.py")), Options.for_config(Config()))
    return {"/".join(Path(r.display).parts[-2:]) for r in results if r.diagnostics}


def test_two_iterators_over_padded_rows_reach_the_picked_model(tmp_path: Path) -> None:
    # `build_iterator` is called twice (train and dev rows): its list parameter stays padded
    assert _flagged(tmp_path, 'import_module("models." + name)') == {"models/bag.py"}


def test_builtin_import_with_a_fromlist_picks_the_models(tmp_path: Path) -> None:
    pick = '__import__("models." + name, fromlist=["Model"])'
    assert _flagged(tmp_path, pick) == {"models/bag.py"}


def test_builtin_import_without_a_fromlist_picks_nothing(tmp_path: Path) -> None:
    assert _flagged(tmp_path, '__import__("models." + name)') == set()
