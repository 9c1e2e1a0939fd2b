"""Keras models trained from another module (issue #13, round 2): ``model.fit(x)`` on an
instance of a subclassed model reaches its ``call``; ``build().fit(x)`` on the functional model
a builder function returns reaches that model's ``Input``."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from pooling_lint.analysis.facts import build_facts, build_facts_from_text
from pooling_lint.analysis.positions import SourceLines
from pooling_lint.analysis.project import ProjectContext
from pooling_lint.config import Config
from pooling_lint.engine import Options
from pooling_lint.project import project_contexts
from pooling_lint.runner import check_paths


def _write(root: Path, files: dict[str, str]) -> list[Path]:
    paths = []
    for name, text in files.items():
        path = root / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        paths.append(path)
    return sorted(paths)


def _codes(files: list[Path]) -> set[tuple[str, int, str]]:
    results = check_paths(files, Options.for_config(Config()))
    return {(Path(r.display).name, d.line, d.code) for r in results for d in r.diagnostics}


def _probe(text: str, context: object = None):  # type: ignore[no-untyped-def]
    text = textwrap.dedent(text).lstrip("\n")
    if context is None:
        facts = build_facts_from_text(text)
    else:
        facts = build_facts(ast.parse(text), SourceLines(text), ProjectContext.from_json(context))
    (probe,) = [c for c in facts.calls if getattr(c.node.func, "id", "") == "probe"]
    return probe.args[0]


SUBCLASS = """
    import keras
    from keras import layers

    class Bag(keras.Model):
        def __init__(self):
            super().__init__()
            self.emb = layers.Embedding(5000, 16)
            self.pool = layers.GlobalAveragePooling1D()
            self.out = layers.Dense(1)

        def call(self, ids):
            probe(ids)
            return self.out(self.pool(self.emb(ids)))
"""


def test_fit_of_a_subclassed_model_reaches_call_in_file() -> None:
    text = textwrap.dedent(SUBCLASS) + textwrap.dedent(
        """
        from keras.utils import pad_sequences
        x = pad_sequences(rows, maxlen=40)
        model = Bag()
        model.fit(x, y, epochs=2)
        """
    )
    value = _probe(text)
    assert value is not None and value.padding is not None
    assert value.padding.side is not None and value.padding.side.value == "pre"


def test_a_model_with_its_own_fit_does_not_route_to_call() -> None:
    text = textwrap.dedent(SUBCLASS).replace(
        "    def call(self, ids):",
        "    def fit(self, rows, *a, **k):\n        pass\n\n    def call(self, ids):",
    ) + textwrap.dedent(
        """
        from keras.utils import pad_sequences
        x = pad_sequences(rows, maxlen=40)
        Bag().fit(x, y)
        """
    )
    value = _probe(text)
    assert value is None or getattr(value, "padding", None) is None


TRAIN_SUBCLASS = """
    from keras.utils import pad_sequences
    from bag import Bag
    x = pad_sequences(rows, maxlen=40, padding="post")
    model = Bag()
    model.compile("adam", "mse")
    model.fit(x, y, batch_size=8)
"""


def test_fit_from_another_module_pads_call(tmp_path: Path) -> None:
    files = _write(
        tmp_path, {"bag.py": SUBCLASS.replace("probe(ids)", "pass"), "train.py": TRAIN_SUBCLASS}
    )
    assert _codes(files) == {("bag.py", 13, "PLG101")}


def test_fit_on_unpadded_data_from_another_module_is_clean(tmp_path: Path) -> None:
    train = TRAIN_SUBCLASS.replace(
        'pad_sequences(rows, maxlen=40, padding="post")', "np.ones((8, 40))"
    )
    train = train.replace("from keras.utils import pad_sequences", "import numpy as np")
    files = _write(tmp_path, {"bag.py": SUBCLASS.replace("probe(ids)", "pass"), "train.py": train})
    assert _codes(files) == set()


BUILDER = """
    import keras
    from keras import layers

    def build(maxlen):
        ids = keras.Input(shape=(maxlen,))
        probe(ids)
        h = layers.Embedding(5000, 16)(ids)
        return keras.Model(ids, layers.Dense(1)(layers.GlobalMaxPooling1D()(h)))
"""

TRAIN_BUILDER = """
    from keras.utils import pad_sequences
    from net import build
    x = pad_sequences(rows, maxlen=40, padding="post")
    model = build(40)
    model.compile("adam", "mse")
    model.fit(x, y, epochs=1)
"""


def test_fit_of_a_built_model_pads_its_input(tmp_path: Path) -> None:
    files = _write(tmp_path, {"net.py": BUILDER, "train.py": TRAIN_BUILDER})
    contexts = project_contexts(files)
    net = next(p for p in files if p.name == "net.py")
    value = _probe(net.read_text(encoding="utf-8"), contexts[net])
    assert value is not None and value.padding is not None
    assert value.padding.side is not None and value.padding.side.value == "post"
    assert "train.py" in value.padding.evidence.text


def test_a_built_model_given_unpadded_data_has_no_context(tmp_path: Path) -> None:
    train = TRAIN_BUILDER.replace(
        'pad_sequences(rows, maxlen=40, padding="post")', "np.ones((8, 40))"
    )
    train = train.replace("from keras.utils import pad_sequences", "import numpy as np")
    files = _write(tmp_path, {"net.py": BUILDER, "train.py": train})
    net = next(p for p in files if p.name == "net.py")
    assert net not in project_contexts(files)


def test_an_unknown_return_of_another_module_carries_nothing(tmp_path: Path) -> None:
    files = _write(
        tmp_path,
        {
            "net.py": BUILDER,
            "train.py": """
                from net import build
                model = build(40)
                model.fit(x, y)
            """,
        },
    )
    assert project_contexts(files) == {}
