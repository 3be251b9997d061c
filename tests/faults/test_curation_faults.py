"""Curating while others write the same files: two processes, an editor, a file that moved or went.
Every save either lands with everyone's facts or is refused with one line naming the file; nothing
written by anyone is lost, and undo puts back exactly what the save replaced."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from gdexplorer.errors import AnnotationError
from gdexplorer.explorer import Explorer
from gdexplorer.model import EntityKind, NewEntity, NewFact
from tests.faults.helpers import kill_group, start_python

ORGS = "annotations/organizations.yaml"
QUOTE = "making it the world's first Production Certificate granted in the global eVTOL industry"
FACT = NewFact("It holds the first production certificate for eVTOLs.", "articles/0002.txt", QUOTE)

SAVER = """
import difflib, json, sys
from gdexplorer.errors import GdxError
from gdexplorer.explorer import Explorer
from gdexplorer.model import NewFact

corpus, entity, article, quote, tag, count = sys.argv[1:7]
explorer = Explorer(corpus)
print("ready", flush=True)
sys.stdin.readline()  # both start saving at once
landed, refused, misrecorded = [], [], []
for i in range(int(count)):
    text = f"{tag} fact number {i}."
    try:
        change = explorer.add_fact(entity, NewFact(text, article, quote))
    except GdxError as e:
        refused.append(str(e))
        continue
    landed.append(text)
    # What undo would put back must be the file this save changed: the same lines minus this fact's.
    old, new = change.before.decode().splitlines(), change.after.decode().splitlines()
    ops = [op for op in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes() if op[0] != "equal"]
    if len(ops) != 1 or ops[0][0] != "insert" or text not in "".join(new[ops[0][3]:ops[0][4]]):
        misrecorded.append(text)
print(json.dumps({"landed": landed, "refused": refused, "misrecorded": misrecorded}), flush=True)
"""

SAVES = 30


def test_two_processes_saving_facts_to_one_file_lose_nothing(seeds):
    jobs = [("ehang", "articles/0002.txt", "EHang", "first"), ("gac-group", "articles/0001.txt", "GAC Group", "second")]
    procs = [start_python(SAVER, str(seeds), *job, str(SAVES), stdin=subprocess.PIPE) for job in jobs]
    try:
        outcomes = []
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline() == "ready\n", proc.stderr.read() if proc.stderr else ""
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        for proc in procs:
            out, err = proc.communicate(timeout=600)
            assert proc.returncode == 0, err
            outcomes.append(json.loads(out))
    finally:
        for proc in procs:
            kill_group(proc)
    fresh = Explorer(seeds)
    assert fresh.problems() == []
    for (entity, *_), outcome in zip(jobs, outcomes, strict=True):
        saved = {f.text for f in fresh.entities_by_id()[entity].facts}
        assert [t for t in outcome["landed"] if t not in saved] == []
        assert outcome["misrecorded"] == []
        for message in outcome["refused"]:
            assert "\n" not in message and "organizations.yaml" in message
        assert len(outcome["landed"]) + len(outcome["refused"]) == SAVES
    # Nobody was kept out for long: the saves wait their turn rather than fail.
    assert all(outcome["refused"] == [] for outcome in outcomes), outcomes


# -- which item an edit changes ---------------------------------------------------------------


def test_deleting_and_editing_change_the_item_shown_when_an_earlier_one_failed_to_load(seeds):
    path = seeds / ORGS
    text = path.read_text(encoding="utf-8")
    # A quote typo in ehang's first fact and a relation to an id nobody curated yet: neither loads.
    text = text.replace("making it the world's first Production Certificate granted", "making it the worlds first "
                        "Production Certificate granted", 1)
    text = text.replace("        object: huangpu-district\n", "        object: huangpu-port\n", 1)
    path.write_text(text, encoding="utf-8")
    explorer = Explorer(seeds)
    shown = explorer.entities_by_id()["ehang"]
    assert [f.text[:20] for f in shown.facts] == ["Described as a leadi", "Was toured by the me"]
    assert [r.predicate for r in shown.relations] == ["leading enterprise in"]

    explorer.delete_fact("ehang", shown.facts[0])
    explorer.edit_fact("ehang", shown.facts[1], NewFact("Toured in May 2024.", "articles/0002.txt",
                                                         "the media delegation also toured EHang"))
    explorer.delete_relation("ehang", shown.relations[0])
    saved = path.read_text(encoding="utf-8")
    assert "making it the worlds first" in saved and "object: huangpu-port" in saved  # the unloaded ones stay
    assert "Described as a leading enterprise" not in saved and "predicate: leading enterprise in" not in saved
    ehang = explorer.entities_by_id()["ehang"]
    assert [f.text for f in ehang.facts] == ["Toured in May 2024."] and ehang.relations == ()


def test_an_item_gone_from_the_file_is_not_replaced_by_another(seeds):
    path = seeds / ORGS
    explorer = Explorer(seeds)
    first = explorer.entities_by_id()["ehang"].facts[0]
    outside = path.read_text(encoding="utf-8").replace("      - text: " + first.text + "\n        article: "
                                                       "articles/0002.txt\n        quote: \"" + QUOTE + "\"\n", "")
    path.write_text(outside, encoding="utf-8")  # deleted by hand meanwhile
    for attempt in (lambda: explorer.delete_fact("ehang", first),
                    lambda: explorer.edit_fact("ehang", first, NewFact("x", "articles/0002.txt", "EHang"))):
        with pytest.raises(AnnotationError) as info:
            attempt()
        assert "organizations.yaml" in str(info.value) and "no longer in the file" in str(info.value)
    assert path.read_text(encoding="utf-8") == outside


# -- which file an edit changes -----------------------------------------------------------------


def test_curating_annotations_from_another_folder_edits_that_folder(seeds, tmp_path):
    shared = tmp_path / "shared" / "annotations"
    shutil.copytree(seeds / "annotations", shared)
    own = (seeds / ORGS).read_bytes()
    explorer = Explorer(seeds, annotations_dir=shared)
    explorer.add_fact("ehang", FACT)
    assert FACT.text in (shared / "organizations.yaml").read_text(encoding="utf-8")
    assert (seeds / ORGS).read_bytes() == own
    assert explorer.entities_by_id()["ehang"].facts[-1].text == FACT.text
    explorer.delete_fact("ehang", explorer.entities_by_id()["ehang"].facts[0])
    assert (seeds / ORGS).read_bytes() == own
    explorer.undo()
    explorer.undo()
    assert (shared / "organizations.yaml").read_bytes() == own


def test_a_linked_annotation_file_gets_the_edit_and_stays_a_link(seeds, tmp_path):
    shared = tmp_path / "team" / "organizations.yaml"
    shared.parent.mkdir()
    link = seeds / ORGS
    original = link.read_bytes()
    shutil.move(link, shared)
    os.symlink(os.path.relpath(shared, link.parent), link)
    target = os.readlink(link)
    explorer = Explorer(seeds)
    explorer.add_fact("ehang", FACT)
    assert link.is_symlink() and os.readlink(link) == target
    assert FACT.text in shared.read_text(encoding="utf-8")
    assert explorer.entities_by_id()["ehang"].facts[-1].text == FACT.text
    explorer.undo()
    assert link.is_symlink() and shared.read_bytes() == original
    assert sorted(p.name for p in shared.parent.iterdir()) == ["organizations.yaml"]  # no temporary file left


# -- where a new item goes ----------------------------------------------------------------------


def test_a_block_text_whose_last_line_starts_with_a_hash_keeps_it(seeds):
    path = seeds / ORGS
    text = path.read_text(encoding="utf-8")
    last = ("      - text: Was toured by the media delegation during its May 2024 visit to Guangzhou.\n"
            "        article: articles/0002.txt\n"
            "        quote: \"the media delegation also toured EHang Holdings Limited in the Huangpu District of "
            "Guangzhou\"\n")
    assert last in text
    path.write_text(text.replace(last, "      - article: articles/0002.txt\n"
                                       "        quote: \"the media delegation also toured EHang\"\n"
                                       "        text: |\n"
                                       "          Was toured by the media delegation,\n"
                                       "          #1 on its list of visits.\n"), encoding="utf-8")
    explorer = Explorer(seeds)
    explorer.add_fact("ehang", FACT)
    facts = [f.text for f in explorer.entities_by_id()["ehang"].facts]
    assert facts[-2:] == ["Was toured by the media delegation,\n#1 on its list of visits.", FACT.text]
    assert explorer.problems() == []


@pytest.mark.parametrize("empty", ["", " []", " ~", " null", " []  # none yet"])
def test_an_entity_with_an_empty_facts_list_gets_a_fact(seeds, empty):
    path = seeds / ORGS
    text = path.read_text(encoding="utf-8")
    start = text.index("    facts:\n", text.index("  - id: ehang\n"))
    end = text.index("    relations:\n", start)
    path.write_text(text[:start] + f"    facts:{empty}\n" + text[end:], encoding="utf-8")
    explorer = Explorer(seeds)
    assert explorer.entities_by_id()["ehang"].facts == ()
    explorer.add_fact("ehang", FACT)
    assert [f.text for f in explorer.entities_by_id()["ehang"].facts] == [FACT.text]
    saved = path.read_text(encoding="utf-8")
    comment = "  # none yet" if "#" in empty else ""
    assert f"    facts:{comment}\n      - text: {FACT.text}\n" in saved
    assert explorer.problems() == []


def test_a_file_with_an_empty_entities_list_gets_a_new_entity(seeds):
    (seeds / "annotations" / "events.yaml").write_text("# Events.\nentities: []\n", encoding="utf-8")
    explorer = Explorer(seeds)
    explorer.create_entity(NewEntity("panel", EntityKind.EVENT, "open panel discussion"))
    assert (seeds / "annotations" / "events.yaml").read_text(encoding="utf-8") == (
        "# Events.\nentities:\n  - id: panel\n    type: event\n    name: open panel discussion\n")
    assert explorer.entities_by_id()["panel"].name == "open panel discussion"


# -- files changed or gone under the app ------------------------------------------------------------


@pytest.mark.parametrize(("change", "message"), [
    ("deleted", "the file is gone (deleted or moved outside gdexplorer); reload, then try again"),
    ("not utf-8", "the file is not valid UTF-8; not saved (nothing was written); try again"),
    ("a folder", "cannot read: Is a directory; not saved (nothing was written); try again"),
])
def test_a_file_gone_or_changed_under_the_app_gives_one_message_naming_it(seeds, change, message):
    path = seeds / ORGS
    explorer = Explorer(seeds)
    fact = explorer.entities_by_id()["ehang"].facts[0]
    path.unlink()
    if change == "not utf-8":
        path.write_bytes(b"entities:\n  - id: ehang\xff\n")
    elif change == "a folder":
        path.mkdir()
    for attempt in (lambda: explorer.add_fact("ehang", FACT), lambda: explorer.delete_fact("ehang", fact)):
        with pytest.raises(AnnotationError) as info:
            attempt()
        assert str(info.value) == f"{path}: {message}"


def test_undo_after_the_file_was_deleted_says_so(seeds):
    path = seeds / ORGS
    explorer = Explorer(seeds)
    explorer.add_fact("ehang", FACT)
    path.unlink()
    with pytest.raises(AnnotationError, match="changed since this edit; not undone"):
        explorer.undo()
    assert not path.exists()


# -- an editor writing the file in place while we save -------------------------------------------

SLOW_WRITER = """
import sys
path, content = sys.argv[1], open(sys.argv[2], "rb").read()
half = content.index(b"  - id: caac")
with open(path, "wb") as fh:  # an editor saving in place: truncate, then write
    fh.write(content[:half])
    fh.flush()
    print("half", flush=True)
    sys.stdin.readline()
    fh.write(content[half:])
print("done", flush=True)
"""


def test_an_editor_writing_in_place_during_a_save_is_never_cut_short(seeds, tmp_path, monkeypatch):
    path = seeds / ORGS
    explorer = Explorer(seeds)
    edited = path.read_bytes().replace(b"    name: EHang\n", b"    name: EHang\n    title: edited by hand\n")
    (tmp_path / "edited.yaml").write_bytes(edited)
    writer = start_python(SLOW_WRITER, str(path), str(tmp_path / "edited.yaml"), stdin=subprocess.PIPE)
    real_fsync = os.fsync
    resumed: list[str] = []

    def fsync(fd: int) -> None:
        real_fsync(fd)
        if not resumed and os.readlink(f"/proc/self/fd/{fd}").endswith(".tmp"):
            # Our new file is written; the editor writes the rest of its own before we rename ours.
            assert writer.stdin is not None and writer.stdout is not None
            writer.stdin.write("go\n")
            writer.stdin.flush()
            resumed.append(writer.stdout.readline())

    try:
        assert writer.stdout is not None and writer.stdout.readline() == "half\n"
        monkeypatch.setattr(os, "fsync", fsync)
        with pytest.raises(AnnotationError) as info:
            explorer.add_fact("ehang", FACT)
        monkeypatch.undo()
        assert resumed == ["done\n"]
        assert writer.wait(timeout=60) == 0
    finally:
        kill_group(writer)
    assert "organizations.yaml" in str(info.value) and "changed by another program" in str(info.value)
    assert path.read_bytes() == edited
    assert not explorer.can_undo()
    assert sorted(p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")) == []
