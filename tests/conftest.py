"""Shared fixtures: every test gets its own index cache and never touches the user's folders."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

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
