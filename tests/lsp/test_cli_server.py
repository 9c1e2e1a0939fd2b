"""``pooling-lint server`` without the ``lsp`` extra says what to install."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from pooling_lint.cli import main


def test_server_without_pygls_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pygls", None)  # makes `import pygls` fail
    result = CliRunner().invoke(main, ["server"])
    assert result.exit_code == 2
    assert 'pip install "pooling-lint[lsp]"' in result.output


def test_server_help_lists_its_options() -> None:
    result = CliRunner().invoke(main, ["server", "--help"])
    assert result.exit_code == 0
    for option in ("--docs-url", "--config", "--debounce-ms"):
        assert option in result.output
