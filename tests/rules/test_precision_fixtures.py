"""The real-project sweep's reproductions (tests/fixtures/precision/, docs/sweep.md).

Each ``[[fixture]]`` of ``manifest.toml`` must be reported with exactly its ``expect`` findings
(``[cell, line, code]``, cell 0 for ``.py`` files): near-misses must stay clean, bug twins must
be found. A false-alarm class is listed in ``FIXED`` when the fact behind it is corrected in
``analysis/``; from then on its fixtures are tests like any other.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pooling_lint.config import Config
from pooling_lint.engine import Options, check_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "tests" / "fixtures" / "precision"
MANIFEST = tomllib.loads((FOLDER / "manifest.toml").read_text(encoding="utf-8"))

#: Classes whose facts are fixed: their near-misses are clean and their bugs still found.
FIXED = frozenset(
    {
        "bidi_both_ends",
        "minus_one_reshape",
        "incremental_step",
        "none_branch",
        "notebook_automagic",
        "notebook_ipython_forms",
        "notebook_leading_indent",
        "notebook_shell_continuation",
        "name_evidence",
        "masked_after",
        "shape_only",
        "shift_multiply_mask",
        "nonzero_by_caller",
        "tokenizer_mask_nonzero",
    }
)
#: Reproductions of the true findings of the sweep: they must keep being found.
TRUE_FINDINGS = frozenset(
    fx["class"] for fx in MANIFEST["fixture"] if str(fx["class"]).startswith("tp_")
)
#: Reproductions written from true findings that the linter does not find yet in this form
#: (recall work, issue 13), and near-misses that still get a false alarm; see docs/sweep.md.
KNOWN_MISSES = frozenset(
    {
        "tp_global_max_over_padding_bug_2.py",
        "tp_mean_over_padded_loss_bug_1.py",
        # `tags[-1]` as a gather index: only `tags[t]` indexing a table next to `mask[t]`
        # connects the tags to the mask, which the facts do not read yet
        "masked_after_bug_1.py",
        # `x` never meets the mask in that function: only the parameter's name said it was
        # padded, which is not evidence
        "shape_only_bug_1.py",
        # still a false alarm: `h.max(...)` used only as the shift bound of `(h - top) * mask`
        # (any upper bound works) and the min of that product; the facts know no sign bounds
        "shift_multiply_mask_nearmiss_1.py",
        # a count made by summing a mask built from relative lengths (`arange(T) < rel * T`):
        # the facts do not make that sum a lengths value that may be zero
        "nonzero_by_caller_bug_1.py",
    }
)

CASES = [
    fx
    for fx in MANIFEST["fixture"]
    if fx["class"] in FIXED | TRUE_FINDINGS and fx["file"] not in KNOWN_MISSES
]


def test_every_fixture_on_disk_is_in_the_manifest() -> None:
    listed = {fx["file"] for fx in MANIFEST["fixture"]}
    on_disk = {p.name for p in FOLDER.iterdir() if p.suffix in (".py", ".ipynb")}
    assert on_disk == listed


@pytest.mark.parametrize("fx", CASES, ids=lambda fx: str(fx["file"]))
def test_fixture_findings_match_the_manifest(fx: dict[str, object]) -> None:
    path = FOLDER / str(fx["file"])
    result = check_file(path, path.name, Options.for_config(Config(root=ROOT)))
    got = {(d.cell or 0, d.line, d.code) for d in result.diagnostics}
    want = {(int(c), int(n), str(code)) for c, n, code in fx["expect"]}  # type: ignore[union-attr]
    detail = "\n".join(
        f"  {d.cell}:{d.line}:{d.column} {d.code} {d.message}" for d in result.diagnostics
    )
    assert got == want, f"missing {sorted(want - got)}, unexpected {sorted(got - want)}\n{detail}"
