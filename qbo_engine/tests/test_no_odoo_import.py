"""The engine never imports odoo, so it runs in plain Python: pytest, benchmarks, the emulator CLI.

Every module is imported in a fresh interpreter that refuses any ``odoo``
import, and every file is read for import statements. Package code imports
its siblings relatively, so the same files work as ``qbo_engine`` and as
``odoo.addons.stock_quickbooks_sync.qbo_engine``.
"""
import ast
import json
import os
import subprocess
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
SEARCH_ROOT = PACKAGE_DIR.parent  # holds the engine package; never imported as a package itself
TESTS_DIR = PACKAGE_DIR / "tests"

# Runs in the child: block odoo at the import system, import one module, report.
PROBE = r"""
import importlib, importlib.abc, json, sys

attempts = []

class RefuseOdoo(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "odoo" or name.startswith("odoo."):
            attempts.append(name)
            raise ImportError(f"qbo_engine must not import {name}")
        return None

sys.meta_path.insert(0, RefuseOdoo())
error = None
try:
    importlib.import_module(sys.argv[1])
except BaseException as exc:
    error = f"{type(exc).__name__}: {exc}"
print(json.dumps({
    "error": error,
    "attempts": attempts,
    "odoo_modules": sorted(m for m in sys.modules if m == "odoo" or m.startswith("odoo.")),
}))
"""


def package_files(include_tests=False):
    files = sorted(PACKAGE_DIR.rglob("*.py"))
    return [f for f in files if include_tests or TESTS_DIR not in f.parents]


def module_names():
    names = []
    for path in package_files():
        parts = path.relative_to(SEARCH_ROOT).with_suffix("").parts
        if parts[-1] == "__main__":  # running it would start the CLI
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def test_every_module_imports_without_odoo(tmp_path):
    names = module_names()
    assert {"qbo_engine", "qbo_engine.schemas", "qbo_engine.builder", "qbo_engine.ratelimit"} <= set(names)
    env = {**os.environ, "PYTHONPATH": str(SEARCH_ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    # One fresh interpreter per module, all at once, with a neutral working directory.
    children = {
        name: subprocess.Popen(
            [sys.executable, "-c", PROBE, name], cwd=tmp_path, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for name in names
    }
    reports = {}
    for name, child in children.items():
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, f"{name}: {err}"
        reports[name] = json.loads(out.strip().splitlines()[-1])
    failures = [
        f"{name}: error={report['error']} odoo imports tried={report['attempts']} loaded={report['odoo_modules']}"
        for name, report in reports.items()
        if report["error"] or report["attempts"] or report["odoo_modules"]
    ]
    assert not failures, "\n".join(failures)


def imported_modules(tree):
    """(module name, line, relative level) of every import, including importlib calls with a literal."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, 0
        elif isinstance(node, ast.ImportFrom):
            yield node.module or "", node.lineno, node.level
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value, node.lineno, 0


def test_no_file_of_the_package_imports_odoo():
    offenders = []
    for path in package_files(include_tests=True):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for module, line, level in imported_modules(tree):
            if level == 0 and (module == "odoo" or module.startswith("odoo.")):
                offenders.append(f"{path.relative_to(SEARCH_ROOT)}:{line} imports {module}")
    assert offenders == []


def test_package_code_imports_its_siblings_relatively():
    offenders = []
    for path in package_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for module, line, level in imported_modules(tree):
            if level == 0 and (module == "qbo_engine" or module.startswith("qbo_engine.")):
                offenders.append(f"{path.relative_to(SEARCH_ROOT)}:{line} imports {module}")
    assert offenders == []
