"""Hostile input (issue 14): each bad input gets one clear message naming the file (and line and
column where there is one), nothing is lost or replaced, and the rest keeps working."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from gdexplorer.corpus.reading import MAX_MANIFEST_BYTES
from gdexplorer.errors import CorpusError, GdxError
from gdexplorer.explorer import Explorer
from gdexplorer.model import NewFact
from tests.conftest import SEEDS
from tests.faults.helpers import kill_group, run_cli, snapshot, start_cli

# -- export targets (3) ---------------------------------------------------------------------------


def test_export_writes_a_fifo_in_place_and_it_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "out.md"
    os.mkfifo(fifo)
    # A reader that does not block: the export's open() then finds one, and the text waits in the pipe.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        done = run_cli("export", "entity", "ehang", "-o", str(fifo))
        received = os.read(reader, 1 << 16)
    finally:
        os.close(reader)
    assert done.returncode == 0, done.stderr.decode()
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert received.decode().startswith("# EHang")


def test_export_to_a_link_to_a_device_writes_the_device_and_keeps_the_link(tmp_path: Path) -> None:
    link = tmp_path / "null.csv"
    link.symlink_to("/dev/null")
    done = run_cli("export", "results", "hydrogen", "-o", str(link))
    assert done.returncode == 0, done.stderr.decode()
    assert link.is_symlink() and os.readlink(link) == "/dev/null"
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_export_to_a_link_writes_its_target(tmp_path: Path) -> None:
    target = tmp_path / "real.csv"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(target.name)
    done = run_cli("export", "results", "hydrogen", "-o", str(link))
    assert done.returncode == 0, done.stderr.decode()
    assert link.is_symlink() and os.readlink(link) == "real.csv"
    assert target.read_text(encoding="utf-8").startswith("rank,")


def test_export_refuses_to_replace_a_read_only_file(tmp_path: Path) -> None:
    out = tmp_path / "kept.csv"
    out.write_text("precious\n", encoding="utf-8")
    out.chmod(0o444)
    done = run_cli("export", "results", "hydrogen", "-o", str(out))
    assert done.returncode == 1
    assert done.stderr.decode() == f"gdexplorer export: cannot write {out}: the file is read-only\n"
    assert out.read_text(encoding="utf-8") == "precious\n"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.csv"]


def test_save_text_refuses_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(OSError, match=r"not a regular file \(a folder, device, FIFO or socket\)"):
        Explorer.save_text(folder, "text")
    assert folder.is_dir() and list(folder.iterdir()) == []


# -- a corpus folder that goes away (8) ---------------------------------------------------------


def test_a_corpus_folder_gone_for_a_moment_is_unavailable_and_the_index_is_kept(plain: Path, tmp_path: Path) -> None:
    explorer = Explorer(plain, cache_dir=tmp_path / "cache")
    assert explorer.update_index().added == 2
    away = tmp_path / "away"
    plain.rename(away)
    with pytest.raises(CorpusError) as raised:
        explorer.update_index()
    assert str(raised.value) == (f"{plain}: the corpus folder is unavailable (No such file or directory); "
                                 "the index is kept as it is")
    with pytest.raises(CorpusError, match="the corpus folder is unavailable"):
        explorer.check_articles()
    assert explorer.search("hydrogen").total == 2
    away.rename(plain)
    stats = explorer.update_index()
    assert (stats.added, stats.deleted, stats.unchanged) == (0, 0, 2)
    assert explorer.search("hydrogen").total == 2


def test_an_articles_folder_gone_for_a_moment_is_unavailable_too(plain: Path, tmp_path: Path) -> None:
    explorer = Explorer(plain, cache_dir=tmp_path / "cache")
    explorer.update_index()
    (plain / "articles").rename(tmp_path / "articles-away")
    with pytest.raises(CorpusError, match="the corpus folder is unavailable"):
        explorer.update_index()
    assert explorer.search("hydrogen").total == 2


# -- a file name that is not UTF-8 (9) ----------------------------------------------------------

BAD_NAME = "articles/bad\\xff name.txt: error: the name is not valid UTF-8: skipped (rename it to index it)"


@pytest.fixture
def bad_name(plain: Path) -> Path:
    with open(os.path.join(os.fsencode(plain), b"articles", b"bad\xff name.txt"), "wb") as fh:
        fh.write(b"Zebra news\n\nA zebra on the quay.\n")
    (plain / "articles" / "good.txt").write_text("Zebra again\n\nAnother zebra.\n", encoding="utf-8")
    return plain


def test_a_file_name_that_is_not_utf8_is_reported_and_skipped(bad_name: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    built = run_cli("index", "--corpus", str(bad_name), cache=cache)
    assert built.returncode == 0, built.stderr.decode()
    assert built.stderr.decode().splitlines() == [BAD_NAME]
    found = run_cli("search", "zebra", "--json", "--corpus", str(bad_name), cache=cache)
    assert [h["path"] for h in json.loads(found.stdout)["hits"]] == ["articles/good.txt"]
    exported = run_cli("export", "results", "zebra", "--corpus", str(bad_name), cache=cache)
    assert exported.returncode == 0 and b"articles/good.txt" in exported.stdout
    checked = run_cli("check", "--corpus", str(bad_name), cache=cache)
    assert checked.returncode == 1
    assert checked.stdout.decode().splitlines()[:-1] == [BAD_NAME]


def test_a_folder_name_that_is_not_utf8_is_reported_and_skipped(plain: Path, tmp_path: Path) -> None:
    folder = os.path.join(os.fsencode(plain), b"articles", b"\xe9t\xe9")
    os.mkdir(folder)
    with open(os.path.join(folder, b"a.txt"), "wb") as fh:
        fh.write(b"Zebra\n\nA zebra.\n")
    explorer = Explorer(plain, cache_dir=tmp_path / "cache")
    stats = explorer.update_index()
    assert [str(p) for p in stats.problems] == [
        "articles/\\xe9t\\xe9: error: the name is not valid UTF-8: skipped (rename it to index it)"]
    assert explorer.article_count() == 2


# -- manifest dates and paths (10, weak spots) ------------------------------------------------------


def _manifest(root: Path, *records: dict[str, object]) -> None:
    lines = (root / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    (root / "manifest.jsonl").write_text("\n".join([*lines, *map(json.dumps, records)]) + "\n", encoding="utf-8")


def test_a_date_moved_out_of_years_1_to_9999_is_an_invalid_date_with_a_warning(plain: Path, tmp_path: Path) -> None:
    (plain / "articles" / "zero.txt").write_text("Zero date\n\nA zebra.\n", encoding="utf-8")
    _manifest(plain, {"file": "articles/zero.txt", "date": "0001-01-01T00:00:00+05:00"})
    explorer = Explorer(plain, cache_dir=tmp_path / "cache")
    explorer.update_index()
    assert [str(p) for p in explorer.problems()] == [
        "manifest.jsonl:3:1: warning: not a date (years 1 to 9999): 0001-01-01T00:00:00+05:00; the article is undated"]
    assert [h.path for h in explorer.search("zebra", sort="newest").hits] == ["articles/zero.txt"]
    assert explorer.search("hydrogen").total == 2


def test_manifest_files_outside_the_corpus_are_refused(plain: Path, tmp_path: Path) -> None:
    _manifest(plain, {"file": "../articles/0001.txt", "title": "Hijacked"},
              {"file": "/articles/0002.txt", "title": "Hijacked too"},
              {"file": "./articles/0002.txt", "title": "Kept"})
    explorer = Explorer(plain, cache_dir=tmp_path / "cache")
    explorer.update_index()
    assert [str(p) for p in explorer.problems()] == [
        "manifest.jsonl:3:1: error: names a file outside the corpus folder: ../articles/0001.txt",
        "manifest.jsonl:4:1: error: names a file outside the corpus folder: /articles/0002.txt",
    ]
    assert explorer.article("articles/0001.txt").info.title != "Hijacked"
    assert explorer.article("articles/0002.txt").info.title == "Kept"


def test_nothing_in_the_corpus_changes(bad_name: Path, tmp_path: Path) -> None:
    before = snapshot(bad_name)
    Explorer(bad_name, cache_dir=tmp_path / "cache").update_index()
    assert snapshot(bad_name) == before



# -- a manifest that is not a regular file, or too big (14) ---------------------------------------

NOT_REGULAR = ("manifest.jsonl: error: cannot read: not a regular file (a device, FIFO or socket); "
               "the manifest is ignored")


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "too big"])
def test_a_manifest_that_is_no_regular_file_or_too_big_is_refused(plain: Path, tmp_path: Path, kind: str) -> None:
    manifest = plain / "manifest.jsonl"
    manifest.unlink()
    if kind == "fifo":
        os.mkfifo(manifest)
        expected = NOT_REGULAR
    elif kind == "/dev/zero":
        manifest.symlink_to("/dev/zero")
        expected = NOT_REGULAR
    else:
        with open(manifest, "wb") as fh:  # sparse: no disk space, and never read
            fh.truncate(MAX_MANIFEST_BYTES + 1)
        expected = f"manifest.jsonl: error: larger than {MAX_MANIFEST_BYTES >> 20} MB; the manifest is ignored"
    done = run_cli("check", "--corpus", str(plain), cache=tmp_path / "cache", timeout=30)
    assert done.returncode == 1
    assert done.stdout.decode().splitlines()[:-1] == [expected]
    found = run_cli("search", "hydrogen", "--json", "--corpus", str(plain), cache=tmp_path / "cache", timeout=30)
    assert json.loads(found.stdout)["total"] == 2


# -- escapes in annotation values: "\0" and half a surrogate pair (11) ----------------------------

ESCAPES = r'''entities:
  - id: nul-fact
    type: place
    name: Nul Place
    facts:
      - text: A fact
        article: "articles/0001.txt\0"
        quote: "Guangdong"
  - id: surrogate
    type: place
    name: "Surro\uD800gate"
  - id: kept
    type: place
    name: Kept Place
    aliases: ["ok", "bad \uDC00 alias"]
    description: "bad \uDC00 text"
'''
ESCAPE_PROBLEMS = [
    r"annotations/zz.yaml:7:18: error: 'article' of a fact of entity 'nul-fact' contains a NUL character (\0)",
    r"annotations/zz.yaml:11:11: error: 'name' of an entity contains \uD800, half of a UTF-16 surrogate pair, "
    "which is not a character",
    r"annotations/zz.yaml:15:21: error: an alias contains \uDC00, half of a UTF-16 surrogate pair, "
    "which is not a character",
    r"annotations/zz.yaml:16:18: error: 'description' of entity 'kept' contains \uDC00, half of a UTF-16 "
    "surrogate pair, which is not a character",
]


@pytest.fixture(scope="module")
def escapes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("escapes") / "seeds"
    shutil.copytree(SEEDS, root)
    (root / "annotations" / "zz.yaml").write_text(ESCAPES, encoding="utf-8")
    return root


def test_escaped_nul_and_surrogates_in_annotations_are_problems_and_the_rest_loads(escapes: Path,
                                                                                   tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    checked = run_cli("check", "--corpus", str(escapes), cache=cache)
    assert checked.returncode == 1
    assert checked.stdout.decode().splitlines()[:-1] == ESCAPE_PROBLEMS
    assert checked.stdout.decode().splitlines()[-1] == "7 files, 68 entities, 101 facts, 83 relations: 4 errors, 0 warnings"
    found = run_cli("search", "hydrogen", "--json", "--corpus", str(escapes), cache=cache)
    assert json.loads(found.stdout)["total"] == 2


@pytest.mark.parametrize("command", [("entity", "kept"), ("entity", "kept", "--json"), ("entities", "--json"),
                                     ("export", "entity", "kept")])
def test_commands_that_print_annotations_work_beside_escapes(escapes: Path, tmp_path: Path,
                                                             command: tuple[str, ...]) -> None:
    done = run_cli(*command, "--corpus", str(escapes), cache=tmp_path / "cache")
    assert done.returncode == 0, done.stderr.decode()
    assert "Kept Place" in done.stdout.decode()
    assert "nul-fact" in done.stdout.decode() or command[0] != "entities"


def test_a_lone_surrogate_escape_in_the_manifest_is_replaced_with_a_warning(plain: Path, tmp_path: Path) -> None:
    with (plain / "manifest.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"file": "articles/0002.txt", "title": "Bad \\ud800 title"}\n')
        fh.write('{"file": "articles/0001.txt", "title": "Smile \\ud83d\\ude00"}\n')
    done = run_cli("search", "hydrogen", "--corpus", str(plain), cache=tmp_path / "cache")
    assert done.returncode == 0, done.stderr.decode()
    assert "Bad \ufffd title" in done.stdout.decode() and "Smile \U0001f600" in done.stdout.decode()
    checked = run_cli("check", "--corpus", str(plain), cache=tmp_path / "cache")
    assert checked.stdout.decode().splitlines()[:-1] == [
        "manifest.jsonl:3:45: warning: \\ud800 is half of a UTF-16 surrogate pair, not a character; "
        "replaced with \ufffd"]


# -- annotation folders: too deep (15), missing or a file (16) ---------------------------------------


def test_annotation_folders_nested_1500_deep_are_cut_with_one_problem(tmp_path: Path) -> None:
    root = tmp_path / "seeds"
    shutil.copytree(SEEDS, root)
    top = str(root / "annotations")
    folder = top
    try:
        for _ in range(1500):  # not os.makedirs: it recurses too
            folder = os.path.join(folder, "d")
            os.mkdir(folder)
        with open(os.path.join(folder, "lost.yaml"), "w", encoding="utf-8") as fh:
            fh.write("entities: []\n")
        cache = tmp_path / "cache"
        checked = run_cli("check", "--corpus", str(root), cache=cache)
        assert checked.returncode == 1, checked.stderr.decode()
        deepest = "annotations/" + "/".join(["d"] * 33)
        assert checked.stdout.decode().splitlines()[:-1] == [
            f"{deepest}: error: folders nested more than 32 deep are not read"]
        assert checked.stdout.decode().splitlines()[-1] == (
            "6 files, 66 entities, 101 facts, 83 relations: 1 error, 0 warnings")
        found = run_cli("entities", "--json", "--corpus", str(root), cache=cache)
        assert found.returncode == 0, found.stderr.decode()
        assert len(json.loads(found.stdout)) == 66
        watched = Explorer(root, cache_dir=cache).watch_list(file_limit=10)
        assert folder in watched.folders
    finally:
        _remove_chain(top, folder)


def _remove_chain(top: str, bottom: str) -> None:
    """Remove the folders from ``bottom`` up to ``top``'s child, one by one: shutil.rmtree, and so
    pytest's clean-up of old temporary folders, recurse and would fail on them."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(os.path.join(bottom, "lost.yaml"))
    while bottom != top:
        with contextlib.suppress(FileNotFoundError):
            os.rmdir(bottom)
        bottom = os.path.dirname(bottom)


def test_an_annotation_file_name_that_is_not_utf8_is_reported_and_skipped(plain: Path, tmp_path: Path) -> None:
    folder = os.path.join(os.fsencode(plain), b"annotations")
    os.mkdir(folder)
    with open(os.path.join(folder, b"caf\xe9.yaml"), "wb") as fh:
        fh.write(b"entities: []\n")
    checked = run_cli("check", "--corpus", str(plain), cache=tmp_path / "cache")
    assert checked.returncode == 1
    assert checked.stdout.decode().splitlines()[:-1] == [
        "annotations/caf\\xe9.yaml: error: the name is not valid UTF-8: skipped (rename it to read it)"]


@pytest.mark.parametrize("what", ["missing", "a file"])
def test_check_with_an_annotations_folder_that_is_missing_or_a_file_fails(plain: Path, tmp_path: Path,
                                                                        what: str) -> None:
    given = tmp_path / "notes"
    if what == "a file":
        given.write_text("entities: []\n", encoding="utf-8")
    why = "no such folder" if what == "missing" else "not a folder"
    done = run_cli("check", "--corpus", str(plain), "--annotations", str(given), cache=tmp_path / "cache")
    assert (done.returncode, done.stdout) == (1, b"")
    assert done.stderr.decode() == f"gdexplorer check: --annotations {given}: {why}\n"


# -- search --batch keeps going (13) --------------------------------------------------------------


def test_a_batch_outlives_its_cache_folder_being_deleted(plain: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    proc = start_cli("search", "--batch", "-", "--corpus", str(plain), cache=cache, stdin=subprocess.PIPE)
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(b"hydrogen\n")
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["total"] == 2
        shutil.rmtree(cache)
        proc.stdin.write(b"hydrogen\nflying\n")
        proc.stdin.close()
        answers = [json.loads(line) for line in proc.stdout]
        assert proc.wait(timeout=60) == 0, proc.stderr.read().decode() if proc.stderr else ""
    finally:
        kill_group(proc)
    assert [(a["query"], a["total"]) for a in answers] == [("hydrogen", 2), ("flying", 1)]


def test_a_latin1_line_in_a_batch_file_gets_an_error_and_the_others_answers(plain: Path, tmp_path: Path) -> None:
    batch = tmp_path / "queries.txt"
    batch.write_bytes(b"hydrogen\ncaf\xe9\nflying\n")
    done = run_cli("search", "--batch", str(batch), "--corpus", str(plain), cache=tmp_path / "cache")
    assert done.returncode == 1
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert answers[0]["total"] == 2 and answers[2]["total"] == 1
    assert answers[1] == {"line": 2, "error": "line 2 is not valid UTF-8 (byte 0xe9 at column 4)"}
    assert done.stderr == b""


# -- entity ids with query syntax in them (weak spot) ---------------------------------------------

ODD_IDS = {"ab*": "Zorblax", "abc": "Quuxville", "fuzz~": "Fuzzland", "fuzz": "Fizzland", "x^2": "Squaretown",
           "a(b": "Parenburg", "who?": "Askholm"}


@pytest.fixture
def odd_ids(plain: Path) -> Path:
    lines = ["entities:"]
    for i, (eid, name) in enumerate(ODD_IDS.items()):
        lines += [f"  - id: {eid}", "    type: place", f"    name: {name}"]
        (plain / "articles" / f"odd{i}.txt").write_text(f"{name} news\n\nToday in {name}.\n", encoding="utf-8")
    (plain / "annotations").mkdir()
    (plain / "annotations" / "odd.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return plain


def test_entity_ids_with_query_syntax_find_exactly_their_articles(odd_ids: Path, tmp_path: Path) -> None:
    explorer = Explorer(odd_ids, cache_dir=tmp_path / "cache")
    explorer.update_index()
    assert explorer.problems() == []
    for i, eid in enumerate(ODD_IDS):
        assert [h.path for h in explorer.search(f"entity:{eid}").hits] == [f"articles/odd{i}.txt"], eid
        assert [h.path for h in explorer.search("", filters=(f"entity:{eid}",)).hits] == [f"articles/odd{i}.txt"]
    both = explorer.search("(entity:abc OR entity:a(b)")
    assert sorted(h.path for h in both.hits) == ["articles/odd1.txt", "articles/odd5.txt"]


def test_a_corpus_folder_whose_name_is_not_utf8_opens_indexes_and_searches(plain: Path, tmp_path: Path) -> None:
    root = os.path.join(os.fsencode(tmp_path), b"caf\xe9")
    os.rename(plain, root)
    shown = os.fsdecode(root)
    cache = tmp_path / "cache"
    built = run_cli("index", "--corpus", shown, cache=cache)
    assert built.returncode == 0, built.stderr.decode()
    assert built.stdout.startswith(b"caf\\xe9: index built in ")
    found = run_cli("search", "hydrogen", "--json", "--corpus", shown, cache=cache)
    assert json.loads(found.stdout)["total"] == 2


# -- the same mistakes elsewhere --------------------------------------------------------------------


def test_curating_a_symlinked_annotation_file_writes_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    root = tmp_path / "seeds"
    shutil.copytree(SEEDS, root)
    shared = tmp_path / "shared-organizations.yaml"
    (root / "annotations" / "organizations.yaml").rename(shared)
    (root / "annotations" / "organizations.yaml").symlink_to(shared)
    explorer = Explorer(root, cache_dir=tmp_path / "cache")
    explorer.add_fact("ehang", NewFact("It makes eVTOL aircraft.", "articles/0002.txt", "EHang Holdings Limited"))
    assert (root / "annotations" / "organizations.yaml").is_symlink()
    assert "It makes eVTOL aircraft." in shared.read_text(encoding="utf-8")


def test_a_read_only_annotation_file_is_not_replaced_by_curation(tmp_path: Path) -> None:
    root = tmp_path / "seeds"
    shutil.copytree(SEEDS, root)
    path = root / "annotations" / "organizations.yaml"
    before = path.read_bytes()
    path.chmod(0o444)
    explorer = Explorer(root, cache_dir=tmp_path / "cache")
    with pytest.raises(GdxError) as raised:
        explorer.add_fact("ehang", NewFact("It makes eVTOL aircraft.", "articles/0002.txt", "EHang Holdings Limited"))
    assert str(raised.value) == f"{path}: cannot save: the file is read-only; the file was left as it was"
    assert path.read_bytes() == before


def test_a_fact_citing_a_fifo_is_a_problem_not_a_hang(plain: Path, tmp_path: Path) -> None:
    os.mkfifo(plain / "articles" / "pipe.txt")
    (plain / "annotations").mkdir()
    (plain / "annotations" / "pipe.yaml").write_text(
        "entities:\n  - id: piped\n    type: place\n    name: Piped\n    facts:\n"
        "      - text: A fact\n        article: articles/pipe.txt\n        quote: anything\n", encoding="utf-8")
    done = run_cli("check", "--corpus", str(plain), cache=tmp_path / "cache", timeout=30)
    assert done.returncode == 1
    assert done.stdout.decode().splitlines()[:-1] == [
        "annotations/pipe.yaml:6:9: error: article 'articles/pipe.txt' does not exist in the corpus"]
