"""The layering rules of ARCHITECTURE.md that issue #4's packages lean on, checked on the source:
`email` imports no other domain, `kit` nothing of ours, pages never touch SQL, and no function-local
imports (a cycle dodged that way means the layering is wrong)."""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "src" / "kohort"
INFRASTRUCTURE = {"kohort.kit", "kohort.config", "kohort.worker", "kohort.errors", "kohort.db"}


def _modules(package: str) -> list[Path]:
    return sorted((SOURCE / package).rglob("*.py"))


def _imports(path: Path) -> list[tuple[str, ast.AST]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, node))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, node) for alias in node.names)
    return found


def _ours(module: str) -> bool:
    return module == "kohort" or module.startswith("kohort.")


def test_email_imports_no_other_domain() -> None:
    for path in _modules("email"):
        for module, _ in _imports(path):
            if _ours(module):
                assert module.startswith("kohort.email") or any(module.startswith(allowed) for allowed in INFRASTRUCTURE), (
                    f"{path.name} imports {module}")


def test_kit_imports_nothing_of_ours_but_kit() -> None:
    # kohort.errors is the domain-free error base (kit/listing.py raises it for bad list parameters).
    for path in _modules("kit"):
        for module, _ in _imports(path):
            assert not _ours(module) or module.startswith(("kohort.kit", "kohort.errors")), f"{path.name} imports {module}"


def test_pages_never_touch_sql() -> None:
    for path in _modules("shopper"):
        for module, _ in _imports(path):
            assert not module.startswith("sqlalchemy") or module == "sqlalchemy.engine" or module == "sqlalchemy.ext.asyncio", (
                f"{path.name} imports {module}")
            assert not module.startswith("kohort.models") and not module.endswith(".repository"), f"{path.name} imports {module}"


def test_no_function_local_imports() -> None:
    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(function):
                    assert not isinstance(node, ast.Import | ast.ImportFrom), (
                        f"{path.relative_to(SOURCE)}:{node.lineno} imports inside {function.name}()")
