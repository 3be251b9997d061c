"""The architecture holds: imports point down, the core is Qt-free and portable, Whoosh's internals stay in one place.

The rules themselves are import-linter contracts in pyproject.toml; these tests run them and check
what a static import graph cannot: that a new module cannot slip past the list of modules the
Whoosh-internals contract covers, and what really ends up in ``sys.modules``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import pkgutil
import subprocess
import sys
import tomllib

import gdexplorer
from tests.conftest import REPO

CONTRACTS = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]
ENGINE = "gdexplorer.search.engine"


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(gdexplorer.__path__, "gdexplorer."))


def _core_modules() -> list[str]:
    # Not the core: the front ends (the window; the command line, its commands and its output).
    return [m for m in _modules() if not m.startswith(("gdexplorer.gui", "gdexplorer._", "gdexplorer.cli"))]


def _covered(module: str, prefixes: list[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_the_import_contracts_hold(tmp_path, monkeypatch):
    from importlinter.cli import lint_imports

    monkeypatch.chdir(REPO)
    out = io.StringIO()
    # import-linter configures logging with dictConfig, which disables every logger that exists:
    # the tests after this one would capture none of gdexplorer's warnings.
    loggers = [lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    disabled = [lg.disabled for lg in loggers]
    try:
        with contextlib.redirect_stdout(out):
            code = lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True, no_logo=True)
    finally:
        for lg, was in zip(loggers, disabled, strict=True):
            lg.disabled = was
    report = out.getvalue()
    assert code == 0, report
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in report


def test_every_module_outside_the_engine_is_bound_by_the_whoosh_internals_contract():
    contract = next(c for c in CONTRACTS if "internals" in c["name"])
    # Package __init__ files hold docstrings only; __main__ only calls the CLI.
    packages = {"gdexplorer.__main__", "gdexplorer.search"}
    outside = [m for m in _modules() if not _covered(m, [ENGINE]) and m not in packages
               and not m.startswith("gdexplorer._")]
    missing = [m for m in outside if not _covered(m, contract["source_modules"])]
    assert missing == [], f"add these to the contract's source_modules in pyproject.toml: {missing}"
    assert any(m.startswith(ENGINE + ".") for m in _modules()), "the engine package has modules"


def test_front_ends_name_only_the_door():
    contract = next(c for c in CONTRACTS if "door" in c["name"])
    door = {"gdexplorer.explorer", "gdexplorer.model", "gdexplorer.errors", "gdexplorer.paths"}
    forbidden = set(contract["forbidden_modules"])
    # Everything of the core but the door is forbidden to the front ends, by package or by module.
    assert [m for m in _core_modules() if m not in door and not _covered(m, sorted(forbidden))] == []


def test_the_core_does_not_import_qt(tmp_path):
    code = (
        "import importlib, sys\n"
        f"for name in {_core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "from gdexplorer.explorer import Explorer\n"
        "from gdexplorer import cli, paths\n"
        "ex = Explorer(paths.seeds_dir())\n"
        "ex.update_index()\n"
        "assert ex.search('hydrogen').total == 2\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'gdexplorer.gui'))))\n"
    )
    env = {"GDEXPLORER_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_core_imports_and_works_without_fcntl(tmp_path):
    # As on Windows: no fcntl module. Every core module imports, and an index is built and searched.
    code = (
        "import importlib, sys, warnings\n"
        "sys.modules['fcntl'] = None  # import fcntl now raises ImportError\n"
        "warnings.simplefilter('ignore')  # filelock says it can only lock softly here\n"
        f"for name in {_core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "from gdexplorer.explorer import Explorer\n"
        "from gdexplorer.paths import seeds_dir\n"
        "ex = Explorer(seeds_dir())\n"
        "first, again = ex.update_index(), ex.update_index()\n"
        "print(first.added, again.unchanged, ex.search('hydrogen').total, 'fcntl' in sys.modules and sys.modules['fcntl'])\n"
    )
    env = {"GDEXPLORER_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["2", "2", "2", "None"]


def test_whoosh_is_used_only_in_tested_releases():
    from importlib.metadata import requires, version

    spec = next(r for r in requires("gdexplorer") or [] if r.lower().startswith("whoosh-reloaded"))
    assert "<" in spec, f"whoosh-reloaded needs an upper bound: {spec}"
    major, minor = (int(x) for x in version("whoosh-reloaded").split(".")[:2])
    assert (major, minor) == (2, 7), "the engine adapter is written against whoosh-reloaded 2.7"
