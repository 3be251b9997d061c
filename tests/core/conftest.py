"""Indexes of real corpora, built once for the whole run and shared by the tests that read them."""

import pytest

from gdexplorer.explorer import Explorer
from tests.conftest import corpus_path
from tests.corpora import article_texts, slice_of


@pytest.fixture(scope="session")
def bbc(tmp_path_factory: pytest.TempPathFactory) -> tuple[Explorer, dict[str, tuple[str, str]]]:
    root = corpus_path("en-bbc-news-2004-2005")
    ex = Explorer(root, cache_dir=tmp_path_factory.mktemp("bbc-cache"))
    ex.update_index()
    return ex, article_texts(root)


@pytest.fixture(scope="session", params=["zh-sogouca-sample-2012", "zh-thucnews-cnews-1k"])
def chinese(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> tuple[Explorer, dict[str, tuple[str, str]]]:
    root = slice_of(request.param, 400, tmp_path_factory.mktemp("zh-corpus"))
    ex = Explorer(root, cache_dir=tmp_path_factory.mktemp("zh-cache"))
    ex.update_index()
    assert ex._index.language == "zh"
    return ex, article_texts(root)
