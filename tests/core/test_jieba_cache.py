"""jieba's prefix dictionary from our cache: the same words, counts and segmentation as jieba's own
loading; rebuilt when stale, damaged or cut short; a custom dictionary left to jieba."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jieba
import pytest

from gdexplorer.annotations.recognizers import SPACY_MODEL, SPACY_MODEL_VERSION
from gdexplorer.search.chinese import (
    PREFIX_DICT_MAGIC,
    dictionary_key,
    initialize,
    load_prefix_dict,
    prefix_dict_path,
    save_prefix_dict,
)
from tests.conftest import corpus_path


def _fail_to_build(*_args: object) -> Any:
    raise AssertionError("built from dict.txt: the cache was not used")


@pytest.fixture(scope="module")
def theirs(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A tokenizer loaded by jieba's own initialize(), with its cache in a private folder."""
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(tmp_path_factory.mktemp("jieba-own"))
    tokenizer.initialize()
    return tokenizer


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Our cache, written by the first initialize() without one."""
    path = prefix_dict_path(tmp_path_factory.mktemp("ours"))
    assert not path.exists()
    first = jieba.Tokenizer()
    initialize(first, path)
    assert first.initialized and path.read_bytes().startswith(PREFIX_DICT_MAGIC)
    return path


@pytest.fixture(scope="module")
def ours(saved: Path) -> Any:
    """A tokenizer loaded from our cache (building from dict.txt would fail)."""
    tokenizer = jieba.Tokenizer()
    tokenizer.gen_pfdict = _fail_to_build
    initialize(tokenizer, saved)
    return tokenizer


def _articles() -> list[str]:
    root = corpus_path("zh-thucnews-cnews-1k") / "articles"
    # The first article of each category: sport, finance, entertainment, tech...
    return [sorted(folder.glob("*.txt"))[0].read_text("utf-8") for folder in sorted(root.iterdir())]


def test_the_cache_holds_what_jiebas_own_loading_gives(theirs: Any, ours: Any) -> None:
    assert ours.initialized
    assert ours.total == theirs.total
    assert len(ours.FREQ) == len(theirs.FREQ) > 300_000
    assert ours.FREQ == theirs.FREQ


@pytest.mark.corpora
def test_thucnews_articles_are_cut_into_the_same_words(theirs: Any, ours: Any) -> None:
    articles = _articles()
    assert len(articles) >= 5
    for text in articles:
        expected = list(theirs.tokenize(text, mode="search"))
        assert len(expected) > 50
        assert list(ours.tokenize(text, mode="search")) == expected
        assert list(ours.cut(text)) == list(theirs.cut(text))


def test_the_cache_lives_in_the_apps_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GDEXPLORER_CACHE_DIR", str(tmp_path))
    assert prefix_dict_path() == tmp_path / "jieba" / "prefix-dict.bin"


def _cut_short(data: bytes) -> bytes:
    return data[:-1000]


def _flip_a_byte(data: bytes) -> bytes:
    at = len(data) // 2
    return data[:at] + bytes([data[at] ^ 0x55]) + data[at + 1:]


def _bad_header(data: bytes) -> bytes:
    return PREFIX_DICT_MAGIC + b'{"key": \n' + data[len(PREFIX_DICT_MAGIC):]


@pytest.mark.parametrize(("damage", "reason"), [
    (_cut_short, "bytes where its header says"),
    (_flip_a_byte, "fails its checksum"),
    (_bad_header, "damaged jieba dictionary cache"),
    (lambda data: b"", "not a dictionary cache of this format"),
    (lambda data: data[:len(PREFIX_DICT_MAGIC) + 20], "header is cut short"),
], ids=["cut short", "a byte flipped", "bad header", "empty", "only a header's start"])
def test_a_damaged_cache_is_refused_with_a_line_naming_it(
    saved: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: Any, reason: str,
) -> None:
    path = tmp_path / "prefix-dict.bin"
    path.write_bytes(damage(saved.read_bytes()))
    with caplog.at_level(logging.WARNING, logger="gdexplorer.search.chinese"):
        assert load_prefix_dict(path, dictionary_key(jieba.Tokenizer()) or "") is None
    [record] = caplog.records
    assert str(path) in record.getMessage() and reason in record.getMessage()


def test_a_damaged_cache_falls_back_to_jieba_and_is_written_again(
    saved: Path, theirs: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    path = tmp_path / "prefix-dict.bin"
    path.write_bytes(_cut_short(saved.read_bytes()))
    tokenizer = jieba.Tokenizer()
    with caplog.at_level(logging.WARNING, logger="gdexplorer.search.chinese"):
        initialize(tokenizer, path)
    assert "damaged jieba dictionary cache" in caplog.text
    assert tokenizer.initialized and tokenizer.total == theirs.total and tokenizer.FREQ == theirs.FREQ
    # Written whole again: the next tokenizer loads it without building.
    assert path.read_bytes() == saved.read_bytes()
    again = jieba.Tokenizer()
    again.gen_pfdict = _fail_to_build
    initialize(again, path)
    assert again.FREQ == theirs.FREQ


def test_a_cache_from_another_jieba_is_not_used(
    saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    key = dictionary_key(jieba.Tokenizer())
    assert key is not None
    monkeypatch.setattr(jieba, "__version__", "0.43-next")
    newer = dictionary_key(jieba.Tokenizer())
    assert newer is not None and newer != key
    with caplog.at_level(logging.INFO, logger="gdexplorer.search.chinese"):
        assert load_prefix_dict(saved, newer) is None
    assert "was made from another jieba dictionary" in caplog.text


def test_a_custom_dictionary_is_left_to_jieba(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("深圳湾 100 ns\n粤港澳大湾区 50 ns\n", encoding="utf-8")
    tokenizer = jieba.Tokenizer(str(words))
    tokenizer.tmp_dir = str(tmp_path)
    assert dictionary_key(tokenizer) is None
    path = tmp_path / "ours" / "prefix-dict.bin"
    initialize(tokenizer, path)
    assert tokenizer.total == 150 and tokenizer.FREQ["粤港澳"] == 0 and tokenizer.FREQ["深圳湾"] == 100
    assert not path.exists()


def test_a_cache_that_cannot_be_written_is_logged_and_the_tokenizer_still_works(
    ours: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    blocker = tmp_path / "jieba"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    path = blocker / "prefix-dict.bin"
    with caplog.at_level(logging.WARNING, logger="gdexplorer.search.chinese"):
        save_prefix_dict(path, "key", ours.FREQ, ours.total)
    assert "cannot write jieba's dictionary cache" in caplog.text and str(path) in caplog.text
    assert blocker.read_text(encoding="utf-8").startswith("a file")


def test_an_unchanged_cache_is_not_rewritten(saved: Path, tmp_path: Path) -> None:
    path = tmp_path / "prefix-dict.bin"
    shutil.copyfile(saved, path)
    before = path.stat().st_mtime_ns
    tokenizer = jieba.Tokenizer()
    tokenizer.gen_pfdict = _fail_to_build
    initialize(tokenizer, path)
    assert tokenizer.initialized and path.stat().st_mtime_ns == before


def test_the_recognizers_version_names_jieba_without_importing_it() -> None:
    code = ("import sys; from gdexplorer.annotations.recognizers import Recognizer; "
            "print(Recognizer.version()); print('jieba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout.splitlines()
    assert out == [f"{SPACY_MODEL} {SPACY_MODEL_VERSION} + jieba {jieba.__version__} rules 2", "False"]
