"""Explorer.index_changes: the cheap signals saved by a complete update, and when they vouch for nothing."""

from pathlib import Path

import pytest

from gdexplorer.explorer import Explorer
from gdexplorer.search import freshness
from gdexplorer.search.freshness import FRESHNESS


def settle(seeds: Path) -> Explorer:
    """An Explorer whose index's saved signals vouch for it.

    The files these tests write were written before the update began, but within
    freshness.RACY_NS of it, and a fast machine runs several updates inside that window: every
    one would save them as "racy". Each write here is finished before the update starts, so the
    window can be closed without hiding a real race.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(freshness, "RACY_NS", 0)
        explorer = Explorer(seeds)
        explorer.update_index()
    assert explorer.index_changes() == "", explorer.index_changes()
    return explorer


def test_no_index_is_never_current(seeds):
    assert Explorer(seeds).index_changes() != ""


def test_an_update_that_read_an_older_manifest_vouches_for_nothing(seeds):
    settle(seeds)
    explorer = Explorer(seeds)  # the window's Explorer: it saw the manifest when it opened
    manifest = seeds / "manifest.jsonl"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    explorer.update_index()
    assert not (explorer.index_folder / FRESHNESS).exists()
    assert explorer.index_changes() != ""
    assert settle(seeds).index_changes() == ""  # a new look at the files vouches again


def test_annotations_changed_since_they_were_read_vouch_for_nothing(seeds):
    settle(seeds)
    explorer = Explorer(seeds)
    (seeds / "annotations" / "extra.yaml").write_text(
        "entities:\n  - id: extra\n    type: place\n    name: Photo\n", encoding="utf-8")
    explorer.update_index()  # matched against the entities read before the new file
    assert explorer.index_changes() != ""


def test_each_signal_is_watched(seeds):
    explorer = settle(seeds)
    (seeds / "articles" / "sub").mkdir()
    assert "articles" in explorer.index_changes()
    explorer = settle(seeds)
    (seeds / "articles" / "sub" / "x.txt").write_text("X\n\nx\n", encoding="utf-8")
    assert "sub" in explorer.index_changes()
    explorer = settle(seeds)
    (seeds / "annotations" / "people.yaml").write_text(
        (seeds / "annotations" / "people.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert "people.yaml" in explorer.index_changes()
    explorer = settle(seeds)
    with (seeds / "manifest.jsonl").open("a", encoding="utf-8") as fh:  # in place: no folder changes
        fh.write("\n")
    assert "manifest.jsonl" in explorer.index_changes()
    explorer = settle(seeds)
    (seeds / "manifest.jsonl").unlink()
    assert explorer.index_changes() != ""  # the corpus folder changed (the first signal compared)


def test_a_garbled_record_vouches_for_nothing(seeds, monkeypatch):
    explorer = settle(seeds)
    (explorer.index_folder / FRESHNESS).write_text('{"format": 1, "generation"', encoding="utf-8")
    assert explorer.index_changes() != ""
    # As in settle(): the seeds were written just before, and an update that starts within RACY_NS
    # of that (a fast one does) rightly saves them as "racy", vouching for nothing either.
    monkeypatch.setattr(freshness, "RACY_NS", 0)
    explorer.update_index()
    assert explorer.index_changes() == ""
