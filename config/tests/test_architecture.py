"""Dependencies point one way: catalog knows nothing of evals or hardware."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", ["catalog/cards", "evals/scoring", "hardware/fit"])
def test_pure_packages_import_no_django(package: str) -> None:
    offenders = {str(p.relative_to(ROOT)): sorted(m for m in _imported_modules(p) if m.split(".")[0] == "django")
                 for p in (ROOT / package).rglob("*.py")}
    assert {path: mods for path, mods in offenders.items() if mods} == {}


def test_catalog_imports_neither_evals_nor_hardware() -> None:
    offenders = {}
    for path in (ROOT / "catalog").rglob("*.py"):
        if "tests" in path.parts:
            continue  # tests may check the whole product from the catalog's side
        bad = sorted(m for m in _imported_modules(path) if m.split(".")[0] in {"evals", "hardware"})
        if bad:
            offenders[str(path.relative_to(ROOT))] = bad
    assert offenders == {}
