"""``pooling-lint server``: a Language Server (LSP over stdio) built on pygls and lsprotocol.

pygls is in the ``lsp`` extra (``pip install "pooling-lint[lsp]"``); importing this package does
not need it, :func:`serve` does. Like the CLI, the server reads code as text: it never imports a
framework and never runs the code it checks.
"""

from __future__ import annotations

from pooling_lint.server.settings import ServerSettings

__all__ = ["ServerSettings", "serve"]


def serve(settings: ServerSettings) -> None:
    """Run the server on stdin/stdout until the client says ``exit``."""
    from pooling_lint.server.app import create_server

    create_server(settings).start_io()
