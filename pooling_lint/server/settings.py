"""What the server is started with (the ``pooling-lint server`` options)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: How long to wait after the last keystroke before checking a changed document: a check of a
#: 1,000-line model file takes tens of milliseconds, so each keystroke need not pay for one.
DEFAULT_DEBOUNCE_S = 0.15


@dataclass(frozen=True)
class ServerSettings:
    """``docs_url`` moves the rule links (as ``--docs-url`` does for the CLI); ``config_file``
    replaces the nearest ``pyproject.toml`` (``--config``); ``debounce_s`` delays checks on
    change (open and save are checked at once)."""

    docs_url: str | None = None
    config_file: Path | None = None
    debounce_s: float = DEFAULT_DEBOUNCE_S
