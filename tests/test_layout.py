"""The architecture as tests: layers import one way, developer tools stay out of production, modules stay small."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = ("server", "tasks", "ml")
MAX_LINES = 400
LONG_MARK = "# Long module:"  # within the first lines: why this module is longer than MAX_LINES


def python_files(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports included)."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def is_dev_tool(path: Path) -> bool:
    return (ROOT / "server" / "dev") in path.parents


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("ml", ("server", "tasks", "flask", "celery", "sqlalchemy", "config")),  # ml is pure
        ("server", ("tasks",)),  # tasks call server, never the other way
    ],
)
def test_layers_import_one_way(layer, forbidden):
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.split(".")[0] in forbidden)
        for path in python_files(layer)
        if not is_dev_tool(path)
    }
    assert {path: modules for path, modules in offenders.items() if modules} == {}


def test_production_code_never_imports_the_developer_tools():
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.startswith("server.dev"))
        for path in [*python_files(*PRODUCTION), ROOT / "config.py"]
        if not is_dev_tool(path)
    }
    assert {path: modules for path, modules in offenders.items() if modules} == {}


def test_modules_stay_under_400_lines_or_say_why():
    long = [
        str(path.relative_to(ROOT))
        for path in python_files(*PRODUCTION)
        if len(lines := path.read_text().splitlines()) > MAX_LINES and not any(LONG_MARK in line for line in lines[:40])
    ]
    assert long == []


def test_server_top_level_holds_few_modules():
    assert len(list((ROOT / "server").glob("*.py"))) <= 6


def test_the_web_process_loads_neither_torch_nor_networkx():
    # Nor the vision runtimes: they load with the first photo read (POST /api/v1/images).
    code = (
        "import sys\n"
        "from server import create_app\n"
        "app = create_app()\n"
        "app.test_client().get('/api/v1/health')\n"
        "heavy = ('torch', 'transformers', 'networkx', 'server.dev', 'cv2', 'onnxruntime')\n"
        "loaded = {name for name in heavy if name in sys.modules}\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
