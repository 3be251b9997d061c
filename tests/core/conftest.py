"""Indexes of real corpora, built once for the whole run and shared by the tests that read them
(by every xdist worker too: see ``tests.conftest.shared_folder``)."""

import pytest

from gdexplorer.explorer import Explorer
from tests.conftest import corpus_path, shared_folder
from tests.corpora import article_texts, slice_of


@pytest.fixture(scope="session")
def bbc(tmp_path_factory: pytest.TempPathFactory) -> tuple[Explorer, dict[str, tuple[str, str]]]:
    root = corpus_path("en-bbc-news-2004-2005")
    with shared_folder(tmp_path_factory, "bbc-cache") as (cache, _):
        ex = Explorer(root, cache_dir=cache)
        ex.update_index()  # finds nothing to do where another worker built it
    return ex, article_texts(root)


@pytest.fixture(scope="session", params=["zh-sogouca-sample-2012", "zh-thucnews-cnews-1k"])
def chinese(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> tuple[Explorer, dict[str, tuple[str, str]]]:
    with shared_folder(tmp_path_factory, f"zh-{request.param}") as (folder, to_build):
        root = folder / "corpus"
        if to_build:
            slice_of(request.param, 400, root)
        ex = Explorer(root, cache_dir=folder / "cache")
        ex.update_index()
    assert ex._index.language == "zh"
    return ex, article_texts(root)
