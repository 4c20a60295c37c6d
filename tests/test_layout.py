"""The shape of the house (README, Layout): imports point one way, consultations →
organizations → core → Django, the product never imports the developer tools, and no
product file grows past what a reader takes in at once."""

import ast
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
PRODUCT = ("consultations", "organizations", "core", "wuhgong")
# The packages each may not import: what lies above it, and the developer tools.
FORBIDDEN = {
    "wuhgong": {"devtools"},
    "consultations": {"devtools"},
    "organizations": {"consultations", "devtools"},
    "core": {"consultations", "organizations", "devtools"},
}


def _sources(package):
    return [
        path
        for path in sorted((PROJECT_DIR / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def _imported(source):
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            yield node.module or ""


@pytest.mark.parametrize("package", PRODUCT)
def test_imports_point_one_way(package):
    wrong = [
        f"{source.relative_to(PROJECT_DIR)}: {name}"
        for source in _sources(package)
        for name in _imported(source)
        if name.split(".")[0] in FORBIDDEN[package]
    ]
    assert wrong == []
