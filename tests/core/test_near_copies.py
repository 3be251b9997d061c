"""Near copies: articles that differ by one sentence fold into one hit, named apart from exact copies.

The rule (gdexplorer.search.copies): deleting at most one sentence from each leaves the same
sentences, and what they share holds at least 3/4 of each text and 200 characters. On the BBC corpus
the index's pairs are checked against every pair of articles compared directly.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import pytest

from gdexplorer.cli import Exit, main
from gdexplorer.corpus.reading import Corpus
from gdexplorer.explorer import Explorer
from gdexplorer.search.copies import NEAR_MIN_CHARS, NEAR_SHARE, near_keys, text_digest, text_units
from gdexplorer.search.engine.nearcopies import load_pairs

STORY = (
    "Harbour lights return to the old port\n\n"
    "The lamps along the old harbour wall were lit again on Friday for the first time since the storm. "
    "Volunteers spent three months repairing the iron posts and the wiring that runs beneath the quay. "
    "The town council paid for the glass, which came from a workshop in the next valley.\n\n"
    "Fishermen said the light made the night landing safer. "
    "Children from the primary school painted the numbers on each post. "
    "A brass band played until the tide turned, and the cafe stayed open late."
)


def test_near_keys_are_shared_by_one_sentence_changed_added_dropped_or_moved_and_no_more():
    lines = STORY.split("\n")
    retitled = "\n".join(["Old port lamps lit again", *lines[1:]])
    typo = STORY.replace("three months", "three mounths")
    added = STORY + " The mayor thanked everyone."
    dropped = STORY.replace("Children from the primary school painted the numbers on each post. ", "")
    moved = STORY.replace("Fishermen said the light made the night landing safer. ", "") \
        + " Fishermen said the light made the night landing safer."
    two = typo.replace("next valley", "next county")
    keys = set(near_keys(STORY))
    for near in (retitled, typo, added, dropped, moved):
        assert keys & set(near_keys(near)), near
    assert not keys & set(near_keys(two))
    # Whitespace is no difference, and a text under 200 characters has no keys at all.
    assert set(near_keys(STORY.replace(". ", ".\n"))) & keys
    assert near_keys("Short\n\nOne sentence here. Another one there. A third.") == []


def test_a_short_article_with_a_sentence_of_its_own_is_no_copy():
    # Three sentences of about 80 characters: one is a third of the text, more than the 1/4 allowed.
    base = ("First sentence about the harbour wall and the lamps that line it tonight. "
            "Second sentence about the volunteers and the months of work on the posts. ")
    a = base + "Third sentence about the council paying for the glass from the valley."
    b = base + "A different third sentence about the brass band and the cafe by the quay."
    assert len(a) > NEAR_MIN_CHARS and not set(near_keys(a)) & set(near_keys(b))


def _write(root: Path, name: str, text: str) -> None:
    (root / "articles" / name).write_text(text, encoding="utf-8")


@pytest.fixture
def harbour(seeds: Path) -> tuple[Path, Explorer]:
    _write(seeds, "harbour.txt", STORY)
    _write(seeds, "harbour-copy.txt", STORY)
    _write(seeds, "harbour-retitled.txt", STORY.replace("Harbour lights return to the old port", "Old port lamps lit again"))
    ex = Explorer(seeds)
    ex.update_index()
    return seeds, ex


def test_near_copies_are_one_hit_that_names_them_apart_from_exact_copies(harbour):
    _, ex = harbour
    for sort in ("relevance", "newest"):
        result = ex.search("harbour lamps", sort=sort)
        assert (result.total, result.collapsed) == (1, 2), sort
        [hit] = result.hits
        group = {hit.path, *hit.copies, *hit.near_copies}
        assert group == {"articles/harbour.txt", "articles/harbour-copy.txt", "articles/harbour-retitled.txt"}
        exact = {"articles/harbour.txt", "articles/harbour-copy.txt"}
        if hit.path in exact:
            assert (hit.copies, hit.near_copies) == (tuple(exact - {hit.path}), ("articles/harbour-retitled.txt",))
        else:
            assert (hit.copies, hit.near_copies) == ((), tuple(sorted(exact)))
    assert ex.search("harbour lamps", collapse=False).total == 3


def test_an_edited_article_leaves_its_group_and_joins_it_again_and_a_new_one_joins(harbour):
    seeds, ex = harbour
    retitled = seeds / "articles" / "harbour-retitled.txt"
    original = retitled.read_text(encoding="utf-8")
    retitled.write_text(original.replace("next valley", "next county"), encoding="utf-8")  # two sentences now
    assert ex.update_index().updated == 1
    assert ex.search("harbour lamps").total == 2
    retitled.write_text(original, encoding="utf-8")
    ex.update_index()
    assert (ex.search("harbour lamps").total, ex.search("harbour lamps").collapsed) == (1, 2)
    _write(seeds, "harbour-longer.txt", STORY + " The mayor thanked everyone who came.")
    retitled.unlink()
    stats = ex.update_index()
    assert (stats.added, stats.deleted) == (1, 1)
    [hit] = ex.search("harbour lamps").hits
    assert {hit.path, *hit.copies, *hit.near_copies} == {
        "articles/harbour.txt", "articles/harbour-copy.txt", "articles/harbour-longer.txt"}
    assert load_pairs(ex.index_folder) == {
        ("articles/harbour-copy.txt", "articles/harbour-longer.txt"), ("articles/harbour-copy.txt", "articles/harbour.txt"),
        ("articles/harbour-longer.txt", "articles/harbour.txt")}
    # A fresh process reads the same pairs from beside the index.
    again = Explorer(seeds)
    assert again.search("harbour lamps").total == 1


def test_search_json_and_text_name_near_copies(harbour, capsys):
    seeds, _ = harbour
    assert main(["search", "lamps", "--json", "--corpus", str(seeds)]) == Exit.OK
    [hit] = json.loads(capsys.readouterr().out)["hits"]
    assert len(hit["copies"]) + len(hit["near_copies"]) == 2 and hit["near_copies"]
    assert main(["search", "lamps", "--corpus", str(seeds)]) == Exit.OK
    out = capsys.readouterr().out
    assert ("+1 near copy: articles/harbour-retitled.txt" in out) or ("+2 near copies: " in out)


# -- the BBC corpus: every pair, compared directly ------------------------------------------------


def _shared_after_one_deletion(a: list[str], b: list[str]) -> int | None:
    """The most characters left when deleting at most one unit from each makes them equal."""
    best = None
    for i in range(-1, len(a)):
        rest_a = a if i < 0 else a[:i] + a[i + 1 :]
        for j in range(-1, len(b)):
            rest_b = b if j < 0 else b[:j] + b[j + 1 :]
            if rest_a == rest_b:
                shared = sum(map(len, rest_a))
                best = shared if best is None else max(best, shared)
    return best


def brute_force_near_pairs(texts: dict[str, str]) -> set[tuple[str, str]]:
    """Every pair of articles (not exact copies) that the rule calls near copies, by comparing them.

    Pairs whose unit counts differ by more than one, or which have fewer units in common (as
    multisets) than the longer one's count less one, cannot pass: deleting one unit from each
    leaves that many in common. The rest are compared unit by unit.
    """
    units = {i: text_units(t) for i, t in texts.items()}
    counts = {i: Counter(u) for i, u in units.items()}
    digests = {i: text_digest(t) for i, t in texts.items()}
    by_length: dict[int, list[str]] = {}
    for i in sorted(units):
        by_length.setdefault(len(units[i]), []).append(i)
    pairs = set()
    for n, ids in by_length.items():
        candidates = [(a, b) for a, b in itertools.combinations(ids, 2)]
        candidates += [(a, b) for a in ids for b in by_length.get(n + 1, [])]
        for a, b in candidates:
            if digests[a] == digests[b]:
                continue
            longest = max(len(units[a]), len(units[b]))
            if sum((counts[a] & counts[b]).values()) < longest - 1:
                continue
            shared = _shared_after_one_deletion(units[a], units[b])
            chars = max(sum(map(len, units[a])), sum(map(len, units[b])))
            if shared is not None and shared >= NEAR_SHARE * chars and shared >= NEAR_MIN_CHARS:
                pairs.add((a, b) if a < b else (b, a))
    return pairs


@pytest.mark.slow
@pytest.mark.corpora
def test_bbc_near_copies_found_by_the_index_are_exactly_those_compared_directly(bbc):
    ex = bbc[0]  # the session's index of the BBC corpus (tests/core/conftest.py)
    root = ex.corpus_root
    corpus = Corpus(root)
    texts = {i: corpus.read(i).text for i in corpus.scan()}
    expected = brute_force_near_pairs(texts)
    digests = {i: text_digest(t) for i, t in texts.items()}
    pairs = load_pairs(ex.index_folder)
    assert pairs is not None
    found = {p for p in pairs if digests[p[0]] != digests[p[1]]}
    # Precision and recall 1: no false merges, none missed (the "49 pairs beyond the copies").
    assert found == expected and len(found) == 49
    # And a search folds exactly those: one hit per group of texts the pairs join.
    result = ex.search("*", limit=3000, snippets=False)
    near_texts = {frozenset((digests[a], digests[b])) for a, b in expected}
    for hit in result.hits:
        assert all(frozenset((digests[hit.path], digests[n])) in near_texts for n in hit.near_copies)
        assert all(digests[c] == digests[hit.path] for c in hit.copies)
    groups = [{h.path, *h.copies, *h.near_copies} for h in result.hits]
    assert all(any({a, b} <= group for group in groups) for a, b in expected)
    assert len(result.hits) == len(set(digests.values())) - len(near_texts)  # no chains: one fold a pair


def test_a_lost_pairs_file_is_found_again_by_the_next_update(harbour):
    _, ex = harbour
    (ex.index_folder / "nearcopies.json").unlink()
    assert Explorer(ex.corpus_root).search("harbour lamps").total == 2  # exact copies still fold
    stats = ex.update_index()
    assert (stats.added, stats.updated, stats.deleted) == (0, 0, 0)
    assert Explorer(ex.corpus_root).search("harbour lamps").total == 1


def test_each_segments_sorted_keys_are_kept_and_a_damaged_or_stale_file_is_not_trusted(harbour, caplog):
    seeds, ex = harbour
    folder = ex.index_folder
    expected = load_pairs(folder)
    assert expected
    segments = {f"nearkeys-{leaf.segment().segment_id()}.npz" for leaf, _ in ex._index.searcher().reader().leaf_readers()}
    assert {p.name for p in folder.glob("nearkeys-*.npz")} == segments
    (folder / "nearkeys-gone0segment0.npz").write_bytes(b"a segment merged away")
    for path in folder.glob("nearkeys-*.npz"):
        if path.name in segments:
            path.write_bytes(b"PK\x03\x04 not a whole file")  # an interrupted copy, a full disk
    (folder / "nearcopies.json").unlink()
    with caplog.at_level("WARNING", logger="gdexplorer.search.engine.nearcopies"):
        ex.update_index()  # nothing changed: only the pairs are found again
    assert load_pairs(folder) == expected
    assert {p.name for p in folder.glob("nearkeys-*.npz")} == segments
    assert any("nearkeys-" in r.getMessage() and "unreadable" in r.getMessage() for r in caplog.records)
    # An edit adds a segment; the kept files serve the others and the pairs follow the edit.
    retitled = seeds / "articles" / "harbour-retitled.txt"
    retitled.write_text(retitled.read_text(encoding="utf-8").replace("next valley", "next county"), encoding="utf-8")
    ex.update_index()
    assert load_pairs(folder) == {("articles/harbour-copy.txt", "articles/harbour.txt")}


def test_the_ids_of_paired_documents_are_kept_by_segment_and_give_what_the_stored_fields_give(harbour):
    from gdexplorer.search.engine import nearcopies

    seeds, ex = harbour
    folder = ex.index_folder
    _write(seeds, "harbour-longer.txt", STORY + " The mayor thanked everyone who came.")
    ex.update_index()  # a second segment: the pairs join documents of both
    kept = json.loads((folder / nearcopies.DOCS_FILE).read_text(encoding="utf-8"))["docs"]
    reader = ex._index.searcher().reader()
    segments = {leaf.segment().segment_id(): (leaf, offset) for leaf, offset in reader.leaf_readers()}
    assert len(kept) == 2 and kept.keys() <= segments.keys()
    paired = {path for a, b in load_pairs(folder) for path in (a, b)}
    assert {path for rows in kept.values() for _, path, _ in rows} == paired
    for segment, rows in kept.items():
        _, offset = segments[segment]
        for doc, path, _ in rows:
            assert reader.stored_fields(offset + doc)["path"] == path
    # With the kept ids, without them (read again), and from a garbled file: the same pairs.
    with_kept = nearcopies.update_pairs(folder, reader)
    (folder / nearcopies.DOCS_FILE).unlink()
    assert nearcopies.update_pairs(folder, reader) == with_kept
    (folder / nearcopies.DOCS_FILE).write_text('{"format": 1, "docs": {"x": [[0, 1]]}}', encoding="utf-8")
    assert nearcopies.update_pairs(folder, reader) == with_kept == nearcopies.load_records(folder)
