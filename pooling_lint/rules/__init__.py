"""The rule registry: every ``plgNNN_*.py`` module in this package defines one rule."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from pooling_lint.diagnostics import ENGINE_CODES
from pooling_lint.rules.base import Example, Finding, Replacement, Rule

__all__ = ["ENGINE_CODES", "Example", "Finding", "Replacement", "Rule", "all_rules", "rule_by_code"]


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class, sorted by code."""
    found: list[type[Rule]] = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("plg"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value is not Rule
                and value.__module__ == module.__name__
            ):
                found.append(value)
    codes = [r.code for r in found]
    duplicates = {c for c in codes if codes.count(c) > 1}
    if duplicates:
        raise RuntimeError(f"duplicate rule codes: {sorted(duplicates)}")
    return tuple(sorted(found, key=lambda r: r.code))


def rule_by_code(code: str) -> type[Rule] | None:
    for rule in all_rules():
        if rule.code == code.upper() or rule.name == code.lower():
            return rule
    return None


def known_codes() -> tuple[str, ...]:
    return tuple(sorted({*ENGINE_CODES, *(r.code for r in all_rules())}))
