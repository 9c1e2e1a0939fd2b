"""The language server imports no framework and runs none of the code it checks: a server
process whose exit reports every framework module it ever imported checks hostile model code
(which, if run, would write a marker and exit)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import capabilities, codes, diagnostics_for, open_python
from tests.test_lint_path_imports import FRAMEWORKS, HOSTILE

pytestmark = pytest.mark.asyncio

REPORT_ENV = "POOLING_LINT_TEST_IMPORT_REPORT"

WRAPPER = textwrap.dedent(
    f"""
    import atexit, json, os, sys

    def report():
        roots = {set(FRAMEWORKS)!r}
        seen = sorted(m for m in sys.modules if m.split(".")[0] in roots)
        with open(os.environ[{REPORT_ENV!r}], "w") as f:
            json.dump(seen, f)

    atexit.register(report)
    sys.argv = ["pooling-lint", "server", "--debounce-ms", "0"]
    from pooling_lint.cli import main
    main()
    """
)

WORKDIR = Path(os.environ.get("TMPDIR", "/tmp")) / f"pooling-lint-lsp-imports-{os.getpid()}"
REPORT = WORKDIR / "imported.json"


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-c", WRAPPER],
        server_env={**os.environ, REPORT_ENV: str(REPORT)},
    ),
)
async def reporting_client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    WORKDIR.mkdir(parents=True, exist_ok=True)
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=capabilities(), root_uri=WORKDIR.as_uri())
    )
    yield


async def test_server_imports_no_framework_and_runs_nothing(
    reporting_client: LanguageClient,
) -> None:
    lsp_client = reporting_client
    REPORT.unlink(missing_ok=True)
    marker = WORKDIR / "EXECUTED"
    uri = open_python(lsp_client, WORKDIR / "model.py", HOSTILE.format(marker=str(marker)))
    diags = await diagnostics_for(lsp_client, uri, lambda d: len(d) > 0)
    assert "PLG101" in codes(diags) and "PLG302" in codes(diags)  # checked, not executed
    hover = await lsp_client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri=uri), diags[0].range.start)
    )
    assert hover is not None
    await lsp_client.shutdown_session()
    imported = json.loads(REPORT.read_text())
    executed = marker.exists()
    shutil.rmtree(WORKDIR, ignore_errors=True)
    assert imported == []
    assert not executed
