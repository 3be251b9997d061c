""""Did you mean …?": corrections come from the index's own words, in English and in Chinese."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gdexplorer.explorer import Explorer


@pytest.fixture(scope="module")
def seeds_index(tmp_path_factory: pytest.TempPathFactory) -> Explorer:
    root = tmp_path_factory.mktemp("seeds")
    shutil.copytree(Path(__file__).parents[2] / "seeds", root, dirs_exist_ok=True)
    ex = Explorer(root, cache_dir=tmp_path_factory.mktemp("cache"))
    ex.update_index()
    return ex


@pytest.mark.parametrize(("query", "corrected"), [
    ("hydorgen", "hydrogen"),  # two letters swapped
    ("hydrogne fuel", "hydrogen fuel"),  # the word found is kept
    ("Elecrtic", "Electric"),  # the case as typed
    ("title:hydorgen", "title:hydrogen"),
    ('"hydorgen fuel"', '"hydrogen fuel"'),
    ("hydorgen*", "hydrogen*"),  # no word begins with it
    ("tcl OR hydorgen", "tcl OR hydrogen"),  # found something, but one word is in no article
])
def test_a_misspelt_word_is_offered_as_the_index_spells_it(seeds_index, query, corrected):
    assert seeds_index.search(query).did_you_mean == corrected


@pytest.mark.parametrize("query", [
    "hydrogen", "zeppelin",  # right, or nothing near it
    "entity:tcl",  # ids and categories are not words to correct
    "hydro*",  # a prefix some words begin with
    "gu",  # too short to guess
    "NOT hydrogen",
])
def test_nothing_is_offered_when_nothing_is_misspelt_or_no_word_is_near(seeds_index, query):
    assert seeds_index.search(query).did_you_mean is None


def test_the_last_word_being_typed_counts_as_a_prefix(seeds_index):
    # "hydr" is the start of "hydrogen": not a misspelling while it is being typed.
    assert seeds_index.search("hydr", keystroke=True, time_limited=False).did_you_mean is None
    assert seeds_index.search("hydorgen", keystroke=True, time_limited=False).did_you_mean == "hydrogen"
    # The fast answer to a keystroke does not look for near words.
    assert seeds_index.search("hydorgen", keystroke=True).did_you_mean is None


@pytest.mark.corpora
def test_a_known_but_rare_misspelling_is_corrected_when_it_finds_little(bbc):
    ex, texts = bbc
    typo = re.compile(r"\bdefinately\b", re.IGNORECASE)
    rare = sum(1 for head, body in texts.values() if typo.search(head) or typo.search(body))
    result = ex.search('"definately"', collapse=False)
    assert result.total == rare > 0  # the corpus's own typo is found...
    assert result.did_you_mean == '"definitely"'  # ...and the word meant is offered
    assert ex.search("definately").did_you_mean == "definitely"
    # A common word is never second-guessed, however common its neighbours.
    assert ex.search("minister OR ministers").did_you_mean is None


@pytest.mark.corpora
@pytest.mark.parametrize(("query", "corrected"), [("经济发宸", "经济发展"), ("中国经挤", "中国经济"), ("社会主乂", "社会主义")])
def test_a_chinese_run_no_article_holds_gets_one_character_corrected(chinese, query, corrected):
    ex, texts = chinese
    assert not any(query in head or query in body for head, body in texts.values())
    assert any(corrected in head or corrected in body for head, body in texts.values())
    result = ex.search(query)
    assert result.total == 0
    assert result.did_you_mean == corrected
    # What is offered finds something, and a run that is found is left alone.
    assert ex.search(corrected).total > 0
    assert ex.search(corrected).did_you_mean is None


def test_search_json_says_did_you_mean(seeds_index):
    out = subprocess.run([sys.executable, "-m", "gdexplorer", "search", "hydorgen", "--json",
                          "--corpus", str(seeds_index.corpus_root)],
                         capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    assert (data["total"], data["did_you_mean"]) == (0, "hydrogen")
    found = subprocess.run([sys.executable, "-m", "gdexplorer", "search", "hydrogen", "--json",
                            "--corpus", str(seeds_index.corpus_root)],
                           capture_output=True, text=True, check=True)
    assert json.loads(found.stdout)["did_you_mean"] is None


def test_a_known_word_no_neighbour_could_outnumber_is_not_looked_around(seeds_index):
    """A known word is corrected only to a word RARER times as frequent; when no word of the index
    can be (its frequency times RARER is above the number of articles times the fields), the words
    sharing its first letter are not walked at all."""
    from gdexplorer.search.engine import spelling

    class Counting(spelling._WhooshLexicon):
        walks = 0

        def words_sharing_first_letter(self, word, maxdist):
            Counting.walks += 1
            return super().words_sharing_first_letter(word, maxdist)

    lexicon = Counting(seeds_index._index.searcher())
    assert lexicon.frequency("hydrogen") * spelling.RARER > lexicon.highest_frequency()
    assert spelling.correct(lexicon, "hydrogen guangdong", total=1) is None
    assert Counting.walks == 0
    assert spelling.correct(lexicon, "hydorgen guangdong", total=1) == "hydrogen guangdong"
    assert Counting.walks == 1  # the unknown word only


def test_each_word_is_looked_around_once_per_state_of_the_index(seeds_index):
    """Typing goes on after a misspelt word: each keystroke's search asks about it again. The
    answer is kept with the searcher (one state of the index), and the next state asks again."""
    import gc
    import weakref

    from gdexplorer.search.engine import spelling

    walks: list[str] = []

    class Counting(spelling._WhooshLexicon):
        def words_sharing_first_letter(self, word, maxdist):
            walks.append(word)
            return super().words_sharing_first_letter(word, maxdist)

    searcher = seeds_index._index.searcher()
    spelling._lexicons[searcher] = Counting(searcher)
    try:
        for typed in ("hydorgen f", "hydorgen fu", "hydorgen fuel", "Hydorgen fuel cells"):
            fix = spelling.did_you_mean(searcher, typed, total=0, prefix_last=True)
            assert fix is not None and fix.lower().startswith("hydrogen ")
        assert walks.count("hydorgen") == 1
        other = type(searcher)(searcher.reader())  # another state of the index: asked again
        assert spelling.did_you_mean(other, "hydorgen fuel", total=0) == "hydrogen fuel"
        kept = weakref.ref(spelling._lexicons[other])
        assert kept() is not spelling._lexicons[searcher]
        del other
        gc.collect()
        assert kept() is None, "a searcher's answers go with it"
    finally:
        spelling._lexicons.pop(searcher, None)


def _corpus_of(root: Path, bodies: list[str]) -> Path:
    for n, body in enumerate(bodies):
        folder = root / "articles" / "energy"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{n:03}.txt").write_text(f"Report {n}\n\n{body}\n", encoding="utf-8")
    return root


@pytest.mark.parametrize(("bodies", "query", "offered"), [
    # One letter left out beats a commoner word two letters away...
    ({"The electric grid.": 5, "Electricity prices rose.": 2}, "electricty", "electricity"),
    # ...unless that word is FURTHER times as frequent.
    ({"The electric grid.": 10, "Electricity prices rose.": 2}, "electricty", "electric"),
    ({"The electric grid.": 9, "Electricity prices rose.": 2}, "electricty", "electricity"),
    ({"Electricity prices rose.": 2}, "electricty", "electricity"),
    ({"The electric grid.": 5}, "electricty", "electric"),  # only a word two letters away
    # A corpus's own typo one letter away does not hide the word meant, two letters away.
    ({"The goverment said so.": 2, "The government said so.": 30}, "govermet", "government"),
    # Ties of frequency at one distance: the first alphabetically.
    ({"Grapes.": 3, "Gripes.": 3}, "grxpes", "grapes"),
    # A known but rare word (in one article, and the query finds it alone) is corrected only to a word
    # RARER times as frequent: the one a letter away (10) is not, the one two letters away (25) is.
    ({"The electricty failed.": 1, "Electricity prices rose.": 10, "The electric grid.": 25},
     "electricty", "electric"),
    ({"The electricty failed.": 1, "Electricity prices rose.": 10}, "electricty", None),
])
def test_the_nearest_word_is_offered_unless_a_further_one_is_far_commoner(tmp_path, bodies, query, offered):
    texts = [text for text, count in bodies.items() for _ in range(count)]
    ex = Explorer(_corpus_of(tmp_path / "corpus", [*texts, "Nothing of the kind."]), cache_dir=tmp_path / "cache")
    ex.update_index()
    assert ex.search(query).did_you_mean == offered


def test_the_edit_distance_is_whooshs_own():
    """Fuzzy words~ and "did you mean" measure with RapidFuzz's optimal string alignment, in C++,
    where Whoosh measures in Python: the same words must be near, at every distance they ask about."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from whoosh.support.levenshtein import distance as whoosh_distance

    from gdexplorer.search.engine.expansion import within_edits

    letters = st.text(alphabet="abcdeé中", max_size=9)

    @settings(max_examples=3000, deadline=None)
    @given(letters, letters, st.integers(min_value=0, max_value=3))
    def agree(a: str, b: str, maxdist: int) -> None:
        assert within_edits(a, b, maxdist) == (whoosh_distance(a, b, limit=maxdist) <= maxdist)

    agree()
    # Real words, swaps among them (one edit for both measures, two for plain Levenshtein).
    for a, b, maxdist in [("hydorgen", "hydrogen", 1), ("electricty", "electricity", 1), ("ab", "ba", 1),
                          ("goverment", "government", 1), ("ca", "abc", 2), ("econmy", "economy", 1)]:
        assert within_edits(a, b, maxdist) == (whoosh_distance(a, b, limit=maxdist) <= maxdist)
