"""The signatures beside the index (a base and a delta): used when they match the index, ignored otherwise."""

import json
import os
from pathlib import Path

import pytest

from gdexplorer.explorer import Explorer
from gdexplorer.search import signatures as gsignatures
from gdexplorer.search.signatures import SIGNATURES, SIGNATURES_DELTA


def saved(ex: Explorer) -> dict[str, str] | None:
    """What the next update would take as the index's signatures without reading its stored fields."""
    found = ex._index._signatures.load(ex._index._open().latest_generation)
    return None if found is None else found.signatures


def base_header(ex: Explorer) -> dict:
    return json.loads((ex.index_folder / SIGNATURES).read_text(encoding="utf-8"))


def delta(ex: Explorer) -> dict | None:
    path = ex.index_folder / SIGNATURES_DELTA
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def edit(path: Path, text: str, second: int) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    os.utime(path, ns=(0, second * 10**9))  # a distinct mtime even on a coarse clock


def add_articles(seeds: Path, count: int) -> list[Path]:
    paths = []
    for n in range(count):
        path = seeds / "articles" / f"extra{n}.txt"
        path.write_text(f"Extra headline {n}\n\nA body about okapi number {n}.\n", encoding="utf-8")
        paths.append(path)
    return paths


def test_an_update_after_an_edit_writes_a_delta_and_leaves_the_base(seeds):
    ex = Explorer(seeds)
    ex.update_index()
    assert saved(ex) == ex._index.stored_signatures()
    assert set(saved(ex)) == {"articles/0001.txt", "articles/0002.txt"}
    base = (ex.index_folder / SIGNATURES).read_bytes()
    before = saved(ex)
    assert delta(ex) is None
    edit(seeds / "articles" / "0002.txt", "\nA zeppelin landed.\n", 1)
    stats = Explorer(seeds).update_index()
    assert (stats.added, stats.updated, stats.unchanged) == (0, 1, 1)
    assert (ex.index_folder / SIGNATURES).read_bytes() == base  # not rewritten for one article
    changes = delta(ex)
    assert changes is not None
    assert changes["token"] == base_header(ex)["token"]
    assert changes["generation"] > base_header(ex)["generation"]
    assert list(changes["changes"]) == ["articles/0002.txt"]
    after = saved(ex)
    assert after == ex._index.stored_signatures()
    assert after["articles/0002.txt"] != before["articles/0002.txt"]
    assert after["articles/0001.txt"] == before["articles/0001.txt"]
    assert Explorer(seeds).search("zeppelin").total == 1
    assert Explorer(seeds).update_index().unchanged == 2


def test_a_wrong_or_broken_signatures_file_is_not_trusted(seeds):
    ex = Explorer(seeds)
    ex.update_index()
    path = ex.index_folder / SIGNATURES
    header = base_header(ex)
    article = seeds / "articles" / "0001.txt"
    edit(article, "\nA zeppelin landed.\n", 1)
    st = article.stat()
    # A delta claiming the edited article is already indexed, but for another generation.
    claimed = saved(ex)["articles/0001.txt"].split("|")
    claimed[0] = f"{st.st_mtime_ns}:{st.st_size}:{st.st_ctime_ns}:{st.st_ino}"
    forged = {"format": 1, "token": header["token"], "generation": header["generation"] + 1,
              "files": header["files"], "changes": {"articles/0001.txt": "|".join(claimed)}}
    (ex.index_folder / SIGNATURES_DELTA).write_text(json.dumps(forged), encoding="utf-8")
    assert Explorer(seeds).update_index().updated == 1
    assert Explorer(seeds).search("zeppelin").total == 1
    path.write_text("{not json", encoding="utf-8")
    (ex.index_folder / SIGNATURES_DELTA).unlink(missing_ok=True)
    edit(article, "\nA blimp landed.\n", 2)
    assert Explorer(seeds).update_index().updated == 1
    assert saved(ex) == ex._index.stored_signatures()  # written anew from what the index holds
    assert Explorer(seeds).search("blimp").total == 1


def test_a_cut_base_or_a_delta_for_another_base_is_ignored(seeds):
    ex = Explorer(seeds)
    ex.update_index()
    path = ex.index_folder / SIGNATURES
    whole = path.read_bytes()
    path.write_bytes(whole[:-10])  # cut short
    assert saved(ex) is None
    raw = json.loads(whole)
    raw["signatures"] = raw["signatures"].rpartition("\n")[0]  # one signature fewer than ids
    path.write_text(json.dumps(raw), encoding="utf-8")
    assert saved(ex) is None
    path.write_bytes(whole)
    assert saved(ex) == ex._index.stored_signatures()
    edit(seeds / "articles" / "0002.txt", "\nA zeppelin landed.\n", 1)
    Explorer(seeds).update_index()
    assert saved(ex) == ex._index.stored_signatures()
    forged = delta(ex)
    forged["token"] = "0123456789abcdef"
    (ex.index_folder / SIGNATURES_DELTA).write_text(json.dumps(forged), encoding="utf-8")
    assert saved(ex) is None  # the base alone is for an older generation
    stats = Explorer(seeds).update_index()
    assert (stats.updated, stats.unchanged) == (0, 2)
    assert saved(ex) == ex._index.stored_signatures()


@pytest.mark.parametrize("leftover", ["no delta", "the previous delta"])
def test_a_crash_between_a_commit_and_the_delta_write_is_noticed(seeds, leftover):
    ex = Explorer(seeds)
    ex.update_index()
    article = seeds / "articles" / "0002.txt"
    edit(article, "\nA zeppelin landed.\n", 1)
    ex.update_index()
    before = {name: (ex.index_folder / name).read_bytes() for name in (SIGNATURES, SIGNATURES_DELTA)}
    edit(article, "\nA blimp landed.\n", 2)
    ex.update_index()
    # The files as that update left them had it died after its commit, before writing its delta.
    (ex.index_folder / SIGNATURES).write_bytes(before[SIGNATURES])
    if leftover == "no delta":
        (ex.index_folder / SIGNATURES_DELTA).unlink()
    else:
        (ex.index_folder / SIGNATURES_DELTA).write_bytes(before[SIGNATURES_DELTA])
    assert saved(ex) is None
    # The stored fields say the blimp edit is in: nothing to redo, and the signatures are renewed.
    stats = Explorer(seeds).update_index()
    assert (stats.updated, stats.unchanged) == (0, 2)
    assert saved(ex) == ex._index.stored_signatures()
    assert Explorer(seeds).search("blimp").total == 1


def test_many_small_updates_then_a_compaction_match_the_stored_fields(seeds, monkeypatch):
    monkeypatch.setattr(gsignatures, "DELTA_MAX", 4)
    extra = add_articles(seeds, 6)
    ex = Explorer(seeds)
    ex.update_index()
    tokens = [base_header(ex)["token"]]
    sizes = []
    for n, path in enumerate(extra[:5]):
        edit(path, f"\nA zeppelin{n} landed.\n", n + 1)
        assert ex.update_index().updated == 1
        assert saved(ex) == ex._index.stored_signatures()
        tokens.append(base_header(ex)["token"])
        sizes.append(len(delta(ex)["changes"]) if delta(ex) else 0)
    # Four edited articles fit in a delta; the fifth folds them all into a new base.
    assert sizes == [1, 2, 3, 4, 0]
    assert tokens[:5] == [tokens[0]] * 5 and tokens[5] != tokens[0]
    extra[5].unlink()
    edit(extra[0], "\nA blimp landed.\n", 10)
    stats = ex.update_index()
    assert (stats.updated, stats.deleted) == (1, 1)
    assert delta(ex)["changes"] == {"articles/extra0.txt": saved(ex)["articles/extra0.txt"], "articles/extra5.txt": None}
    assert saved(ex) == ex._index.stored_signatures()
    assert "articles/extra5.txt" not in saved(ex)
    assert Explorer(seeds).update_index().unchanged == 7
    assert Explorer(seeds).search("blimp").total == 1


def test_an_unreadable_article_leaves_the_signatures(seeds):
    ex = Explorer(seeds)
    ex.update_index()
    article = seeds / "articles" / "0002.txt"
    article.write_bytes(b"\x89PNG\r\n\x00\x00\x00")  # becomes binary: dropped from the index
    stats = ex.update_index()
    assert stats.deleted == 1
    assert delta(ex)["changes"] == {"articles/0002.txt": None}
    assert saved(ex) == ex._index.stored_signatures() and set(saved(ex)) == {"articles/0001.txt"}


def test_odd_article_names_come_back_the_same(seeds):
    odd = ["articles/line\nbreak.txt", "articles/tab\there.txt", "articles/北京.txt"]
    for name in odd:
        (seeds / name).write_text("Odd name\n\nA body about a narwhal.\n", encoding="utf-8")
    ex = Explorer(seeds)
    assert ex.update_index().added == 5
    assert saved(ex) == ex._index.stored_signatures()
    assert set(odd) <= set(saved(ex))
    assert "articles/line\nbreak.txt" in base_header(ex)["odd"]
    assert Explorer(seeds).update_index().unchanged == 5


def test_the_signatures_file_of_older_versions_is_replaced(seeds):
    ex = Explorer(seeds)
    ex.update_index()
    path = ex.index_folder / SIGNATURES
    stored = ex._index.stored_signatures()
    header = base_header(ex)
    # Version 1: one JSON object of every signature, tied to the generation and file sizes.
    path.write_text(json.dumps({"generation": header["generation"], "files": header["files"],
                                "signatures": stored}), encoding="utf-8")
    assert saved(ex) is None
    assert Explorer(seeds).update_index().unchanged == 2
    assert base_header(ex)["format"] == 2
    assert saved(ex) == stored


def test_many_one_article_edits_keep_the_small_segments_few(seeds):
    from gdexplorer.search.engine.merging import MERGE_AT

    ex = Explorer(seeds)
    ex.update_index()
    article = seeds / "articles" / "0002.txt"
    original = article.read_text(encoding="utf-8")
    counts = []
    for i in range(2 * MERGE_AT + 3):
        article.write_text(original + f"\nEdit number {i}: a zeppelin{i} landed.\n", encoding="utf-8")
        os.utime(article, ns=(0, (i + 1) * 10**9))
        assert ex.update_index().updated == 1
        counts.append(len(ex._index.searcher().reader().leaf_readers()))
        assert ex.search(f"zeppelin{i}").total == 1
        assert ex.search(f"zeppelin{i - 1}").total == 0 if i else True
    assert max(counts) <= MERGE_AT + 1  # merged whenever MERGE_AT small ones piled up
    assert ex.search("hydrogen").total == Explorer(seeds).search("hydrogen").total > 0
    assert saved(ex) == ex._index.stored_signatures()
