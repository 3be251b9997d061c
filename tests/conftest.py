"""Shared fixtures: every test gets its own index cache and never touches the user's folders."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock

from tests.pgserver import pg_server, pg_url  # noqa: F401 - a real PostgreSQL for the server backend's tests

# Before anything imports Qt: tests run without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
CORPORA = REPO.parent / "shared" / "corpora"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("GDEXPLORER_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A private copy of the bundled seeds corpus."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


def corpus_path(name: str) -> Path:
    path = CORPORA / name
    if not path.is_dir():
        pytest.skip(f"real corpus {name} not found at {CORPORA} (the shared corpora are not checked out here)")
    return path


@contextlib.contextmanager
def shared_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[Path, bool]]:
    """A folder for what a session fixture builds, and whether it is still to be built.

    Under pytest-xdist each worker process has its own session: the folder is then one for the
    whole run, built by the first worker that asks while the others wait on its lock, and read by
    the others (True for the first only). A build that failed half way is started again from an
    empty folder. Without xdist, a new folder of this session's.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        yield tmp_path_factory.mktemp(name), True
        return
    folder = tmp_path_factory.getbasetemp().parent / name  # the run's folder, above each worker's
    done = folder.with_name(name + ".done")
    with FileLock(str(folder) + ".lock"):
        to_build = not done.exists()
        if to_build:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
        yield folder, to_build
        done.touch()
