"""Which earlier cells the check before a new cell takes (``relevant_cells``): the ones its
names lead back to, not the whole session."""

from __future__ import annotations

from pooling_lint.ipython_history import cell_names, relevant_cells


def needed(history: list[str], new: str) -> list[int]:
    return relevant_cells([cell_names(c) for c in history], cell_names(new))


def test_a_model_defined_earlier_is_found_past_unrelated_cells() -> None:
    history = [
        "import torch\nimport torch.nn as nn\n",  # 0: imports are always taken
        "class Encoder(nn.Module):\n    def forward(self, x):\n        return x.mean(1)\n",
        "data = [1, 2, 3]\nprint(len(data))\n",  # 2: unrelated
        "%matplotlib inline\nplot = 1\n",  # 3: unrelated
        "enc = Encoder()\n",  # 4
    ]
    assert needed(history, "out = enc(batch)\n") == [0, 1, 4]


def test_an_outright_rebinding_hides_the_earlier_value() -> None:
    history = ["class Old: pass\n", "class New: pass\n", "model = Old()\n", "model = New()\n"]
    assert needed(history, "model.fit(x)\n") == [1, 3]


def test_mutations_after_the_binding_are_kept() -> None:
    history = [
        "from keras import layers, Sequential\n",
        "model = Sequential()\n",
        "model.add(layers.Masking())\n",
        "other = 1\n",
        "model.add(layers.LSTM(4))\n",
    ]
    assert needed(history, "model.fit(x)\n") == [0, 1, 2, 4]


def test_names_are_followed_back_from_where_each_cell_ran() -> None:
    history = [
        "import torch\n",
        "x = pad_sequence(seqs, batch_first=True)\n",
        "out, _ = lstm(x)\n",
        "x = torch.zeros(3)\n",  # a later x: not the one cell 2 read
        "lstm = torch.nn.LSTM(4, 4)\n",
    ]
    assert needed(history, "pooled = out.mean(dim=1)\n") == [0, 1, 2]


def test_a_function_reads_its_globals_when_called() -> None:
    history = [
        "def pool(out):\n    return out.sum(1) / lengths\n",
        "lengths = torch.tensor([3, 2])\n",
        "unrelated = 2\n",
    ]
    assert needed(history, "y = pool(h)\n") == [0, 1]


def test_assigning_a_name_does_not_pull_in_its_earlier_values() -> None:
    history = ["enc = A()\n", "enc = B()\n", "class C: pass\n"]
    assert needed(history, "enc = C()\n") == [2]


def test_cells_that_do_not_parse_are_kept() -> None:
    assert needed(["x = (\n", "y = 1\n"], "z = 2\n") == [0]
