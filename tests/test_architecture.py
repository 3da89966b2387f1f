"""The architecture the tree shows: the portal and the API both stand on the domain, and the
domain never imports the API layer (a module of `api/`), directly or through another app."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_APPS = [
    "accounts",
    "audit",
    "contracts",
    "inspections",
    "intake",
    "knowledge",
    "notifications",
    "reports",
    "sla",
    "tickets",
    "webhooks",
]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def api_imports(app: str) -> list[str]:
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for module in imported_modules(path):
            if module == "api" or module.startswith("api."):
                found.append(f"{path.relative_to(ROOT)} imports {module}")
    return sorted(found)


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_the_domain_never_imports_the_api_layer(app):
    assert api_imports(app) == []


def test_the_check_sees_an_import_of_the_api_layer(tmp_path, monkeypatch):
    # The scan above must be able to fail: a module importing api.views is found.
    module = tmp_path / "domainapp" / "rules.py"
    module.parent.mkdir()
    module.write_text("from api.views import tickets\nimport api.errors\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert api_imports("domainapp") == [
        "domainapp/rules.py imports api.errors",
        "domainapp/rules.py imports api.views",
    ]
