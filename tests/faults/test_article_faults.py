"""Odd article files beside the seeds' two: each is indexed or skipped, reported with its place when
it has one, and never stops the others from being searchable. No file is changed."""

from __future__ import annotations

import errno
import json
import os
import pathlib
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from gdexplorer.cli import Exit, main
from gdexplorer.corpus.reading import MAX_ARTICLE_BYTES
from gdexplorer.explorer import Explorer
from gdexplorer.model import IndexStats
from tests.conftest import SEEDS
from tests.faults.helpers import snapshot

REPLACED = "not valid UTF-8; undecodable bytes were replaced with \ufffd"
NON_ASCII = "articles/Économie/naïve café 北京 report.txt"
SPACED = "articles/with spaces in name.txt"

ODD: dict[str, bytes] = {
    "articles/latin1.txt": "Okapi sighting\n\nAn okapi near the caf\xe9 on line three.\n".encode("latin-1"),
    "articles/empty.txt": b"",
    "articles/headline-only.txt": b"Giraffe headline with no body\n",
    "articles/blank-body.txt": b"Tapir headline\n\n   \n\t\n",
    "articles/image.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00 okapi",
    SPACED: b"Spaced name\n\nA gazelle ran past.\n",
    NON_ASCII: "Économie à Zürich\n\nLe gnou de Zürich et 北京 ont été vus.\n".encode(),
}
MANIFEST_EXTRA = [
    json.dumps({"file": NON_ASCII, "title": "Économie (manifest)", "date": "2024-06-01"}, ensure_ascii=False),
    "{not json",
    json.dumps({"file": "articles/gone.txt", "title": "Gone"}),
    json.dumps(["a", "list"]),
]


@dataclass
class Indexed:
    root: Path
    explorer: Explorer
    stats: IndexStats
    before: dict[str, tuple[object, ...]]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Indexed:
    root = tmp_path_factory.mktemp("articles") / "seeds"
    shutil.copytree(SEEDS, root)
    for name, data in ODD.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    # A symlinked folder pointing to its parent, one pointing to itself, and a link to itself.
    loop = root / "articles" / "loop"
    loop.mkdir()
    (loop / "up").symlink_to("..", target_is_directory=True)
    (loop / "self").symlink_to(".", target_is_directory=True)
    (root / "articles" / "selflink.txt").symlink_to("selflink.txt")
    manifest = root / "manifest.jsonl"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\n".join(MANIFEST_EXTRA) + "\n", encoding="utf-8")
    before = snapshot(root)
    explorer = Explorer(root, cache_dir=tmp_path_factory.mktemp("articles-cache"))
    started = time.perf_counter()
    stats = explorer.update_index()
    assert time.perf_counter() - started < 10, "a symlink loop must not hang the scan"
    return Indexed(root, explorer, stats, before)


ARTICLE_PROBLEMS = [
    "articles/blank-body.txt: warning: the article has no body",
    "articles/empty.txt: warning: the article has no body",
    "articles/headline-only.txt: warning: the article has no body",
    "articles/image.txt: warning: binary data, not text (it has NUL bytes)",
    f"articles/latin1.txt:3:22: warning: {REPLACED}",
    "articles/selflink.txt: warning: skipped: Too many levels of symbolic links",
]
MANIFEST_PROBLEMS = [
    "manifest.jsonl:4:2: error: not JSON: Expecting property name enclosed in double quotes",
    "manifest.jsonl:5:1: warning: names a missing file: articles/gone.txt",
    'manifest.jsonl:6:1: error: each line must be an object with a "file" key',
]


def test_the_scan_finds_each_file_once_and_skips_links_and_loops(indexed):
    assert sorted(indexed.explorer._corpus.scan()) == sorted(["articles/0001.txt", "articles/0002.txt", *ODD])


def test_every_odd_file_is_reported_with_its_place(indexed):
    assert sorted(str(p) for p in indexed.stats.problems) == ARTICLE_PROBLEMS
    assert sorted(str(p) for p in indexed.explorer.check_articles()) == ARTICLE_PROBLEMS


def test_manifest_lines_are_reported_with_their_line(indexed):
    assert [str(p) for p in indexed.explorer._corpus.manifest_problems()] == MANIFEST_PROBLEMS


def test_the_binary_file_is_skipped_and_the_rest_indexed(indexed):
    ex = indexed.explorer
    assert ex.article_count() == len(ODD) + 1  # all but the binary file
    assert [h.path for h in ex.search("okapi").hits] == ["articles/latin1.txt"]
    assert ex.search("hydrogen").total == 2
    assert [h.path for h in ex.search("entity:ehang").hits] == ["articles/0002.txt"]


def test_index_stats_count_only_the_articles_indexed(indexed):
    assert indexed.stats.added == indexed.explorer.article_count() == len(ODD) + 1


def test_undecodable_bytes_are_replaced_and_the_article_searchable(indexed):
    hit = indexed.explorer.search("okapi").hits[0]
    assert hit.info.title == "Okapi sighting"
    assert "caf\ufffd" in indexed.explorer.article("articles/latin1.txt").body


def test_empty_files_and_bodies_are_indexed_by_their_headline(indexed):
    ex = indexed.explorer
    assert [h.path for h in ex.search("giraffe").hits] == ["articles/headline-only.txt"]
    assert [h.path for h in ex.search("tapir").hits] == ["articles/blank-body.txt"]
    assert ex.article("articles/empty.txt").info.title == "empty"  # the file name stands in
    assert ex.search("giraffe").hits[0].snippet == ()


def test_names_with_spaces_and_non_ascii_are_searchable_with_correct_ids(indexed):
    ex = indexed.explorer
    assert [h.path for h in ex.search("gazelle").hits] == [SPACED]
    hit = ex.search("gnou").hits[0]
    assert hit.path == NON_ASCII
    assert (hit.info.title, hit.info.date, hit.info.category) == ("Économie (manifest)", "2024-06-01", "Économie")
    assert ex.article(hit.path).info.id == NON_ASCII
    assert [h.path for h in ex.search("北京").hits] == [NON_ASCII]


def test_cli_json_keeps_the_non_ascii_id(indexed, capsys):
    code = main(["search", "gnou", "--json", "--corpus", str(indexed.root)])
    out, _ = capsys.readouterr()
    assert code == Exit.OK
    assert [h["path"] for h in json.loads(out)["hits"]] == [NON_ASCII]


def test_cli_check_reports_manifest_and_articles_and_fails(indexed, capsys):
    code = main(["check", "--corpus", str(indexed.root)])
    out, _ = capsys.readouterr()
    assert code == Exit.FAILED
    assert out.splitlines()[:-1] == MANIFEST_PROBLEMS + ARTICLE_PROBLEMS


def test_no_article_was_changed(indexed, capsys):
    main(["search", "okapi", "--corpus", str(indexed.root)])
    capsys.readouterr()
    assert snapshot(indexed.root) == indexed.before


# -- one-off faults, each on its own copy of the seeds ------------------------------------------------


@pytest.mark.slow
def test_a_50_mb_article_is_truncated_with_a_warning_quickly(seeds):
    path = seeds / "articles" / "huge.txt"
    with path.open("wb") as fh:
        fh.write(b"Huge article\n\nA zebra crossing opens the huge article.\n")
        # Whitespace, which the analyzer skips cheaply, so that the test measures the cut, not Whoosh.
        block = (b" " * 1023 + b"\n") * 1024
        for _ in range(50):
            fh.write(block)
        fh.write(b"tailword past the cut\n")
    assert path.stat().st_size > 50 * 2**20 > MAX_ARTICLE_BYTES
    before = snapshot(seeds)
    explorer = Explorer(seeds)
    started = time.perf_counter()
    stats = explorer.update_index()
    assert time.perf_counter() - started < 8
    assert [str(p) for p in stats.problems] == ["articles/huge.txt: warning: larger than 8 MB; only the start is used"]
    started = time.perf_counter()
    result = explorer.search("zebra")
    assert time.perf_counter() - started < 2
    assert [h.path for h in result.hits] == ["articles/huge.txt"]
    assert explorer.search("tailword").total == 0
    assert explorer.search("hydrogen").total == 2
    assert snapshot(seeds) == before


def test_a_huge_unbroken_word_gives_a_short_snippet(seeds):
    (seeds / "articles" / "blob.txt").write_bytes(b"Blob article\n\nokapi " + b"Q" * 2**20 + b" end\n")
    explorer = Explorer(seeds)
    explorer.update_index()
    hit = explorer.search("okapi").hits[0]
    assert sum(len(s.text) for s in hit.snippet) <= 1000


def test_an_unreadable_article_is_reported_and_skipped(seeds, monkeypatch):
    (seeds / "articles" / "locked.txt").write_text("Locked\n\nA zebra behind a locked door.\n", encoding="utf-8")
    (seeds / "articles" / "open.txt").write_text("Open\n\nA zebra in the open.\n", encoding="utf-8")
    before = snapshot(seeds)
    real = pathlib.Path.open

    def fake_open(self: Path, *args: object, **kwargs: object):
        if self.name == "locked.txt":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(pathlib.Path, "open", fake_open)
        explorer = Explorer(seeds)
        stats = explorer.update_index()
        expected = ["articles/locked.txt: warning: cannot read: Permission denied"]
        assert [str(p) for p in stats.problems] == expected
        assert [str(p) for p in explorer.check_articles()] == expected
        assert [h.path for h in explorer.search("zebra").hits] == ["articles/open.txt"]
        assert explorer.search("hydrogen").total == 2
    # Readable again: the next update picks it up.
    assert Explorer(seeds).update_index().added == 1
    assert snapshot(seeds) == before


def test_an_unreadable_folder_is_reported(seeds, monkeypatch):
    hidden = seeds / "articles" / "hidden"
    hidden.mkdir()
    (hidden / "a.txt").write_text("Hidden\n\nA zebra out of sight.\n", encoding="utf-8")
    real = os.scandir

    def scandir(path):
        if Path(path).name == "hidden":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    explorer = Explorer(seeds)
    stats = explorer.update_index()
    assert explorer.search("hydrogen").total == 2
    reported = [str(p) for p in (*stats.problems, *explorer.check_articles())]
    assert any(p.startswith("articles/hidden") and "Permission denied" in p for p in reported), reported


def test_a_non_utf8_manifest_is_reported_with_line_and_column(seeds):
    manifest = seeds / "manifest.jsonl"
    manifest.write_bytes(manifest.read_bytes() + b'{"file": "articles/0001.txt", "title": "Caf\xe9"}\n')
    explorer = Explorer(seeds)
    assert [str(p) for p in explorer.problems()] == ["manifest.jsonl:3:44: warning: not valid UTF-8"]
    explorer.update_index()
    assert explorer.search("hydrogen").total == 2
