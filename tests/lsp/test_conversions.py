"""Positions, edits and diagnostic conversion, without a client (UTF-16 columns, CRLF,
evidence as relatedInformation, the docs link)."""

from __future__ import annotations

from lsprotocol import types

from pooling_lint.diagnostics import Diagnostic, Fix, Location, Related
from pooling_lint.server.convert import Evidence, to_lsp
from pooling_lint.server.edits import replacement
from pooling_lint.server.positions import Positions, location_at, utf16_units

TEXT = 'name = "😋"; x.mean(dim=1)\r\nsecond\n'


def test_columns_are_utf16_units_both_ways() -> None:
    positions = Positions.of(TEXT)
    # "x" is code point 13 (1-based), but the emoji takes two UTF-16 units.
    assert positions.position(Location(1, 13)) == types.Position(0, 13)
    assert positions.location(types.Position(0, 13)) == Location(1, 13)
    assert positions.position(Location(2, 1)) == types.Position(1, 0)
    assert utf16_units("😋") == 2


def test_location_at_counts_crlf_as_one_break() -> None:
    assert location_at(TEXT, TEXT.index("second")) == Location(2, 1)
    assert location_at(TEXT, 3) == Location(1, 4)


def test_empty_diagnostic_range_is_widened_but_edits_are_not() -> None:
    positions = Positions.of("x = (\n")
    point = Location(1, 5)
    assert positions.range(point, point) == types.Range(
        types.Position(0, 4), types.Position(0, 4)
    )
    widened = positions.range(point, point, widen=True)
    assert widened == types.Range(types.Position(0, 4), types.Position(0, 5))


def test_replacement_is_the_smallest_edit_and_keeps_crlf_whole() -> None:
    old = "a = 1\r\nb = 2\r\n"
    new = "a = 1\r\nb = 2  # noqa: PLG101\r\n"
    edit = replacement(old, new, Positions.of(old))
    assert edit is not None
    assert edit.range == types.Range(types.Position(1, 5), types.Position(1, 5))
    assert edit.new_text == "  # noqa: PLG101"
    assert replacement(old, old, Positions.of(old)) is None


def test_diagnostic_carries_code_link_fix_note_and_evidence() -> None:
    text = "lengths = pad(x)\ny = x.mean(dim=1)\n"
    positions = Positions.of(text)
    evidence = Related("`pad(x)` pads `x`", Location(1, 11), Location(1, 17))
    d = Diagnostic(
        "PLG101", "mean-over-padding", "mean over padding", "m.py",
        Location(2, 5), Location(2, 18),
        fix=Fix((), "unsafe", "Use masked_mean"), related=(evidence,),
    )
    out = to_lsp(d, positions, [Evidence("file:///m.py", positions, evidence)], "https://x/")
    assert out.code == "PLG101"
    assert out.code_description is not None
    assert out.code_description.href == "https://x/PLG101.md"
    assert out.message == "mean over padding\nFix (unsafe): Use masked_mean"
    assert out.related_information is not None
    (info,) = out.related_information
    assert info.message == "`pad(x)` pads `x`"
    assert info.location.uri == "file:///m.py"
    assert info.location.range == types.Range(types.Position(0, 10), types.Position(0, 16))
    plain = to_lsp(d, positions, [], None)
    assert plain.related_information is None


def test_notebook_evidence_points_into_the_cell_that_holds_it() -> None:
    from pooling_lint.notebook import CellsCheck
    from pooling_lint.server.session import Cell, cell_findings

    texts = ["x = pad(seqs)\n", "y = x.mean(1)\n"]
    cells = [Cell(f"cell:{i}", t, Positions.of(t)) for i, t in enumerate(texts)]
    d = Diagnostic("PLG101", "mean-over-padding", "mean over padding", "nb.ipynb",
                   Location(1, 5), Location(1, 14), cell=2)
    pad = Related("`pad(seqs)` pads `x`", Location(1, 5), Location(1, 14))
    found = cell_findings(cells, CellsCheck((d,), (((1, pad),),), {}), None)
    assert found["cell:0"] == ()
    (finding,) = found["cell:1"]
    assert finding.lsp.range.start == types.Position(0, 4)
    assert finding.lsp.related_information is not None
    (info,) = finding.lsp.related_information
    assert info.location.uri == "cell:0"
    assert info.location.range == types.Range(types.Position(0, 4), types.Position(0, 13))
