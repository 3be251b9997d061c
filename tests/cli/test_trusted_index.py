"""`search` (and the other read-only commands) trust the index while cheap signals say nothing changed.

Each `main()` call builds a new Explorer from the files, as a new process does. What the signals
catch (articles added, removed, renamed, replaced by an editor's save; the manifest; annotation
files) is searched without --update; an article rewritten in place needs --update, as --help says.
"""

import json
import os
import time
from pathlib import Path

import pytest

from gdexplorer.cli import build_parser, main, result_json
from gdexplorer.explorer import Explorer
from gdexplorer.search import freshness
from gdexplorer.search.freshness import FRESHNESS


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def search_json(capsys, seeds: Path, query: str, *more: str) -> dict:
    code, out, err = run(capsys, "search", query, "--json", "--corpus", str(seeds), *more)
    assert code == 0, err
    return json.loads(out)


def settled(capsys, seeds: Path) -> None:
    """Build or update the index so that its saved signals vouch for it.

    The corpus was copied just before: within freshness.RACY_NS of the scan, its folders would be
    saved as "racy" (changed about when the scan began), and a fast machine runs several updates
    inside that window. Every write here is finished before the update starts, so the window can be
    closed without hiding a real race (test_a_change_during_the_scan_is_never_trusted keeps it).
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(freshness, "RACY_NS", 0)
        run(capsys, "index", "--corpus", str(seeds))
    assert Explorer(seeds).index_changes() == "", Explorer(seeds).index_changes()


def paths(result: dict) -> list[str]:
    return [hit["path"] for hit in result["hits"]]


def write_article(path: Path, headline: str, body: str) -> None:
    path.write_text(f"{headline}\n\n{body}\n", encoding="utf-8")


def test_an_unchanged_corpus_is_trusted_and_search_skips_the_update(capsys, seeds):
    settled(capsys, seeds)
    record = Explorer(seeds).index_folder / FRESHNESS
    before = record.stat().st_mtime_ns, record.read_bytes()
    assert paths(search_json(capsys, seeds, "hydrogen"))
    # No update ran: an update rewrites the record (a new file, so a new inode and ctime).
    assert (record.stat().st_mtime_ns, record.read_bytes()) == before


def test_an_added_article_is_found_without_update(capsys, seeds):
    settled(capsys, seeds)
    write_article(seeds / "articles" / "0003.txt", "Okapi sighted", "A zanzibarine okapi was sighted.")
    assert paths(search_json(capsys, seeds, "zanzibarine")) == ["articles/0003.txt"]


def test_an_article_added_in_a_subfolder_is_found_without_update(capsys, seeds):
    (seeds / "articles" / "world").mkdir()
    write_article(seeds / "articles" / "world" / "a.txt", "First", "Nothing much here.")
    settled(capsys, seeds)
    # Only the subfolder changes now, not articles/ itself.
    articles_stat = os.stat(seeds / "articles")
    write_article(seeds / "articles" / "world" / "b.txt", "Second", "A quokkasaurus appeared.")
    assert os.stat(seeds / "articles").st_mtime_ns == articles_stat.st_mtime_ns
    assert paths(search_json(capsys, seeds, "quokkasaurus")) == ["articles/world/b.txt"]


def test_a_removed_article_is_gone_without_update(capsys, seeds):
    settled(capsys, seeds)
    hits = paths(search_json(capsys, seeds, "hydrogen"))
    assert "articles/0001.txt" in hits
    (seeds / "articles" / "0001.txt").unlink()
    assert "articles/0001.txt" not in paths(search_json(capsys, seeds, "hydrogen"))


def test_an_editors_save_by_rename_is_found_without_update(capsys, seeds):
    settled(capsys, seeds)
    target = seeds / "articles" / "0002.txt"
    temporary = seeds / "articles" / ".0002.txt.swp"
    temporary.write_text(target.read_text(encoding="utf-8") + "\nA wombatosaur joined the tour.\n",
                         encoding="utf-8")
    temporary.replace(target)
    assert paths(search_json(capsys, seeds, "wombatosaur")) == ["articles/0002.txt"]


def test_an_in_place_edit_with_same_size_and_mtime_is_found_with_update(capsys, seeds):
    settled(capsys, seeds)
    target = seeds / "articles" / "0002.txt"
    text = target.read_text(encoding="utf-8")
    st = target.stat()
    assert "Photo" in text
    with target.open("r+", encoding="utf-8") as fh:  # in place: same file, same size
        fh.write(text.replace("Photo", "Phxto", 1))
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))  # the mtime put back, as `touch -r` does
    assert target.stat().st_size == st.st_size and target.stat().st_mtime_ns == st.st_mtime_ns
    # No folder changed: the trade-off --help names. --update checks every article (by ctime here).
    assert Explorer(seeds).index_changes() == ""
    assert paths(search_json(capsys, seeds, "phxto", "--update")) == ["articles/0002.txt"]
    # And what --update found stays found: the next plain search trusts the updated index.
    assert paths(search_json(capsys, seeds, "phxto")) == ["articles/0002.txt"]


def test_the_help_says_what_update_is_for():
    text = build_parser()._subparsers._group_actions[0].choices["search"].format_help()  # type: ignore[union-attr]
    flat = " ".join(text.split())
    assert "--update" in flat and "in place" in flat


def test_a_manifest_edit_is_seen_without_update(capsys, seeds):
    settled(capsys, seeds)
    manifest = seeds / "manifest.jsonl"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "Tech innovation set to upgrade Guangdong development", "Renamed headline of the first"), encoding="utf-8")
    titles = [h["title"] for h in search_json(capsys, seeds, "hydrogen")["hits"]]
    assert "Renamed headline of the first" in titles


def test_an_annotation_edit_is_seen_without_update(capsys, seeds):
    settled(capsys, seeds)
    code, _, err = run(capsys, "search", "entity:zorblax_corp", "--corpus", str(seeds))
    assert code == 1 and "no entity" in err
    (seeds / "annotations" / "zorblax.yaml").write_text(
        "entities:\n  - id: zorblax_corp\n    type: organization\n    name: Photo\n", encoding="utf-8")
    result = search_json(capsys, seeds, "entity:zorblax_corp")
    assert result["total"] >= 1


def test_the_cli_answer_equals_the_python_api(capsys, seeds):
    settled(capsys, seeds)
    cli = search_json(capsys, seeds, "development guangdong", "--limit", "5")
    explorer = Explorer(seeds)
    api = result_json(explorer.search("development guangdong", limit=5), explorer)
    for answer in (cli, api):
        answer.pop("took_ms")
    assert cli == api and cli["hits"]


def test_a_change_during_the_scan_is_never_trusted(seeds):
    folder = seeds / "articles"
    write_article(folder / "late.txt", "Late", "Written as the scan began.")
    taken = freshness.take([str(folder)], scan_started_ns=time.time_ns())
    assert taken[str(folder)] == "racy"
    settled_long_ago = freshness.take([str(folder)], scan_started_ns=os.stat(folder).st_ctime_ns + 10**9)
    assert isinstance(settled_long_ago[str(folder)], list)


def test_a_damaged_or_rebuilt_index_is_not_trusted(capsys, seeds):
    settled(capsys, seeds)
    explorer = Explorer(seeds)
    explorer._index.mark_damaged("a test")
    assert Explorer(seeds).index_changes() != ""
    assert paths(search_json(capsys, seeds, "hydrogen"))  # rebuilt, then answered
    explorer = Explorer(seeds)
    explorer.drop_index()
    assert explorer.index_changes() != ""
