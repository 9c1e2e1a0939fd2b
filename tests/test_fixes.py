"""``--fix`` loses nothing: bytes, encoding, BOM, line endings, mode; atomic; idempotent."""

from __future__ import annotations

import codecs
import dataclasses
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import pooling_lint.engine as engine
from pooling_lint.analysis.facts import FileFacts
from pooling_lint.cli import main
from pooling_lint.diagnostics import Diagnostic, Edit, Fix, Location
from pooling_lint.fixes import apply_edits, reparses, select_fixes, write_atomic
from pooling_lint.rules.plg302_deprecated_reduction_args import DeprecatedReductionArgs

LINES = [
    "import tensorflow as tf",
    "",
    "def pool(h):",
    "    # moyenne pondérée — café",
    "    return tf.reduce_sum(h, reduction_indices=1, keep_dims=True)",
]


def fixed_lines() -> list[str]:
    return [
        ln.replace("reduction_indices=", "axis=").replace("keep_dims=", "keepdims=") for ln in LINES
    ]


def fix(*paths: Path, extra: tuple[str, ...] = ()) -> Result:
    return CliRunner().invoke(main, ["check", "--fix", "--no-cache", *extra, *map(str, paths)])


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".pooling-lint.tmp"))


def assert_fixed_twice_is_stable(path: Path, expected: bytes) -> None:
    first = fix(path)
    assert first.exit_code == 0, first.output
    assert path.read_bytes() == expected
    second = fix(path)
    assert second.exit_code == 0 and "Fixed" not in second.stdout
    assert path.read_bytes() == expected
    assert leftovers(path.parent) == []


def test_utf8_lf(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes("\n".join(LINES).encode() + b"\n")
    assert_fixed_twice_is_stable(path, "\n".join(fixed_lines()).encode() + b"\n")


def test_latin1_coding_cookie_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    lines = ["# -*- coding: latin-1 -*-", *LINES]
    lines[4] = "    # moyenne pondérée, café"  # latin-1 has no em dash
    path.write_bytes("\n".join(lines).encode("latin-1") + b"\n")
    expected = "\n".join(lines).replace("reduction_indices=", "axis=")
    expected = expected.replace("keep_dims=", "keepdims=").encode("latin-1") + b"\n"
    assert b"\xe9" in expected
    assert_fixed_twice_is_stable(path, expected)


def test_bom_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(codecs.BOM_UTF8 + "\n".join(LINES).encode() + b"\n")
    assert_fixed_twice_is_stable(path, codecs.BOM_UTF8 + "\n".join(fixed_lines()).encode() + b"\n")


def test_crlf_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes("\r\n".join(LINES).encode() + b"\r\n")
    assert_fixed_twice_is_stable(path, "\r\n".join(fixed_lines()).encode() + b"\r\n")


def test_bom_and_crlf_together(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(codecs.BOM_UTF8 + "\r\n".join(LINES).encode() + b"\r\n")
    want = codecs.BOM_UTF8 + "\r\n".join(fixed_lines()).encode() + b"\r\n"
    assert_fixed_twice_is_stable(path, want)


@pytest.mark.parametrize(
    "ends", [["\r\n", "\n", "\r\n", "\n", "\r\n"], ["\r", "\n", "\r\n", "\r", "\n"]]
)
def test_mixed_line_endings_are_kept_line_by_line(tmp_path: Path, ends: list[str]) -> None:
    path = tmp_path / "m.py"
    path.write_bytes("".join(ln + e for ln, e in zip(LINES, ends)).encode())
    want = "".join(ln + e for ln, e in zip(fixed_lines(), ends)).encode()
    assert_fixed_twice_is_stable(path, want)


def test_old_mac_cr_line_endings_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes("\r".join(LINES).encode() + b"\r")
    assert_fixed_twice_is_stable(path, "\r".join(fixed_lines()).encode() + b"\r")


def test_no_final_newline_and_tabs(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    text = "import tensorflow as tf\nif True:\n\ty = tf.reduce_sum(h, keep_dims=True)"
    path.write_text(text)
    assert_fixed_twice_is_stable(path, text.replace("keep_dims", "keepdims").encode())


def test_file_mode_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("\n".join(LINES) + "\n")
    os.chmod(path, 0o751)
    assert fix(path).exit_code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o751


def test_symlinked_file_is_fixed_through_the_link(tmp_path: Path) -> None:
    """Fixing ``link.py -> real.py`` rewrites real.py and keeps the link a link."""
    real = tmp_path / "real.py"
    real.write_text("\n".join(LINES) + "\n")
    link = tmp_path / "link.py"
    link.symlink_to(real)
    result = fix(link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert real.read_text() == "\n".join(fixed_lines()) + "\n"


def test_file_changed_between_read_and_write_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.py"
    path.write_text("\n".join(LINES) + "\n")
    edited = "# the user saved this meanwhile\n" + "\n".join(LINES) + "\n"
    real_fix_text = engine.fix_text

    def racing_fix_text(*args: object, **kwargs: object) -> object:
        out = real_fix_text(*args, **kwargs)  # type: ignore[arg-type]
        path.write_text(edited)  # another editor writes the file after we read it
        return out

    monkeypatch.setattr(engine, "fix_text", racing_fix_text)
    result = fix(path)
    assert result.exit_code == 2, result.output
    assert "changed on disk" in result.stdout
    assert path.read_text() == edited  # the user's edit survives
    assert leftovers(tmp_path) == []


def test_write_failure_leaves_the_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.py"
    original = "\n".join(LINES) + "\n"
    path.write_text(original)

    def no_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_replace)
    result = fix(path)
    assert result.exit_code == 2
    assert "No space left on device" in result.stdout
    assert path.read_text() == original
    assert leftovers(tmp_path) == []


def test_a_fix_that_would_break_the_syntax_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original_check = DeprecatedReductionArgs.check

    def broken(self: DeprecatedReductionArgs, facts: FileFacts) -> Iterator[object]:
        for finding in original_check(self, facts):
            bad = facts.replace(finding.node, "tf.reduce_sum((")
            yield dataclasses.replace(finding, fix=(bad,))

    monkeypatch.setattr(DeprecatedReductionArgs, "check", broken)
    path = tmp_path / "m.py"
    original = "\n".join(LINES) + "\n"
    path.write_text(original)
    result = fix(path)
    assert result.exit_code == 1
    assert path.read_text() == original


def test_diff_and_fix_agree(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("\n".join(LINES) + "\n")
    diff = CliRunner().invoke(main, ["check", "--diff", "--no-cache", str(path)]).stdout
    assert "+    return tf.reduce_sum(h, axis=1, keepdims=True)" in diff
    assert path.read_text() == "\n".join(LINES) + "\n"


# --- units -------------------------------------------------------------------------------------


def edit(l1: int, c1: int, l2: int, c2: int, content: str) -> Edit:
    return Edit(Location(l1, c1), Location(l2, c2), content)


def test_apply_edits_in_any_order() -> None:
    text = "abc\ndef\nghi\n"
    edits = [edit(3, 1, 3, 2, "G"), edit(1, 2, 2, 2, "-"), edit(1, 1, 1, 1, ">")]
    assert apply_edits(text, edits) == apply_edits(text, reversed(edits)) == ">a-ef\nGhi\n"


def test_apply_edits_rejects_overlaps() -> None:
    with pytest.raises(ValueError):
        apply_edits("abcdef", [edit(1, 1, 1, 4, "x"), edit(1, 3, 1, 5, "y")])


def diag(line: int, *edits: Edit, safe: bool = True) -> Diagnostic:
    f = Fix(tuple(edits), "safe" if safe else "unsafe", "t")
    loc = Location(line, 1)
    return Diagnostic("PLG302", "n", "m", "p", loc, loc, fix=f)


def test_select_fixes_skips_overlaps_unsafe_and_self_overlapping() -> None:
    a = diag(1, edit(1, 1, 1, 5, "a"))
    overlapping = diag(1, edit(1, 3, 1, 7, "b"))
    unsafe = diag(2, edit(2, 1, 2, 2, "c"), safe=False)
    self_overlap = diag(3, edit(3, 1, 3, 5, "d"), edit(3, 2, 3, 3, "e"))
    assert select_fixes([a, overlapping, unsafe, self_overlap], unsafe=False) == [a]
    assert select_fixes([a, unsafe], unsafe=True) == [a, unsafe]


def test_reparses() -> None:
    assert reparses("x = (1,\n 2)\n")
    assert not reparses("x = (\n")
    assert not reparses("x = 1\x00\n")
    assert not reparses("x = " + "(" * 300 + ")" * 300)


def test_write_atomic_keeps_mode_and_cleans_up(tmp_path: Path) -> None:
    path = tmp_path / "f.py"
    path.write_bytes(b"old")
    os.chmod(path, 0o640)
    write_atomic(path, b"new", expected_old=b"old")
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []
