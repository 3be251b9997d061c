"""Updates in one process compare the scan with the last one (the memo) instead of every signature:
they must find exactly what an update in a fresh process finds, and not trust the memo when the
index or the signature inputs changed behind it."""

import os
from pathlib import Path

from gdexplorer.explorer import Explorer


def edit(path: Path, text: str, second: int) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    os.utime(path, ns=(0, second * 10**9))


def stats_of(ex: Explorer) -> tuple[int, int, int, int]:
    stats = ex.update_index()
    return stats.added, stats.updated, stats.deleted, stats.unchanged


def test_a_run_of_updates_in_one_process_matches_the_stored_fields(seeds):
    ex = Explorer(seeds)
    ex.update_index()
    articles = seeds / "articles"
    first = articles / "0001.txt"
    original, st = first.read_bytes(), first.stat()
    edit(first, "\nA zeppelin landed.\n", 1)
    assert ex._index._memo is not None
    assert stats_of(ex) == (0, 1, 0, 1)
    assert ex._index._memo.signatures == ex._index.stored_signatures()
    # The article restored with its old bytes and mtime: its stat differs from the last scan's.
    first.write_bytes(original)
    os.utime(first, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert stats_of(ex) == (0, 1, 0, 1)
    assert ex.search("zeppelin").total == 0
    (articles / "0003.txt").write_text("Okapi news\n\nAn okapi was seen.\n", encoding="utf-8")
    assert stats_of(ex) == (1, 0, 0, 2)
    (articles / "0003.txt").unlink()
    assert stats_of(ex) == (0, 0, 1, 2)
    assert ex._index._memo.signatures == ex._index.stored_signatures()
    assert stats_of(ex) == (0, 0, 0, 2)
    assert stats_of(Explorer(seeds)) == (0, 0, 0, 2)


def test_an_unreadable_article_is_tried_and_reported_on_every_update(seeds):
    ex = Explorer(seeds)
    ex.update_index()
    (seeds / "articles" / "image.txt").write_bytes(b"\x89PNG\r\n\x00\x00\x00")
    for _ in range(2):  # the second time through the memo: the file did not change
        stats = ex.update_index()
        assert [(p.path, p.message) for p in stats.problems] == [
            ("articles/image.txt", "binary data, not text (it has NUL bytes)")]
        assert (stats.added, stats.unchanged) == (0, 2)


def test_a_commit_by_another_updater_is_not_redone_from_the_memo(seeds):
    ex = Explorer(seeds)
    ex.update_index()
    edit(seeds / "articles" / "0002.txt", "\nA zeppelin landed.\n", 1)
    assert stats_of(Explorer(seeds)) == (0, 1, 0, 1)  # another process did it
    # The memo predates that commit: trusting it would re-index the article (or worse, not).
    assert stats_of(ex) == (0, 0, 0, 2)
    edit(seeds / "articles" / "0002.txt", "\nA blimp landed.\n", 2)
    assert stats_of(ex) == (0, 1, 0, 1)
    assert Explorer(seeds).search("blimp").total == 1
    assert ex._index._memo.signatures == ex._index.stored_signatures()


def test_a_manifest_or_alias_change_reaches_the_articles_it_concerns(seeds):
    ex = Explorer(seeds)
    ex.update_index()
    manifest = seeds / "manifest.jsonl"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "Tech innovation set to upgrade Guangdong development", "Okapi innovation in Guangdong", 1),
        encoding="utf-8")
    report = ex.refresh()
    assert report.manifest_changed
    assert (report.index.updated, report.index.unchanged) == (1, 1)
    assert [h.info.title for h in ex.search("okapi").hits] == ["Okapi innovation in Guangdong"]
    people = seeds / "annotations" / "people.yaml"
    text = people.read_text(encoding="utf-8")
    people.write_text(text.replace("name: Hu Huazhi", "name: Hu Huazhi\n    aliases: [Canton Tower]", 1),
                      encoding="utf-8")
    report = ex.refresh()
    assert report.annotations_changed
    assert report.index.updated == 2  # every article is matched against the new names
    assert ex._index._memo.signatures == ex._index.stored_signatures()


def test_a_scan_keeps_the_earlier_scans_entry_of_each_unchanged_file(seeds):
    from gdexplorer.corpus.reading import Corpus

    corpus = Corpus(seeds)
    first = corpus.scan()
    edited = "articles/0001.txt"
    edit(seeds / edited, "\nMore.\n", 7)
    (seeds / "articles" / "0009.txt").write_text("New\n\nA new one.\n", encoding="utf-8")
    second = corpus.scan(first)
    assert second.keys() == first.keys() | {"articles/0009.txt"}
    # The update tells the changed files by identity: every other entry is the earlier object.
    changed = {i for i, stat in second.items() if first.get(i) is not stat}
    assert changed == {edited, "articles/0009.txt"}
    assert second[edited].mtime_ns == 7 * 10**9 and second[edited] != first[edited]
    assert all(second[i] == first[i] for i in first.keys() - changed)
