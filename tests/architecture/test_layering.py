"""Rules of ARCHITECTURE.md that import contracts cannot express, checked on the source itself.

Which way imports point (entry points → services → repositories → models → kit, the domain order, no
package cycles) is declared once, as import-linter contracts in pyproject.toml, and proved by
tests/architecture/test_checks.py. Here: `kit` imports nothing of ours (not even the package root), no
function-local imports, time from the clock, pages without SQL.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "src" / "kohort"


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


@pytest.mark.parametrize("path", sorted((SOURCE / "kit").rglob("*.py")), ids=lambda path: path.name)
def test_kit_imports_nothing_of_ours(path: Path) -> None:
    """kit is what any package may use; importing back into kohort would tie it to the domain."""
    outside = [module for _, module in _kohort_imports(ast.parse(path.read_text()))
               if module != "kohort.kit" and not module.startswith("kohort.kit.")]
    assert not outside, f"kit must import nothing of ours but kit: {outside}"


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
