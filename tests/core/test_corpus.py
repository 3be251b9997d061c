import os
from pathlib import Path

import pytest

from gdexplorer.corpus.reading import Corpus, split_headline
from gdexplorer.errors import CorpusError


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def test_seeds_have_the_published_headlines_and_manifest(seeds):
    corpus = Corpus(seeds)
    assert sorted(corpus.scan()) == ["articles/0001.txt", "articles/0002.txt"]
    first = corpus.read("articles/0001.txt")
    assert first.info.title == "Tech innovation set to upgrade Guangdong development"
    assert first.info.source == "chinadaily.com.cn"
    assert first.info.byline == "Wang Keju"
    assert first.info.date == "2024-04-01"
    assert first.body.startswith("A view of Canton Tower")
    second = corpus.read("articles/0002.txt")
    assert second.info.title == "High-quality development-themed media tour kicks off in Guangdong"
    assert second.info.source == "GDToday"
    assert "Related links" not in second.text


def test_category_comes_from_the_folder_when_the_manifest_has_none(tmp_path):
    write(tmp_path / "articles" / "sport" / "0001.txt", "Late goal\n\nA late goal won it.\n")
    corpus = Corpus(tmp_path)
    article = corpus.read("articles/sport/0001.txt")
    assert article.info.category == "sport"
    assert article.info.title == "Late goal"
    assert article.body == "A late goal won it.\n"


def test_a_bare_folder_of_txt_files_opens(tmp_path):
    write(tmp_path / "one.txt", "First headline\nbody straight after\n")
    write(tmp_path / "sub" / "two.txt", "Second\n\nbody\n")
    write(tmp_path / "annotations" / "x.txt", "not an article")
    corpus = Corpus(tmp_path)
    assert sorted(corpus.scan()) == ["one.txt", "sub/two.txt"]
    assert corpus.read("one.txt").info.title == "First headline"
    assert corpus.read("one.txt").body == "body straight after\n"


def test_bad_bytes_are_replaced_and_reported_with_line_and_column(tmp_path):
    write(tmp_path / "articles" / "a.txt", b"Title\n\ncaf\xe9 au lait\n")
    article, problems = Corpus(tmp_path).read_checked("articles/a.txt")
    assert "caf\ufffd au lait" in article.body
    assert [str(p) for p in problems] == [
        "articles/a.txt:3:4: warning: not valid UTF-8; undecodable bytes were replaced with \ufffd"
    ]


def test_binary_files_are_refused(tmp_path):
    write(tmp_path / "articles" / "img.txt", b"\x89PNG\r\n\x00\x00\x00")
    with pytest.raises(CorpusError, match="binary data"):
        Corpus(tmp_path).read("articles/img.txt")


def test_manifest_problems_name_the_line(tmp_path):
    write(tmp_path / "articles" / "a.txt", "A\n\nbody\n")
    write(tmp_path / "manifest.jsonl",
          '{"file": "articles/a.txt", "title": "From manifest", "date": "2020-01-02"}\n'
          "not json\n"
          '{"file": "articles/missing.txt"}\n')
    corpus = Corpus(tmp_path)
    assert corpus.read("articles/a.txt").info.title == "From manifest"
    problems = [str(p) for p in corpus.manifest_problems()]
    assert problems[0].startswith("manifest.jsonl:2:1: error: not JSON")
    assert problems[1] == "manifest.jsonl:3:1: warning: names a missing file: articles/missing.txt"


def test_article_ids_cannot_leave_the_corpus(tmp_path):
    write(tmp_path / "articles" / "a.txt", "A\n\nbody\n")
    with pytest.raises(CorpusError, match="leaves the corpus"):
        Corpus(tmp_path).read("../../etc/passwd")


@pytest.mark.parametrize(
    ("text", "headline", "body"),
    [
        ("Head\n\nBody\n", "Head", "Body\n"),
        ("\n\nHead\nBody", "Head", "Body"),
        ("Only a headline", "Only a headline", ""),
        ("", "", ""),
    ],
)
def test_split_headline(text, headline, body):
    title, offset = split_headline(text)
    assert (title, text[offset:]) == (headline, body)


def test_scan_order_is_files_by_name_then_subfolders_depth_first(tmp_path):
    for name in ("b.txt", "a.TXT", "note.md", ".hidden.txt", ".git/x.txt", "z/c.txt", "m/n/y.txt", "m/x.txt",
                 "d.txt/e.txt", "m/.secret/s.txt"):
        write(tmp_path / "articles" / name, "Head\n\nbody\n")
    outside = write(tmp_path / "elsewhere" / "far.txt", "Far\n\nbody\n")
    (tmp_path / "articles" / "linked").symlink_to(outside.parent, target_is_directory=True)
    (tmp_path / "articles" / "alias.txt").symlink_to(tmp_path / "articles" / "b.txt")
    (tmp_path / "articles" / "gone.txt").symlink_to(tmp_path / "articles" / "missing.txt")
    corpus = Corpus(tmp_path)
    files = corpus.scan()
    # A folder's own files come before its subfolders; the order must not depend on the file system.
    assert list(files) == ["articles/a.TXT", "articles/alias.txt", "articles/b.txt", "articles/d.txt/e.txt",
                           "articles/m/x.txt", "articles/m/n/y.txt", "articles/z/c.txt"]
    assert all(stat.id == article_id for article_id, stat in files.items())
    b = (tmp_path / "articles" / "b.txt").stat()
    assert (files["articles/b.txt"].mtime_ns, files["articles/b.txt"].size) == (b.st_mtime_ns, b.st_size)
    assert files["articles/b.txt"].path == tmp_path.resolve() / "articles" / "b.txt"
    assert files["articles/b.txt"].signature == f"{b.st_mtime_ns}:{b.st_size}:{b.st_ctime_ns}:{b.st_ino}"
    assert files["articles/alias.txt"].size == b.st_size  # a symlinked file is read through its link
    assert corpus.scan_problems == []  # a dangling link is no article (is_file() is False), not a problem


def test_an_unreadable_folder_is_reported_and_the_rest_scanned(tmp_path):
    write(tmp_path / "articles" / "a.txt", "A\n\nbody\n")
    locked = write(tmp_path / "articles" / "locked" / "b.txt", "B\n\nbody\n").parent
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as a user who can read any folder")
        corpus = Corpus(tmp_path)
        assert list(corpus.scan()) == ["articles/a.txt"]
        assert [str(p) for p in corpus.scan_problems] == [
            "articles/locked/: error: cannot read this folder: Permission denied"]
    finally:
        locked.chmod(0o755)


@pytest.fixture
def collecting():
    """Automatic garbage collection on, whatever the tests run before in this process left (the
    window's tests collect on the UI thread, with it off), and as it was afterwards."""
    import gc

    was_enabled = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was_enabled else gc.disable)()


def test_a_scan_leaves_garbage_collection_as_it_found_it(tmp_path, collecting):
    import gc

    write(tmp_path / "articles" / "a.txt", "A\n\nbody\n")
    corpus = Corpus(tmp_path)
    assert gc.isenabled()
    assert list(corpus.scan()) == ["articles/a.txt"]
    assert gc.isenabled()
    gc.disable()
    try:
        assert list(corpus.scan()) == ["articles/a.txt"]
        assert not gc.isenabled()  # paused by the caller: not switched back on behind its back
    finally:
        gc.enable()


def test_reading_a_big_manifest_sets_off_no_garbage_collection(tmp_path, collecting):
    import gc
    import json as _json

    from gdexplorer.corpus.reading import read_manifest

    lines = [_json.dumps({"file": f"articles/{i:06}.txt", "title": f"T {i}", "tags": ["a", "b"]}) for i in range(30_000)]
    (tmp_path / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    collections: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        records, problems = read_manifest(tmp_path)
    finally:
        gc.callbacks.remove(seen)
    assert not records and len(problems) == 30_000  # parsed, then dropped: their files do not exist
    # At most the one that resumes collecting (the window freezes the manifest before that);
    # reading with collections on sets off well over a hundred.
    assert len(collections) <= 1
    assert gc.isenabled()
