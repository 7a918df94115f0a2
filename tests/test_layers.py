"""Imports run one way: config ← reviews ← screening ← extraction ← synthesis ← workspace.

Every module of the apps is read with ``ast`` (imports inside functions
included): a lower app never imports a higher one, and the pure packages never
import Django, so they run in a shell, a test or a task without settings.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["config", "reviews", "screening", "extraction", "synthesis", "workspace"]
PURE = [
    "reviews/importers",
    "reviews/dedup",
    "screening/prioritisation",
    "synthesis/stats",
    "synthesis/plots",
    "extraction/rob",
    "extraction/outcomes",
]
RANK = {app: i for i, app in enumerate(LAYERS)}


def modules(app: str) -> list[Path]:
    return sorted(p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)


def imported(path: Path) -> list[tuple[int, str]]:
    """Every absolute module name ``path`` imports, with its line."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append((node.lineno, node.module))
            names += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return names


def upward_imports(app: str) -> list[str]:
    breaks = []
    for path in modules(app):
        for line, name in imported(path):
            top = name.split(".")[0]
            if top in RANK and RANK[top] > RANK[app]:
                breaks.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return breaks


def django_imports(package: str) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in (ROOT / package).rglob("*.py")
        for line, name in imported(path)
        if name.split(".")[0] == "django"
    ]


@pytest.mark.parametrize("app", LAYERS)
def test_no_app_imports_one_built_on_it(app):
    assert upward_imports(app) == []


@pytest.mark.parametrize("package", [p for p in PURE if (ROOT / p).is_dir()])
def test_pure_packages_import_no_django(package):
    assert django_imports(package) == []


def test_only_the_engine_uses_its_conformance_runner():
    """The web layer reaches the engine through ``synthesis.stats.analyse``, never the runner."""
    users = [
        f"{path.relative_to(ROOT)}:{line}"
        for app in LAYERS
        for path in modules(app)
        if "synthesis/stats" not in path.relative_to(ROOT).as_posix()
        for line, name in imported(path)
        if name.startswith("synthesis.stats.conformance")
    ]
    assert users == []


def test_every_app_is_in_a_layer():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps <= set(LAYERS), f"put {sorted(apps - set(LAYERS))} in LAYERS"


def test_the_check_finds_an_upward_import(tmp_path, monkeypatch):
    (tmp_path / "reviews").mkdir()
    (tmp_path / "reviews" / "bad.py").write_text(
        "def later():\n    from synthesis.prisma import prisma_flow\n"
    )
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert upward_imports("reviews") == [
        "reviews/bad.py:2 imports synthesis.prisma",
        "reviews/bad.py:2 imports synthesis.prisma.prisma_flow",
    ]
