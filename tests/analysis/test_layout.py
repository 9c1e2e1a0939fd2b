"""The typed layout value (analysis/layout.py): parsing, printing and the axis operations."""

from __future__ import annotations

import pickle

import pytest

from pooling_lint.analysis.layout import (
    BCT,
    BT,
    BTF,
    FEATURE_LIKE,
    TB,
    TBF,
    Axis,
    Layout,
    parse_layout,
)
from pooling_lint.analysis.values import Tensor


def test_parse_and_str_round_trip_every_letter() -> None:
    for letters in ("BTF", "TBF", "BCT", "BT", "TB", "B", "T", "BF", "BQT", "BT1", "BTFF", "BHTF"):
        layout = Layout.parse(letters)
        assert str(layout) == letters
        assert layout.rank == len(letters) == len(layout)
    assert Layout.parse("BQT")[1] is Axis.QUERY
    assert Layout.parse("B1T")[1] is Axis.ONE
    assert Layout.parse("BHT")[1] is Axis.HEAD


def test_parse_rejects_an_unknown_letter() -> None:
    with pytest.raises(ValueError, match="not a layout"):
        Layout.parse("BXT")


def test_parse_layout_keeps_unknown() -> None:
    assert parse_layout(None) is None
    assert parse_layout("TB") == TB


def test_equal_by_value_hashable_and_not_a_string() -> None:
    assert Layout.parse("BTF") == BTF == Layout.of(Axis.BATCH, Axis.TIME, Axis.FEATURE)
    assert BTF != TBF
    assert len({BTF, Layout.parse("BTF"), TBF}) == 2
    assert BTF != "BTF"  # type: ignore[comparison-overlap]
    assert pickle.loads(pickle.dumps(BTF)) == BTF
    assert repr(BTF) == "Layout('BTF')"


def test_roles_and_positions() -> None:
    assert BTF.time_axis == 1 and BTF.batch_axis == 0
    assert TBF.time_axis == 0 and TBF.batch_axis == 1
    assert Layout.parse("BF").time_axis is None
    assert BTF.has(Axis.TIME) and not Layout.parse("BF").has(Axis.TIME)
    assert Axis.FEATURE in BTF and Axis.CHANNEL not in BTF
    assert BCT.find(Axis.CHANNEL) == 1 and BCT.find(Axis.FEATURE) is None
    assert BTF[-1] is Axis.FEATURE
    assert BTF[:2] == BT and BTF[:-1] == BT
    assert list(BTF) == [Axis.BATCH, Axis.TIME, Axis.FEATURE]
    assert {Axis.FEATURE, Axis.CHANNEL, Axis.HEAD} == FEATURE_LIKE


def test_prefix_and_suffix() -> None:
    assert BTF.startswith(BT) and not TBF.startswith(BT) and TBF.startswith(TB)
    assert BCT.endswith(Layout.parse("T")) and not BTF.endswith(Layout.parse("T"))
    assert BT.startswith(Layout(())) and BT.endswith(Layout(()))
    assert not BT.startswith(BTF)


def test_empty_layout_is_falsy_but_not_none() -> None:
    empty = BT.select([])
    assert empty == Layout(()) and not empty and empty.rank == 0 and str(empty) == ""
    assert BT  # a non-empty layout is true


def test_drop_insert_append() -> None:
    assert BTF.drop(1) == Layout.parse("BF")
    assert BTF.drop(-1) == BT
    assert Layout.parse("B").drop(0) == Layout(())
    assert BT.insert(2, Axis.ONE) == Layout.parse("BT1")
    assert BT.insert(0, Axis.ONE) == Layout.parse("1BT")
    assert BT.append(Axis.FEATURE) == BTF
    assert BT.append(Axis.FEATURE, 0) == BT
    assert BTF.append(Axis.FEATURE, 2) == Layout.parse("BTFFF")


def test_permute_select_concat() -> None:
    assert BTF.permute((1, 0, 2)) == TBF
    assert BTF.permute([0, 2, 1]) == Layout.parse("BFT")
    assert BTF.select([0, 2]) == Layout.parse("BF")
    assert BT.concat(Layout.parse("F")) == BTF == BT + Layout.parse("F")


def test_features_named_by_position() -> None:
    # x.transpose(1, 2) of a (batch, time, features) tensor feeds a Conv1d: channels-first
    assert BTF.permute((0, 2, 1)).features_named_by_position() == BCT
    # and back: the channels are features again once time is not last
    assert BCT.permute((0, 2, 1)).features_named_by_position() == BTF
    assert TBF.features_named_by_position() == TBF


def test_tensor_axes_come_from_its_layout_when_the_rank_agrees() -> None:
    assert Tensor(rank=3, layout=TBF).time_axis == 0
    assert Tensor(rank=3, layout=TBF).batch_axis == 1
    assert Tensor(layout=BT).time_axis == 1  # rank unknown: the layout says
    assert Tensor(rank=4, layout=BTF).time_axis is None  # they disagree: unknown
    assert Tensor(rank=2, layout=Layout.parse("BF")).time_axis is None
