"""The manifest kept as its bytes and a span per article: each record read back is its line's JSON.

The lines are cut from the file in chunks (``MANIFEST_CHUNK`` lines each), so line numbers, byte
offsets and the lines astride a chunk's end are checked on manifests several chunks long.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from gdexplorer.corpus.manifest import MANIFEST_CHUNK, read_manifest
from gdexplorer.corpus.reading import Corpus
from tests.conftest import corpus_path


def write_articles(root: Path, count: int) -> list[str]:
    files = [f"articles/a{i:05}.txt" for i in range(count)]
    for file in files:
        (root / file).parent.mkdir(parents=True, exist_ok=True)
        (root / file).write_text("Head\n\nBody\n", encoding="utf-8")
    return files


@pytest.mark.corpora
@pytest.mark.parametrize("name", ["en-guardian-china-2007-2016", "zh-thucnews-cnews-1k"])
def test_every_record_of_a_real_manifest_is_its_lines_json(name):
    root = corpus_path(name)
    lines = (root / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    expected = {json.loads(line)["file"]: (json.loads(line), line) for line in lines if line.strip()}
    manifest, problems = read_manifest(root)
    assert problems == []
    assert set(manifest) == set(expected) and len(manifest) == len(expected)
    for file, (record, line) in expected.items():
        assert manifest[file] == record
        assert manifest.digest(file) == hashlib.sha1(line.strip().encode()).hexdigest()[:8]
    assert manifest.digest("articles/not-in-the-manifest.txt") == ""


def test_line_numbers_and_records_hold_across_chunks_and_line_ends(tmp_path):
    count = 2 * MANIFEST_CHUNK + 500
    files = write_articles(tmp_path, count)
    lines = [json.dumps({"file": f, "title": f"T{i} 中文", "n": i}) for i, f in enumerate(files)]
    bad = {MANIFEST_CHUNK - 1: "not json", MANIFEST_CHUNK: "[1, 2]", 2 * MANIFEST_CHUNK + 7: '{"file": 3}'}
    for index, text in bad.items():
        lines[index] = text
    lines[MANIFEST_CHUNK + 1] = "   "  # a blank line is skipped but counted
    endings = ["\r\n" if i % 3 == 0 else "\n" for i in range(count)]
    data = "\ufeff" + "".join(line + end for line, end in zip(lines, endings, strict=True))
    (tmp_path / "manifest.jsonl").write_text(data[:-1], encoding="utf-8", newline="")  # no newline at the end
    manifest, problems = read_manifest(tmp_path)
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (MANIFEST_CHUNK, "not JSON"), (MANIFEST_CHUNK + 1, 'each line must be an object with a "file" key'),
        (2 * MANIFEST_CHUNK + 8, 'each line must be an object with a "file" key')]
    kept = [i for i in range(count) if i not in bad and i != MANIFEST_CHUNK + 1]
    assert list(manifest) == [files[i] for i in kept]
    for i in kept:
        assert manifest[files[i]] == {"file": files[i], "title": f"T{i} 中文", "n": i}
        assert manifest.digest(files[i]) == hashlib.sha1(lines[i].encode()).hexdigest()[:8]


def test_bad_bytes_a_bad_date_and_half_a_surrogate_pair_are_said_and_read_as_they_were(tmp_path):
    files = write_articles(tmp_path, 4)
    (tmp_path / "manifest.jsonl").write_bytes(
        json.dumps({"file": files[0], "title": "fine", "date": "2020-02-03"}).encode() + b"\n"
        + f'{{"file": "{files[1]}", "title": "caf'.encode() + b'\xe9"}\n'
        + json.dumps({"file": files[2], "date": "31/02/2020"}).encode() + b"\n"
        + f'{{"file": "{files[3]}", "title": "x \\ud800 y"}}\n'.encode())
    manifest, problems = read_manifest(tmp_path)

    def column_after(text: str) -> int:
        return 1 + len(text)

    assert [(p.line, p.column, p.severity.value) for p in problems] == [
        (2, column_after(f'{{"file": "{files[1]}", "title": "caf'), "warning"), (3, 1, "warning"),
        (4, column_after(f'{{"file": "{files[3]}", "title": "x '), "warning")]
    assert manifest[files[0]]["date"] == "2020-02-03"
    assert manifest[files[1]]["title"] == "caf\ufffd"
    assert manifest[files[2]]["date"] is None  # undated, as the warning says
    assert manifest[files[3]]["title"] == "x \ufffd y"


def test_a_later_line_for_the_same_file_wins_and_a_missing_file_is_dropped(tmp_path):
    (file,) = write_articles(tmp_path, 1)
    (tmp_path / "manifest.jsonl").write_text(
        json.dumps({"file": file, "date": "nonsense"}) + "\n"
        + json.dumps({"file": "articles/gone.txt"}) + "\n"
        + json.dumps({"file": file, "title": "second"}) + "\n", encoding="utf-8")
    corpus = Corpus(tmp_path)
    assert dict(corpus.manifest()) == {file: {"file": file, "title": "second"}}
    assert corpus.read(file).info.title == "second"
    assert [p.line for p in corpus.manifest_problems()] == [1, 2]
    assert dict(corpus.manifest_digests()) == {file: corpus.manifest_digest(file)}


def test_a_large_manifest_not_read_yet_leaves_its_problems_for_later(seeds, monkeypatch):
    from gdexplorer.corpus import reading
    from gdexplorer.explorer import Explorer

    (seeds / "manifest.jsonl").write_text((seeds / "manifest.jsonl").read_text(encoding="utf-8") + "not json\n",
                                          encoding="utf-8")
    ex = Explorer(seeds)
    assert ex.problems_complete()  # small: its problems are read at once
    monkeypatch.setattr(reading, "LARGE_MANIFEST_BYTES", 0)
    ex = Explorer(seeds)
    assert not ex.problems_complete()
    assert not any(p.path == "manifest.jsonl" for p in ex.problems(wait_for_manifest=False))
    ex.update_index()  # reads the manifest anyway
    assert ex.problems_complete()
    assert any(p.path == "manifest.jsonl" for p in ex.problems(wait_for_manifest=False))
    assert [str(p) for p in ex.problems()] == [str(p) for p in ex.problems(wait_for_manifest=False)]


def test_after_a_scan_the_missing_files_are_those_the_walk_finds(tmp_path):
    # The check for missing files takes a scan's list when one was just made, and looks for the
    # files it does not list; it must say what the walk of every folder says.
    import zipfile

    files = write_articles(tmp_path, 6)
    with zipfile.ZipFile(tmp_path / "articles" / "box.zip", "w") as zf:
        zf.writestr("inner.txt", "Inner\n\nText\n")
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "aside.txt").write_text("Aside\n\nText\n", encoding="utf-8")
    # Files that are there but that no walk lists: a hidden one, one through a linked folder.
    (tmp_path / "articles" / ".hidden.txt").write_text("Hidden\n\nText\n", encoding="utf-8")
    (tmp_path / "linked").symlink_to(tmp_path / "extra", target_is_directory=True)
    named = [*files, "articles/box.zip/inner.txt", "extra/aside.txt", "articles/later.txt", "articles/gone.txt",
             "articles/.hidden.txt", "linked/aside.txt"]
    (tmp_path / "manifest.jsonl").write_text("".join(json.dumps({"file": f, "title": f}) + "\n" for f in named),
                                             encoding="utf-8")
    corpus = Corpus(tmp_path)
    scanned = corpus.scan()
    assert "articles/later.txt" not in scanned and "extra/aside.txt" not in scanned
    # Made after the scan, before the manifest is read: the scan does not list it, yet it is there.
    (tmp_path / "articles" / "later.txt").write_text("Later\n\nText\n", encoding="utf-8")
    manifest = corpus.manifest()
    walked, walked_problems = read_manifest(tmp_path)
    missing = ["articles/gone.txt", "articles/.hidden.txt", "linked/aside.txt"]
    assert [p.message for p in corpus.manifest_problems()] == [f"names a missing file: {f}" for f in missing]
    assert corpus.manifest_problems() == walked_problems
    assert set(manifest) == set(walked) == set(named) - set(missing)


def test_a_scan_made_before_the_manifest_changed_is_not_used_to_check_it(tmp_path):
    files = write_articles(tmp_path, 3)
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text(json.dumps({"file": files[0], "title": "A"}) + "\n", encoding="utf-8")
    corpus = Corpus(tmp_path)
    corpus.scan()
    assert set(corpus.manifest()) == {files[0]}
    (tmp_path / files[1]).unlink()  # gone since the scan
    manifest.write_text("".join(json.dumps({"file": f, "title": "A"}) + "\n" for f in files), encoding="utf-8")
    assert corpus.refresh_manifest()
    assert set(corpus.manifest()) == {files[0], files[2]}
    assert [p.message for p in corpus.manifest_problems()] == [f"names a missing file: {files[1]}"]


def test_a_closed_corpus_reads_no_manifest(tmp_path):
    from gdexplorer.errors import CorpusError

    files = write_articles(tmp_path, 2)
    (tmp_path / "manifest.jsonl").write_text(json.dumps({"file": files[0], "title": "A"}) + "\n", encoding="utf-8")
    corpus = Corpus(tmp_path)
    corpus.close()
    with pytest.raises(CorpusError) as raised:
        corpus.manifest()
    assert (raised.value.path, raised.value.message) == ("manifest.jsonl", "not read: the corpus is being closed")
    # Nothing half-read is kept: an article still reads from its own file.
    assert corpus.read_text(files[1]).startswith("Head")
