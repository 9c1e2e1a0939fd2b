"""A real LSP client (pytest-lsp) talking to ``pooling-lint server`` in a subprocess."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

#: A safe fix (PLG302 at 5:9) and an unsafe one (PLG202 at 6:15).
SOURCE = """\
import tensorflow as tf


def pool(h, lengths):
    s = tf.reduce_sum(h, reduction_indices=1, keep_dims=True)
    lengths = tf.reshape(lengths, [-1, 10])
    return s / tf.maximum(lengths, 1)
"""

#: The debounce the tests run the server with (small, so the tests stay quick).
DEBOUNCE_MS = 20


def capabilities() -> types.ClientCapabilities:
    caps = client_capabilities("visual-studio-code")
    caps.notebook_document = types.NotebookDocumentClientCapabilities(
        synchronization=types.NotebookDocumentSyncClientCapabilities()
    )
    return caps


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[
            sys.executable,
            "-m",
            "pooling_lint",
            "server",
            "--debounce-ms",
            str(DEBOUNCE_MS),
        ]
    ),
)
async def client(lsp_client: LanguageClient, workspace: Path) -> AsyncIterator[None]:
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(),
            root_uri=workspace.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="ws")],
        )
    )
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A project with a ``[tool.pooling-lint]`` table (nothing ignored by default)."""
    (tmp_path / "pyproject.toml").write_text('[tool.pooling-lint]\nselect = ["PLG"]\n')
    return tmp_path


async def diagnostics_for(
    client: LanguageClient,
    uri: str,
    until: Callable[[Sequence[types.Diagnostic]], bool],
    timeout: float = 30.0,
) -> Sequence[types.Diagnostic]:
    """Wait until the diagnostics published for ``uri`` satisfy ``until``."""

    async def wait() -> Sequence[types.Diagnostic]:
        while uri not in client.diagnostics or not until(client.diagnostics[uri]):
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        return client.diagnostics[uri]

    return await asyncio.wait_for(wait(), timeout)


def codes(diags: Sequence[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diags)


def open_python(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
        )
    )
    return uri


def apply_edits(text: str, edits: Sequence[types.TextEdit]) -> str:
    """Apply LSP edits as a client would (the test texts are ASCII, so UTF-16 columns are
    code points). Offsets are taken in the original text and applied from the end."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def offset(p: types.Position) -> int:
        return starts[min(p.line, len(starts) - 1)] + p.character

    spans = sorted(
        ((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


async def code_actions(
    client: LanguageClient, uri: str, line: int, only: list[str] | None = None
) -> list[types.CodeAction]:
    """The code actions the server offers at the start of ``line`` (0-based)."""
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(line, 0), types.Position(line, 0)),
            context=types.CodeActionContext(diagnostics=[], only=only),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]
