"""The dependency rules of ARCHITECTURE.md, checked on the source's import statements.

Services call one way only (order → referral_group → cashback → ledger, payout → ledger); `kit` imports
nothing of ours; `email` and `webhook` import no other domain. Endpoints and task handlers are entry
points and may call into any service, so the domain rules look at the other modules of a package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "src" / "kohort"
ENTRY_POINT_MODULES = {"endpoints.py", "tasks.py"}
ENTRY_PACKAGES = {"app", "api", "cli", "migrations", "expansion", "shopper", "dashboard"}

# package → packages its non-entry modules must never import (the layering reversed).
FORBIDDEN = {
    "kit": {"*"},
    "models": {"auth", "organization", "customer", "order", "referral_group", "cashback", "ledger", "payout",
               "email", "webhook", "worker", "shopper"},
    "ledger": {"cashback", "referral_group", "order", "customer", "payout", "shopper"},
    "cashback": {"referral_group", "order", "customer", "payout", "shopper"},
    "referral_group": {"order", "payout", "shopper"},
    "customer": {"order", "referral_group", "cashback", "ledger", "payout", "shopper"},
    "organization": {"customer", "order", "referral_group", "cashback", "ledger", "payout", "shopper"},
    "payout": {"order", "referral_group", "customer", "withdrawal", "shopper", "notify"},
    "brand": {"customer", "order", "referral_group", "cashback", "ledger", "payout", "withdrawal", "shopper", "notify"},
    "email": {"organization", "customer", "order", "referral_group", "cashback", "ledger", "payout", "shopper"},
    "events": {"email", "webhook", "notify", "worker", "customer", "cashback", "ledger", "shopper"},
    "webhook": {"organization", "customer", "order", "referral_group", "cashback", "ledger", "payout", "shopper"},
}


def _modules() -> list[Path]:
    return sorted(path for path in SOURCE.rglob("*.py") if "migrations" not in path.parts)


def _kohort_imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kohort"):
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names if alias.name.startswith("kohort"))
    return found


def _package_of(path: Path) -> str:
    relative = path.relative_to(SOURCE)
    return relative.parts[0].removesuffix(".py")


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(SOURCE)))
def test_imports_point_the_allowed_way(path: Path) -> None:
    package = _package_of(path)
    if package in ENTRY_PACKAGES or path.name in ENTRY_POINT_MODULES:
        return
    forbidden = FORBIDDEN.get(package, set())
    violations = []
    for line, module in _kohort_imports(ast.parse(path.read_text())):
        parts = module.split(".")
        target = parts[1] if len(parts) > 1 else ""
        if target == package:
            continue
        if "*" in forbidden or target in forbidden:
            violations.append(f"line {line}: {package} must not import {module}")
    assert not violations, "\n".join(violations)


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(SOURCE)))
def test_no_function_local_imports(path: Path) -> None:
    """A function-local import dodging a cycle means the layering is wrong (ARCHITECTURE.md)."""
    tree = ast.parse(path.read_text())
    local = [
        node.lineno
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert not local, f"imports inside functions at lines {local}"


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(SOURCE)))
def test_time_comes_from_the_clock(path: Path) -> None:
    if path.relative_to(SOURCE).as_posix() == "kit/clock.py":
        return
    source = path.read_text()
    for forbidden in ("datetime.now(", "datetime.utcnow(", "date.today("):
        assert forbidden not in source, f"{forbidden} outside kit/clock.py"


@pytest.mark.parametrize("path", sorted((SOURCE / "shopper").rglob("*.py")), ids=lambda path: path.name)
def test_pages_never_touch_sql(path: Path) -> None:
    """Pages call services; queries belong to repositories."""
    for _, module in _kohort_imports(ast.parse(path.read_text())):
        assert not module.startswith("kohort.models"), module
        assert not module.endswith(".repository"), module
    source = path.read_text()
    assert "from sqlalchemy import" not in source
    assert "import sqlalchemy\n" not in source
