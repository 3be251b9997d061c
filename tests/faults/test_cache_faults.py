"""The index cache cannot be written: a clear message naming the folder, and what is indexed still
answers. Root ignores permission bits, so the faults are real (a path under a regular file) or
injected (``OSError`` from the file system calls Whoosh and gdexplorer make)."""

from __future__ import annotations

import errno
import gc
import os
import pathlib
from pathlib import Path

import pytest
from whoosh.filedb import filestore

from gdexplorer.cli import Exit, main
from gdexplorer.errors import SearchIndexError
from gdexplorer.explorer import Explorer
from tests.faults.helpers import snapshot

ENOSPC = os.strerror(errno.ENOSPC)


@pytest.fixture
def under_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a regular file where the cache folder should be\n")
    cache = blocker / "cache"
    monkeypatch.setenv("GDEXPLORER_CACHE_DIR", str(cache))
    return cache


def test_a_cache_under_a_regular_file_is_a_clear_error(plain, under_a_file):
    before = snapshot(plain)
    explorer = Explorer(plain)
    folder = explorer.index_folder
    assert folder.is_relative_to(under_a_file)
    with pytest.raises(SearchIndexError) as info:
        explorer.update_index()
    assert str(info.value) == f"cannot create the index in {folder}: Not a directory"
    with pytest.raises(SearchIndexError, match=r"^the index is not built yet$"):
        explorer.search("hydrogen")
    assert snapshot(plain) == before


def test_cli_with_an_unusable_cache(plain, under_a_file, capsys):
    folder = Explorer(plain).index_folder
    assert main(["search", "hydrogen", "--corpus", str(plain)]) == Exit.FAILED
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"gdexplorer: cannot create the index in {folder}: Not a directory\n")
    assert main(["check", "--corpus", str(plain)]) == Exit.OK  # checking needs no index
    out, err = capsys.readouterr()
    assert (out, err) == ("0 files, 0 entities, 0 facts, 0 relations: 0 errors, 0 warnings\n", "")


def test_a_cache_folder_that_cannot_be_created(plain, monkeypatch):
    real = pathlib.Path.mkdir
    folder = Explorer(plain).index_folder

    def mkdir(self: Path, *args: object, **kwargs: object) -> None:
        if self == folder:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        real(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "mkdir", mkdir)
    with pytest.raises(SearchIndexError) as info:
        Explorer(plain).update_index()
    assert str(info.value) == f"cannot create the index in {folder}: Permission denied"


def no_space(when: str):
    """A FileStorage.create_file that fails with ENOSPC for every file, or only for the TOC."""
    real = filestore.FileStorage.create_file

    def create_file(self, name, **kwargs):
        if when == "always" or name.endswith(".toc") or ".toc." in name or "_MAIN_" in name:
            raise OSError(errno.ENOSPC, ENOSPC, os.path.join(self.folder, name))
        return real(self, name, **kwargs)

    return create_file


def settle() -> None:
    # A writer that failed to start keeps Whoosh's write lock until the garbage collector frees it
    # (test_a_failed_writer_releases_the_lock); collect, so that this test sees the other behaviours.
    gc.collect()


def test_a_failed_writer_releases_the_lock(plain, monkeypatch):
    Explorer(plain).update_index()
    (plain / "articles" / "0003.txt").write_text("Zebra news\n\nA zebra escaped.\n", encoding="utf-8")
    with monkeypatch.context() as patch:
        patch.setattr(filestore.FileStorage, "create_file", no_space("always"))
        with pytest.raises(SearchIndexError) as info:
            Explorer(plain).update_index()
    # `info` keeps the error alive, as a window does to show it; space is back.
    assert "No space left on device" in str(info.value)
    stats = Explorer(plain).update_index()
    assert stats.added == 1


@pytest.mark.parametrize(
    ("when", "message"),
    [("always", "cannot write the index in {}: " + ENOSPC), ("toc", "cannot update the index in {}: " + ENOSPC)],
    ids=["new-segment", "commit"],
)
def test_a_full_disk_keeps_the_old_index_searchable(plain, monkeypatch, capsys, when, message):
    explorer = Explorer(plain)
    explorer.update_index()
    folder = explorer.index_folder
    (plain / "articles" / "0003.txt").write_text("Zebra news\n\nA zebra escaped.\n", encoding="utf-8")
    before = snapshot(plain)
    with monkeypatch.context() as patch:
        patch.setattr(filestore.FileStorage, "create_file", no_space(when))
        fresh = Explorer(plain)
        with pytest.raises(SearchIndexError) as info:
            fresh.update_index()
        assert str(info.value) == message.format(folder)
        del info
        settle()
        assert fresh.search("hydrogen").total == 2  # the old index answers
        assert fresh.search("zebra").total == 0
        assert not fresh._index.is_complete()
        # The CLI: one line, then the answer from what exists; `index` fails with the reason.
        assert main(["search", "hydrogen", "--corpus", str(plain)]) == Exit.OK
        out, err = capsys.readouterr()
        assert err == f"gdexplorer: {message.format(folder)}; using the index as it is\n"
        assert out.startswith("2 results for 'hydrogen'")
        settle()
        assert main(["index", "--corpus", str(plain)]) == Exit.FAILED
        out, err = capsys.readouterr()
        assert (out, err) == ("", f"gdexplorer: {message.format(folder)}\n")
    # Space again: the next update finishes the job.
    settle()
    again = Explorer(plain)
    stats = again.update_index()
    assert (stats.added, stats.rebuilt) == (1, False)
    assert again._index.is_complete() and again.search("zebra").total == 1
    assert snapshot(plain) == before


def test_the_state_file_cannot_be_written(plain, monkeypatch):
    explorer = Explorer(plain)
    explorer.update_index()
    folder = explorer.index_folder
    (plain / "articles" / "0003.txt").write_text("Zebra news\n\nA zebra escaped.\n", encoding="utf-8")
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        if str(dst).endswith("meta.json"):
            raise PermissionError(errno.EACCES, "Permission denied", str(dst))
        return real(src, dst, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", replace)
        fresh = Explorer(plain)
        with pytest.raises(SearchIndexError) as info:
            fresh.update_index()
        assert str(info.value) == f"cannot write the index in {folder}: Permission denied"
        assert fresh.search("hydrogen").total == 2
    assert Explorer(plain).update_index().added == 1
