"""The signatures file beside the index: used when it matches the index, ignored otherwise."""

import json
import os

from gdexplorer.explorer import Explorer
from gdexplorer.index import SIGNATURES


def test_an_update_after_an_edit_uses_and_renews_the_signatures(seeds):
    ex = Explorer(seeds)
    ex.update_index()
    saved = json.loads((ex.index.folder / SIGNATURES).read_text(encoding="utf-8"))
    assert set(saved["signatures"]) == {"articles/0001.txt", "articles/0002.txt"}
    article = seeds / "articles" / "0002.txt"
    article.write_text(article.read_text(encoding="utf-8") + "\nA zeppelin landed.\n", encoding="utf-8")
    stats = Explorer(seeds).update_index()
    assert (stats.added, stats.updated, stats.unchanged) == (0, 1, 1)
    renewed = json.loads((ex.index.folder / SIGNATURES).read_text(encoding="utf-8"))
    assert renewed["generation"] > saved["generation"]
    assert renewed["signatures"]["articles/0002.txt"] != saved["signatures"]["articles/0002.txt"]
    assert renewed["signatures"]["articles/0001.txt"] == saved["signatures"]["articles/0001.txt"]
    assert Explorer(seeds).search("zeppelin").total == 1
    assert Explorer(seeds).update_index().unchanged == 2


def test_a_wrong_or_broken_signatures_file_is_not_trusted(seeds):
    ex = Explorer(seeds)
    ex.update_index()
    path = ex.index.folder / SIGNATURES
    saved = json.loads(path.read_text(encoding="utf-8"))
    article = seeds / "articles" / "0001.txt"
    article.write_text(article.read_text(encoding="utf-8") + "\nA zeppelin landed.\n", encoding="utf-8")
    st = article.stat()
    # A file claiming the edited article is already indexed, but for another generation.
    forged = dict(saved, generation=saved["generation"] + 1)
    forged["signatures"] = dict(saved["signatures"])
    forged["signatures"]["articles/0001.txt"] = forged["signatures"]["articles/0001.txt"].replace(
        forged["signatures"]["articles/0001.txt"].split("|")[0], f"{st.st_mtime_ns}:{st.st_size}")
    path.write_text(json.dumps(forged), encoding="utf-8")
    assert Explorer(seeds).update_index().updated == 1
    assert Explorer(seeds).search("zeppelin").total == 1
    path.write_text("{not json", encoding="utf-8")
    os.utime(article, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert Explorer(seeds).update_index().updated == 1
    assert json.loads(path.read_text(encoding="utf-8"))["signatures"]  # written anew


def test_many_one_article_edits_keep_the_small_segments_few(seeds):
    from gdexplorer.index import MERGE_AT

    ex = Explorer(seeds)
    ex.update_index()
    article = seeds / "articles" / "0002.txt"
    original = article.read_text(encoding="utf-8")
    counts = []
    for i in range(2 * MERGE_AT + 3):
        article.write_text(original + f"\nEdit number {i}: a zeppelin{i} landed.\n", encoding="utf-8")
        os.utime(article, ns=(0, (i + 1) * 10**9))
        assert ex.update_index().updated == 1
        counts.append(len(ex.index.searcher().reader().leaf_readers()))
        assert ex.search(f"zeppelin{i}").total == 1
        assert ex.search(f"zeppelin{i - 1}").total == 0 if i else True
    assert max(counts) <= MERGE_AT + 1  # merged whenever MERGE_AT small ones piled up
    assert ex.search("hydrogen").total == Explorer(seeds).search("hydrogen").total > 0
