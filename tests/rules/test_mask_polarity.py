"""PLG305's fix: the mask compared with 0, an unsafe fix that leaves the file clean."""

from __future__ import annotations

from pathlib import Path

from pooling_lint.config import Config
from pooling_lint.engine import Options, check_text, fix_text

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "fixtures" / "rules" / "plg305" / "bad_ids_ne_pad_mha.py"


def test_the_unsafe_fix_passes_the_padding_and_leaves_no_finding() -> None:
    options = Options.for_config(Config(root=ROOT))
    text = BAD.read_text(encoding="utf-8")

    def lint(t: str) -> list:  # type: ignore[type-arg]
        return check_text(t, BAD.name, BAD, options)

    safe_only, applied, _ = fix_text(lint, text, unsafe=False)
    assert applied == 0 and safe_only == text  # never applied without --unsafe-fixes
    fixed, applied, remaining = fix_text(lint, text, unsafe=True)
    assert applied == 2
    assert "key_padding_mask=(valid) == 0)" in fixed
    assert "attn(x, x, x, (valid.float()) == 0)" in fixed
    assert not [d for d in remaining if d.code == "PLG305"]
