"""pooling-lint: find pooling bugs on padded sequences before the model trains on garbage.

The linter (``pooling_lint.cli``, ``engine``, ``analysis``, ``rules``) reads code as text and
never imports a deep-learning framework. ``pooling_lint.runtime`` holds the masked pooling ops and
shape guards that users import into their models.
"""

from typing import Any

__version__ = "0.1.0"


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext pooling_lint``: check each cell before it runs (see
    :mod:`pooling_lint.ipython_extension`; loaded only here, so importing the package stays
    cheap)."""
    from pooling_lint.ipython_extension import load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext pooling_lint``."""
    from pooling_lint.ipython_extension import unload

    unload(ipython)
