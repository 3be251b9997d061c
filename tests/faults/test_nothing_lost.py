"""Nothing the user wrote is ever lost or changed: reading (index, search, check, export to stdout)
leaves every byte and mtime of the corpus as it was, also after faults; a save that fails (full disk,
a kill mid-write, an edit made outside meanwhile) leaves the old file whole."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import threading
from pathlib import Path

import pytest

from gdexplorer.annotations.curation import NewFact
from gdexplorer.cli import Exit, main
from gdexplorer.errors import AnnotationError, GdxError
from gdexplorer.explorer import Explorer
from gdexplorer.model import Progress
from tests.faults.helpers import snapshot, start_python

QUOTE = "making it the world's first Production Certificate granted in the global eVTOL industry"
FACT = NewFact("It holds the first production certificate for eVTOLs.", "articles/0002.txt", QUOTE)
ORGS = "annotations/organizations.yaml"


def test_reading_never_changes_the_corpus(seeds, tmp_path, capsys):
    before = snapshot(seeds)
    queries = tmp_path / "queries.txt"
    queries.write_text("hydrogen\nfoo:bar\nGAC\n", encoding="utf-8")
    for argv in (
        ["index"], ["search", "hydrogen"], ["search", "hydrogen", "--json", "--facets", "--filter", "entity:ehang"],
        ["search", "--batch", str(queries)], ["entities"], ["entities", "--json"], ["entity", "ehang"],
        ["entity", "ehang", "--network", "--json"], ["check"], ["export", "results", "hydrogen"],
        ["export", "results", "hydrogen", "--format", "json", "-o", str(tmp_path / "out.json")],
        ["export", "entity", "ehang"], ["index", "--rebuild"],
    ):
        assert main([*argv, "--corpus", str(seeds)]) in (Exit.OK, Exit.FAILED), argv
    capsys.readouterr()
    explorer = Explorer(seeds)
    explorer.update_index()
    explorer.search("hydro", keystroke=True)
    explorer.search("", facets=True, filters=("category:none",))
    explorer.check_articles()
    explorer.problems()
    explorer.entities_in("articles/0001.txt")
    explorer.mentions_of("ehang")
    explorer.mention_counts()
    explorer.network("ehang")
    terms = explorer.search("hydrogen").terms
    explorer.snippet("articles/0002.txt", terms)
    explorer.highlight(explorer.article("articles/0002.txt").text, terms)
    explorer.refresh()
    assert snapshot(seeds) == before


def test_a_bare_folder_corpus_gets_no_index_files_even_after_faults(tmp_path):
    corpus = tmp_path / "bare"
    corpus.mkdir()
    for i in range(40):
        (corpus / f"note {i:02}.txt").write_text(f"Note {i}\n\nA zebra and a crane, number {i}.\n", encoding="utf-8")
    before = snapshot(corpus)
    explorer = Explorer(corpus)
    cancel = threading.Event()

    def progress(p: Progress) -> None:
        if p.stage == "Indexing" and p.total:
            cancel.set()

    assert explorer.update_index(progress=progress, cancel=cancel).cancelled
    for toc in explorer.index_folder.glob("_MAIN_*.toc"):
        toc.write_bytes(b"garbage")
    fresh = Explorer(corpus)
    stats = fresh.update_index()
    assert stats.rebuilt and stats.added == 40
    assert fresh.search("zebra", limit=50).total == 40
    fresh.check_articles()
    assert snapshot(corpus) == before
    assert not fresh.index_folder.is_relative_to(corpus)


# -- saving ---------------------------------------------------------------------------------------


def annotation_names(seeds: Path) -> list[str]:
    return sorted(p.name for p in (seeds / "annotations").iterdir())


def test_a_full_disk_while_saving_leaves_the_old_file_and_state(seeds, monkeypatch):
    curator = Explorer(seeds)
    path = seeds / ORGS
    before, names = path.read_bytes(), annotation_names(seeds)
    facts_before = curator.entities_by_id()["ehang"].facts
    real = os.fsync

    def fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".tmp"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd)

    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", fsync)
        with pytest.raises(AnnotationError, match="No space left on device"):
            curator.add_fact("ehang", FACT)
    assert path.read_bytes() == before
    assert annotation_names(seeds) == names  # no temporary file left behind
    assert not curator.can_undo()
    assert curator.entities_by_id()["ehang"].facts == facts_before
    # Space again: the same save goes through.
    curator.add_fact("ehang", FACT)
    assert curator.entities_by_id()["ehang"].facts[-1].text == FACT.text
    assert curator.problems() == []


def test_a_failed_save_says_which_file(seeds, monkeypatch):
    curator = Explorer(seeds)
    real = os.fsync

    def fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".tmp"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(GdxError) as info:
        curator.add_fact("ehang", FACT)
    assert "organizations.yaml" in str(info.value) and "No space left on device" in str(info.value)


KILLED_SAVE = """
import os, signal, sys
from gdexplorer.annotations.curation import Curator, NewFact
from gdexplorer.explorer import Explorer

real = os.replace

def replace(src, dst, *args, **kwargs):
    if str(dst).endswith(".yaml"):
        print("renaming", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # killed between writing the new file and renaming it
    return real(src, dst, *args, **kwargs)

os.replace = replace
Explorer(sys.argv[1]).add_fact("ehang", NewFact(sys.argv[2], "articles/0002.txt", sys.argv[3]))
"""


def test_a_save_killed_before_the_rename_leaves_the_old_file(seeds):
    path = seeds / ORGS
    before = path.read_bytes()
    proc = start_python(KILLED_SAVE, str(seeds), FACT.text, QUOTE)
    out, _ = proc.communicate(timeout=60)
    assert (proc.returncode, out) == (-signal.SIGKILL, "renaming\n")
    assert path.read_bytes() == before
    leftovers = [n for n in annotation_names(seeds) if n.endswith(".tmp")]
    assert len(leftovers) == 1 and leftovers[0].startswith(".organizations.yaml.")
    explorer = Explorer(seeds)  # the leftover is not read as annotations
    assert explorer.problems() == []
    assert len(explorer.entities_by_id()) == 66
    assert all(f.text != FACT.text for f in explorer.entities_by_id()["ehang"].facts)


def test_an_edit_made_outside_since_loading_is_kept(seeds):
    curator = Explorer(seeds)
    path = seeds / ORGS
    outside = path.read_text(encoding="utf-8") + "# reviewed by hand after the app loaded the file\n"
    path.write_text(outside, encoding="utf-8")
    curator.add_fact("ehang", FACT)
    saved = path.read_text(encoding="utf-8")
    assert "# reviewed by hand after the app loaded the file\n" in saved
    assert FACT.text in saved
    assert curator.problems() == []


def test_a_file_broken_outside_since_loading_is_not_overwritten(seeds):
    curator = Explorer(seeds)
    path = seeds / ORGS
    broken = path.read_bytes().replace(b"  - id: ehang\n", b"  - id: ehang\n\t  oops: tab\n", 1)
    path.write_bytes(broken)
    with pytest.raises(AnnotationError):
        curator.add_fact("ehang", FACT)
    assert path.read_bytes() == broken
    assert not curator.can_undo()


def test_faults_elsewhere_never_touch_the_annotations(seeds):
    before = snapshot(seeds)
    shutil.rmtree(Explorer(seeds).index_folder, ignore_errors=True)
    explorer = Explorer(seeds)
    explorer.update_index()
    for seg in explorer.index_folder.glob("MAIN_*"):
        if seg.suffix in (".seg", ".pst", ".trm"):
            seg.write_bytes(seg.read_bytes()[:100])
    with pytest.raises(GdxError):
        Explorer(seeds).search("hydrogen")
    Explorer(seeds).update_index()
    assert snapshot(seeds) == before
