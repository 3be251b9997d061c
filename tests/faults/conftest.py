"""Fixtures of the fault suite: a generated corpus of 3,000 small articles, shared read-only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from tests.faults.helpers import articles_with, make_big_corpus, snapshot


@pytest.fixture(scope="session")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 small articles (every 7th mentions a zebra). Tests must not change it: some check so."""
    return make_big_corpus(tmp_path_factory.mktemp("big") / "harbour")


@pytest.fixture(scope="session")
def big_snapshot(big_corpus: Path) -> dict[str, tuple[object, ...]]:
    return snapshot(big_corpus)


@pytest.fixture(scope="session")
def zebras(big_corpus: Path) -> set[str]:
    """The ids of the big corpus's articles that mention a zebra, read from the files themselves."""
    found = articles_with(big_corpus, "zebra")
    assert 400 < len(found) < 450
    return found


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    """The seeds' two articles and manifest without their annotations: for index faults, which do not
    depend on entities, at a tenth of the cost of loading the seeds' YAML for every Explorer."""
    target = tmp_path / "plain"
    shutil.copytree(SEEDS, target, ignore=shutil.ignore_patterns("annotations"))
    return target
